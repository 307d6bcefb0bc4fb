// GEFCom2012 wind benchmark of the seed GBDT kernel: builds the per-farm rows, trains one model per
// farm (and P10/P90 quantile models), scores test.csv as the competition did and prints a table.
// With --export DIR it also writes the exact feature matrices and its own figures for peers.py.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "gefcom_data.h"
#include "kernels/gbdt.h"

namespace {

using seed::bench::FeatureTable;
using seed::kernels::GbdtModel;
using seed::kernels::GbdtParams;
using Clock = std::chrono::steady_clock;

constexpr int kBlocks = 4;  // horizon blocks h1-12, 13-24, 25-36, 37-48

struct Options {
  std::string folder, export_dir;
  int threads = 2, trees = 1000, only_farm = 0;  // only_farm 0: all
  bool with_power = true, quantiles = true;
  bool weekly_calibration = false;  // default: the most recent 20 % of training windows
  double quantile_min_child_weight = 5;
};

[[noreturn]] void Usage(const std::string& error) {
  std::cerr << "error: " << error << "\n"
            << "usage: bench_gefcom <data-folder> [--threads 2] [--trees 1000] [--features nwp|nwp+power]\n"
            << "                    [--no-quantiles] [--calibration recent|weekly] "
               "[--quantile-min-child-weight 5]\n"
            << "                    [--farm 1..7] [--export DIR]\n";
  std::exit(2);
}

Options Parse(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) Usage(arg + " needs a value");
      return argv[++i];
    };
    if (arg == "--threads") {
      o.threads = std::stoi(value());
    } else if (arg == "--trees") {
      o.trees = std::stoi(value());
    } else if (arg == "--features") {
      const std::string f = value();
      if (f != "nwp" && f != "nwp+power") Usage("--features must be nwp or nwp+power");
      o.with_power = f == "nwp+power";
    } else if (arg == "--farm") {
      o.only_farm = std::stoi(value());
      if (o.only_farm < 1 || o.only_farm > seed::bench::kFarms) Usage("--farm must be 1..7");
    } else if (arg == "--calibration") {
      const std::string c = value();
      if (c != "recent" && c != "weekly") Usage("--calibration must be recent or weekly");
      o.weekly_calibration = c == "weekly";
    } else if (arg == "--quantile-min-child-weight") {
      o.quantile_min_child_weight = std::stod(value());
    } else if (arg == "--no-quantiles") {
      o.quantiles = false;
    } else if (arg == "--export") {
      o.export_dir = value();
    } else if (!arg.empty() && arg[0] == '-') {
      Usage("unknown flag " + arg);
    } else if (o.folder.empty()) {
      o.folder = arg;
    } else {
      Usage("one data folder only");
    }
  }
  if (o.folder.empty()) Usage("the data folder is required");
  if (o.threads < 1 || o.trees < 1) Usage("--threads and --trees must be >= 1");
  return o;
}

void WriteF64(const std::string& path, const std::vector<double>& values) {
  std::ofstream out(path, std::ios::binary);
  out.write(reinterpret_cast<const char*>(values.data()),
            static_cast<std::streamsize>(values.size() * sizeof(double)));
  if (!out) throw std::runtime_error(path + ": cannot write");
}

double Seconds(Clock::time_point since) {
  return std::chrono::duration<double>(Clock::now() - since).count();
}
// Process CPU time over all threads: steadier than wall time on a shared machine.
double CpuSeconds() { return static_cast<double>(std::clock()) / CLOCKS_PER_SEC; }

struct Squares {
  double sum = 0;
  size_t n = 0;
  void Add(double e) {
    sum += e * e;
    ++n;
  }
  double Rmse() const { return n ? std::sqrt(sum / n) : NAN; }
};

// P10 and P90 models fitted on `fit`, conformally shifted with `calib` (no shift when calib is
// the fitting set itself), predicted on `test` (crossed pairs sorted).
struct QuantileResult {
  std::vector<double> lo, hi;
  double shift_lo = 0, shift_hi = 0, fit_seconds = 0;
  double train_coverage = 0;  // in-sample, or on the calibration rows before the shift
  size_t crossed = 0;
  double Coverage(const std::vector<double>& y) const {
    size_t in = 0;
    for (size_t i = 0; i < y.size(); ++i)
      in += y[i] >= std::clamp(lo[i], 0.0, 1.0) && y[i] <= std::clamp(hi[i], 0.0, 1.0);
    return static_cast<double>(in) / y.size();
  }
};

// The ceil((n + 1)(1 - a))-th smallest score: split conformal's finite-sample quantile.
double ConformalQuantile(std::vector<double> scores, double a) {
  std::sort(scores.begin(), scores.end());
  const auto k = static_cast<size_t>(std::ceil((scores.size() + 1) * (1 - a)));
  return scores[std::min(scores.size(), std::max<size_t>(k, 1)) - 1];
}

QuantileResult Quantiles(const FeatureTable& fit, const FeatureTable& calib, const FeatureTable& test,
                         const GbdtParams& params, int threads) {
  QuantileResult r;
  GbdtParams q = params;
  q.loss = GbdtParams::Loss::kQuantile;
  std::vector<double> calib_lo(calib.rows()), calib_hi(calib.rows());
  r.lo.resize(test.rows());
  r.hi.resize(test.rows());
  for (double alpha : {0.1, 0.9}) {
    q.alpha = alpha;
    const auto start = Clock::now();
    const GbdtModel m = seed::kernels::TrainGbdt(fit.x.data(), fit.rows(), fit.cols, fit.y.data(), q);
    r.fit_seconds += Seconds(start);
    m.PredictBatch(test.x.data(), test.rows(), test.cols, (alpha < 0.5 ? r.lo : r.hi).data(), threads);
    m.PredictBatch(calib.x.data(), calib.rows(), calib.cols, (alpha < 0.5 ? calib_lo : calib_hi).data(),
                   threads);
  }
  if (&fit == &calib) {
    size_t in = 0;
    for (size_t i = 0; i < calib.rows(); ++i) in += calib.y[i] >= calib_lo[i] && calib.y[i] <= calib_hi[i];
    r.train_coverage = static_cast<double>(in) / calib.rows();
  } else {
    std::vector<double> lo_scores(calib.rows()), hi_scores(calib.rows());
    size_t in = 0;
    for (size_t i = 0; i < calib.rows(); ++i) in += calib.y[i] >= calib_lo[i] && calib.y[i] <= calib_hi[i];
    r.train_coverage = static_cast<double>(in) / calib.rows();
    for (size_t i = 0; i < calib.rows(); ++i) {
      lo_scores[i] = calib_lo[i] - calib.y[i];
      hi_scores[i] = calib.y[i] - calib_hi[i];
    }
    r.shift_lo = ConformalQuantile(lo_scores, 0.1);
    r.shift_hi = ConformalQuantile(hi_scores, 0.1);
    for (size_t i = 0; i < test.rows(); ++i) {
      r.lo[i] -= r.shift_lo;
      r.hi[i] += r.shift_hi;
    }
  }
  for (size_t i = 0; i < test.rows(); ++i) {
    if (r.lo[i] > r.hi[i]) {
      std::swap(r.lo[i], r.hi[i]);
      ++r.crossed;
    }
  }
  return r;
}

struct IntervalStats {
  size_t covered = 0, rows = 0, crossed = 0;
  double width = 0;
  void Add(const QuantileResult& r, const std::vector<double>& y) {
    covered += static_cast<size_t>(std::lround(r.Coverage(y) * y.size()));
    rows += y.size();
    crossed += r.crossed;
    for (size_t i = 0; i < y.size(); ++i)
      width += std::clamp(r.hi[i], 0.0, 1.0) - std::clamp(r.lo[i], 0.0, 1.0);
  }
  double Coverage() const { return static_cast<double>(covered) / rows; }
};

}  // namespace

int main(int argc, char** argv) {
  const Options opt = Parse(argc, argv);
  seed::bench::GefcomData data;
  try {
    data = seed::bench::LoadGefcom(opt.folder);
  } catch (const std::exception& e) {
    std::cerr << "error: " << e.what() << "\n";
    return 2;
  }
  GbdtParams params;  // the stock settings of the peers
  params.trees = opt.trees;
  params.max_depth = 6;
  params.learning_rate = 0.05;
  params.subsample = 0.8;
  params.colsample = 0.8;
  params.min_child_weight = 5;
  params.max_bins = 255;
  params.threads = opt.threads;
  if (!opt.export_dir.empty()) std::filesystem::create_directories(opt.export_dir);

  Squares total, per_farm[seed::bench::kFarms], per_block[kBlocks];
  double fit_seconds = 0, fit_cpu_seconds = 0, quantile_fit_seconds = 0, predict_seconds = 0;
  size_t predicted_rows = 0;
  IntervalStats raw_stats, cqr_stats;
  const seed::bench::GefcomData holdout =
      opt.weekly_calibration ? seed::bench::HoldOutWindows(data, 7 * 24) : seed::bench::GefcomData{};
  const int first_farm = opt.only_farm ? opt.only_farm - 1 : 0;
  nlohmann::json farms = nlohmann::json::array();
  for (int farm = 0; farm < seed::bench::kFarms; ++farm) {
    if (opt.only_farm != 0 && farm + 1 != opt.only_farm) continue;
    size_t starts = 0, windows = 0;
    const FeatureTable train = seed::bench::TrainingRows(data, farm, opt.with_power, &starts);
    const FeatureTable test = seed::bench::TestRows(data, farm, opt.with_power, &windows);
    if (farm == 0) {
      std::printf(
          "rows per farm: %zu training rows from %zu window starts; %zu test rows in %zu windows; %zu "
          "features\n",
          train.rows(), starts, test.rows(), windows, train.cols);
    }
    if (!opt.export_dir.empty()) {
      const std::string base = opt.export_dir + "/wp" + std::to_string(farm + 1);
      WriteF64(base + "_train_x.f64", train.x);
      WriteF64(base + "_train_y.f64", train.y);
      WriteF64(base + "_test_x.f64", test.x);
      WriteF64(base + "_test_y.f64", test.y);
      std::vector<double> horizon(test.horizon.begin(), test.horizon.end());
      WriteF64(base + "_test_h.f64", horizon);
    }
    auto start = Clock::now();
    const double cpu_start = CpuSeconds();
    const GbdtModel model =
        seed::kernels::TrainGbdt(train.x.data(), train.rows(), train.cols, train.y.data(), params);
    const double fit = Seconds(start);
    fit_seconds += fit;
    fit_cpu_seconds += CpuSeconds() - cpu_start;
    std::vector<double> pred(test.rows());
    start = Clock::now();
    model.PredictBatch(test.x.data(), test.rows(), test.cols, pred.data(), opt.threads);
    predict_seconds += Seconds(start);
    predicted_rows += test.rows();
    Squares farm_sq;
    for (size_t i = 0; i < test.rows(); ++i) {
      const double e = std::clamp(pred[i], 0.0, 1.0) - test.y[i];
      total.Add(e);
      farm_sq.Add(e);
      per_block[(test.horizon[i] - 1) / 12].Add(e);
    }
    per_farm[farm] = farm_sq;
    nlohmann::json farm_json = {{"farm", farm + 1}, {"rmse", farm_sq.Rmse()}, {"fit_s", fit}};
    if (opt.quantiles) {
      GbdtParams qparams = params;
      qparams.min_child_weight = opt.quantile_min_child_weight;
      const QuantileResult raw = Quantiles(train, train, test, qparams, opt.threads);
      // Split conformal calibration (CQR, Romano et al. 2019) inside the training data: either the
      // most recent 20 % of window starts, calibrating models fitted on the rows whose targets
      // precede them, or (weekly) 48-hour windows held out once a week the way the competition did.
      FeatureTable proper, calib;
      if (opt.weekly_calibration) {
        proper = seed::bench::TrainingRows(holdout, farm, opt.with_power);
        calib = seed::bench::TestRows(holdout, farm, opt.with_power);
      } else {
        std::vector<int64_t> t0s;
        for (size_t i = 0; i < train.rows(); ++i) t0s.push_back(train.hour[i] - train.horizon[i]);
        std::sort(t0s.begin(), t0s.end());
        t0s.erase(std::unique(t0s.begin(), t0s.end()), t0s.end());
        const int64_t split = t0s[t0s.size() * 4 / 5];
        proper = train.Subset([&](size_t i) { return train.hour[i] < split; });
        calib = train.Subset([&](size_t i) { return train.hour[i] - train.horizon[i] >= split; });
      }
      if (farm == first_farm) {
        std::printf("calibration (%s): %zu rows; fitting rows %zu\n",
                    opt.weekly_calibration ? "weekly windows" : "recent 20 %", calib.rows(), proper.rows());
      }
      const QuantileResult cqr = Quantiles(proper, calib, test, qparams, opt.threads);
      raw_stats.Add(raw, test.y);
      cqr_stats.Add(cqr, test.y);
      quantile_fit_seconds += raw.fit_seconds + cqr.fit_seconds;
      farm_json["coverage_p10_p90_raw"] = raw.Coverage(test.y);
      farm_json["coverage_p10_p90_cqr"] = cqr.Coverage(test.y);
      farm_json["cqr_shift"] = {cqr.shift_lo, cqr.shift_hi};
      std::printf(
          "wp%d P10-P90 coverage: uncalibrated %.1f %% (in-sample %.1f %%, on calibration rows %.1f %%), "
          "calibrated %.1f %% (shifts %.3f / %.3f)\n",
          farm + 1, 100 * raw.Coverage(test.y), 100 * raw.train_coverage, 100 * cqr.train_coverage,
          100 * cqr.Coverage(test.y), cqr.shift_lo, cqr.shift_hi);
    }
    farms.push_back(farm_json);
    std::printf("wp%d: RMSE %.4f  fit %.2f s\n", farm + 1, farm_sq.Rmse(), fit);
    std::fflush(stdout);
  }

  std::printf("\nseed GBDT, %s, %d trees, depth 6, lr 0.05, subsample 0.8, colsample 0.8, %d threads\n",
              opt.with_power ? "NWP+power (22 features)" : "NWP only (16 features)", opt.trees, opt.threads);
  std::printf(
      "| RMSE | wp1 | wp2 | wp3 | wp4 | wp5 | wp6 | wp7 | h1-12 | h13-24 | h25-36 | h37-48 | fit s | predict "
      "us/row |\n");
  std::printf("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|\n");
  std::printf("| %.4f |", total.Rmse());
  for (const Squares& s : per_farm) std::printf(" %.4f |", s.Rmse());
  for (const Squares& s : per_block) std::printf(" %.4f |", s.Rmse());
  const double predict_us = predict_seconds * 1e6 / predicted_rows;
  std::printf(" %.1f | %.2f |\n", fit_seconds, predict_us);
  std::printf("fit CPU time (all threads): %.1f s\n", fit_cpu_seconds);
  nlohmann::json results = {
      {"model", "seed"},
      {"features", opt.with_power ? "nwp+power" : "nwp"},
      {"threads", opt.threads},
      {"trees", opt.trees},
      {"rmse", total.Rmse()},
      {"rmse_blocks", {per_block[0].Rmse(), per_block[1].Rmse(), per_block[2].Rmse(), per_block[3].Rmse()}},
      {"fit_s", fit_seconds},
      {"fit_cpu_s", fit_cpu_seconds},
      {"predict_us_per_row", predict_us},
      {"farms", farms}};
  if (opt.quantiles) {
    for (const auto* st : {&raw_stats, &cqr_stats}) {
      std::printf(
          "P10-P90 %s: coverage %.2f %% (target 80 %% +- 4), mean width %.3f, crossed in %zu of %zu rows "
          "(sorted)\n",
          st == &raw_stats         ? "fitted on all training rows"
          : opt.weekly_calibration ? "calibrated on weekly held-out training windows"
                                   : "calibrated on the recent 20 % of training windows",
          100 * st->Coverage(), st->width / st->rows, st->crossed, st->rows);
    }
    std::printf("quantile fits: %.1f s for %zu models\n", quantile_fit_seconds, 4 * farms.size());
    results["calibration"] =
        opt.weekly_calibration ? "weekly held-out training windows" : "the recent 20 % of training windows";
    results["coverage_p10_p90_raw"] = raw_stats.Coverage();
    results["coverage_p10_p90"] = cqr_stats.Coverage();
    results["crossed_rows_raw"] = raw_stats.crossed;
    results["crossed_rows"] = cqr_stats.crossed;
    results["interval_rows"] = cqr_stats.rows;
    results["quantile_fit_s"] = quantile_fit_seconds;
  }
  if (!opt.export_dir.empty()) {
    std::vector<int> exported;
    for (const auto& f : farms) exported.push_back(f["farm"].get<int>());
    nlohmann::json meta = {{"features", opt.with_power ? "nwp+power" : "nwp"},
                           {"names", seed::bench::TrainingRows(data, 0, opt.with_power).names},
                           {"farms", exported}};
    std::ofstream(opt.export_dir + "/meta.json") << meta.dump(1) << "\n";
    std::ofstream(opt.export_dir + "/seed_results.json") << results.dump(1) << "\n";
  }
  return 0;
}
