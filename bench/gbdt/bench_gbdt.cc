// Training-speed and prediction-throughput benchmark of the seed GBDT kernel on a synthetic matrix
// (or on any exported float64 matrix). With --export DIR it writes the matrix and its own figures
// for speed.py, which times XGBoost hist on the very same numbers.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <random>
#include <string>
#include <vector>

#include "kernels/gbdt.h"

namespace {

using Clock = std::chrono::steady_clock;

struct Options {
  size_t rows = 100000, cols = 20, predict_rows = 100000;
  int threads = 2, trees = 1000, depth = 6, repeats = 1;
  std::string export_dir;
};

[[noreturn]] void Usage(const std::string& error) {
  std::cerr << "error: " << error << "\n"
            << "usage: bench_gbdt [--rows 100000] [--cols 20] [--trees 1000] [--depth 6] [--threads 2]\n"
            << "                  [--repeats 1] [--export DIR]\n";
  std::exit(2);
}

Options Parse(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (i + 1 >= argc) Usage(arg + " needs a value");
    const std::string v = argv[++i];
    if (arg == "--rows") {
      o.rows = o.predict_rows = std::stoul(v);
    } else if (arg == "--cols") {
      o.cols = std::stoul(v);
    } else if (arg == "--trees") {
      o.trees = std::stoi(v);
    } else if (arg == "--depth") {
      o.depth = std::stoi(v);
    } else if (arg == "--threads") {
      o.threads = std::stoi(v);
    } else if (arg == "--repeats") {
      o.repeats = std::stoi(v);
    } else if (arg == "--export") {
      o.export_dir = v;
    } else {
      Usage("unknown flag " + arg);
    }
  }
  if (o.rows < 100 || o.cols < 2 || o.trees < 1 || o.threads < 1 || o.repeats < 1) Usage("values too small");
  return o;
}

// A smooth nonlinear target with interactions, noise and 5 % missing cells.
void Synthesize(const Options& o, uint64_t seed, std::vector<double>* x, std::vector<double>* y) {
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> u(0, 1);
  std::normal_distribution<double> noise(0, 0.3);
  x->resize(o.rows * o.cols);
  y->resize(o.rows);
  for (size_t r = 0; r < o.rows; ++r) {
    double* row = x->data() + r * o.cols;
    for (size_t c = 0; c < o.cols; ++c) row[c] = u(rng);
    (*y)[r] = std::sin(6 * row[0]) + row[1] * row[2] + std::pow(row[3], 3) - row[4] + 0.5 * (row[5] > 0.5) +
              noise(rng);
    for (size_t c = 0; c < o.cols; ++c) {
      if (u(rng) < 0.05) row[c] = NAN;
    }
  }
}

void WriteF64(const std::string& path, const std::vector<double>& values) {
  std::ofstream out(path, std::ios::binary);
  out.write(reinterpret_cast<const char*>(values.data()),
            static_cast<std::streamsize>(values.size() * sizeof(double)));
  if (!out) throw std::runtime_error(path + ": cannot write");
}

double Cpu() { return static_cast<double>(std::clock()) / CLOCKS_PER_SEC; }
double Since(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

}  // namespace

int main(int argc, char** argv) {
  const Options o = Parse(argc, argv);
  std::vector<double> x, y, px, py;
  Synthesize(o, 1, &x, &y);
  Synthesize(o, 2, &px, &py);
  seed::kernels::GbdtParams p;
  p.trees = o.trees;
  p.max_depth = o.depth;
  p.learning_rate = 0.05;
  p.subsample = 0.8;
  p.colsample = 0.8;
  p.min_child_weight = 5;
  p.threads = o.threads;

  double best_fit = 1e300, best_fit_cpu = 1e300, best_predict = 1e300, best_predict_1 = 1e300;
  double rmse = 0;
  for (int rep = 0; rep < o.repeats; ++rep) {
    auto t = Clock::now();
    double c = Cpu();
    const auto model = seed::kernels::TrainGbdt(x.data(), o.rows, o.cols, y.data(), p);
    best_fit = std::min(best_fit, Since(t));
    best_fit_cpu = std::min(best_fit_cpu, Cpu() - c);
    std::vector<double> out(o.predict_rows);
    t = Clock::now();
    model.PredictBatch(px.data(), o.predict_rows, o.cols, out.data(), o.threads);
    best_predict = std::min(best_predict, Since(t));
    c = Cpu();  // one thread: CPU time is the work, whatever else the machine is doing
    model.PredictBatch(px.data(), o.predict_rows, o.cols, out.data(), 1);
    best_predict_1 = std::min(best_predict_1, Cpu() - c);
    double sum = 0;
    for (size_t r = 0; r < o.predict_rows; ++r) sum += (out[r] - py[r]) * (out[r] - py[r]);
    rmse = std::sqrt(sum / o.predict_rows);
  }
  const double us_per_row = best_predict * 1e6 / o.predict_rows,
               us_per_row_1 = best_predict_1 * 1e6 / o.predict_rows;
  std::printf(
      "seed: %zu x %zu, %d trees, depth %d, %d threads: fit %.2f s (CPU %.2f s), predict %.2f us/row "
      "(%.2f us/row of CPU on 1 thread), holdout RMSE %.4f\n",
      o.rows, o.cols, o.trees, o.depth, o.threads, best_fit, best_fit_cpu, us_per_row, us_per_row_1, rmse);
  if (!o.export_dir.empty()) {
    std::filesystem::create_directories(o.export_dir);
    WriteF64(o.export_dir + "/train_x.f64", x);
    WriteF64(o.export_dir + "/train_y.f64", y);
    WriteF64(o.export_dir + "/test_x.f64", px);
    WriteF64(o.export_dir + "/test_y.f64", py);
    const nlohmann::json results = {{"rows", o.rows},
                                    {"cols", o.cols},
                                    {"trees", o.trees},
                                    {"depth", o.depth},
                                    {"threads", o.threads},
                                    {"repeats", o.repeats},
                                    {"fit_s", best_fit},
                                    {"fit_cpu_s", best_fit_cpu},
                                    {"predict_us_per_row", us_per_row},
                                    {"predict_us_per_row_1_thread", us_per_row_1},
                                    {"rmse", rmse}};
    std::ofstream(o.export_dir + "/seed_results.json") << results.dump(1) << "\n";
  }
  return 0;
}
