// seed-job fuse: Bayesian Model Averaging of the NWP sources' wind speeds into one predictive
// distribution (mean, spread, quantiles) and a weighted wind direction.
#include <charconv>
#include <cmath>
#include <cstdio>
#include <memory>
#include <numbers>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "commands/commands.h"
#include "io/csv.h"
#include "io/input_error.h"
#include "io/results.h"
#include "io/time.h"
#include "kernels/bma.h"
#include "kernels/wind_correction.h"

namespace seed::commands {
namespace {

struct FuseFlags {
  std::string nwp_path, measurements_path, out_path;
  std::string quantiles = "0.1,0.5,0.9";
  double window_days = 30;
  int max_iterations = 1000;
  double tolerance = 1e-7;
};

std::vector<double> ParseQuantiles(const std::string& text) {
  std::vector<double> out;
  std::stringstream stream(text);
  std::string item;
  while (std::getline(stream, item, ',')) {
    double q = 0;
    const auto [ptr, ec] = std::from_chars(item.data(), item.data() + item.size(), q);
    if (ec != std::errc() || ptr != item.data() + item.size() || !(q > 0 && q < 1)) {
      throw io::UsageError("--quantiles: '" + item + "' is not a probability strictly between 0 and 1");
    }
    if (!out.empty() && q <= out.back())
      throw io::UsageError("--quantiles must be increasing, like 0.1,0.5,0.9");
    out.push_back(q);
  }
  if (out.empty()) throw io::UsageError("--quantiles: give at least one, like 0.1,0.5,0.9");
  return out;
}

// 0.1 -> "p10", 0.05 -> "p5", 0.025 -> "p2.5" (the README's quantile column names).
std::string QuantileName(double q) {
  const double percent = std::round(q * 100 * 1e6) / 1e6;
  char buf[32];
  const auto end = std::to_chars(buf, buf + sizeof buf, percent).ptr;
  return "p" + std::string(buf, end);
}

void Run(const FuseFlags& f) {
  const std::vector<double> quantiles = ParseQuantiles(f.quantiles);
  if (!(f.window_days > 0)) throw io::UsageError("--window-days must be > 0");
  if (f.max_iterations < 1 || !(f.tolerance > 0))
    throw io::UsageError("--max-iterations and --tolerance must be > 0");
  const io::Frame nwp = io::ReadCsv(f.nwp_path);
  const io::Frame measurements = io::ReadCsv(f.measurements_path, {.required = {"wind_speed"}});
  const std::vector<std::string> sources = kernels::NwpSources(nwp);
  if (sources.empty()) {
    throw io::InputError(nwp.source, 1, 0, "no NWP wind speed column: expected <source>_ws such as ec_ws");
  }
  std::vector<const std::vector<double>*> ws, wd;
  for (const auto& s : sources) {
    ws.push_back(&nwp.Column(s + "_ws"));
    wd.push_back(nwp.Has(s + "_wd") ? &nwp.Column(s + "_wd") : nullptr);
  }

  // Rows with every member and a usable measurement; training takes the last window_days of them.
  const auto& measured = measurements.Column("wind_speed");
  const int flag_index = measurements.Find("qc_flag");
  std::vector<size_t> rows;
  std::vector<double> truth;
  for (size_t i = 0, j = 0; i < nwp.Rows() && j < measurements.Rows();) {
    if (nwp.time[i] < measurements.time[j]) {
      ++i;
    } else if (nwp.time[i] > measurements.time[j]) {
      ++j;
    } else {
      bool usable = !std::isnan(measured[j]) &&
                    (flag_index < 0 || measurements.columns[static_cast<size_t>(flag_index)][j] == 0);
      for (const auto* column : ws) usable = usable && !std::isnan((*column)[i]);
      if (usable) rows.push_back(i), truth.push_back(measured[j]);
      ++i, ++j;
    }
  }
  if (rows.empty()) {
    throw io::InputError(
        measurements.source,
        "no time where every NWP source and a usable measured wind_speed are present; check that "
        "the files cover the same period");
  }
  const int64_t window_end = nwp.time[rows.back()];
  const int64_t window_start = window_end - static_cast<int64_t>(f.window_days * io::kDay);
  std::vector<std::vector<double>> train(sources.size());
  std::vector<double> observed;
  for (size_t k = 0; k < rows.size(); ++k) {
    if (nwp.time[rows[k]] <= window_start) continue;
    observed.push_back(truth[k]);
    for (size_t s = 0; s < sources.size(); ++s) train[s].push_back((*ws[s])[rows[k]]);
  }
  kernels::BmaModel model;
  try {
    model = kernels::FitBma(train, observed, {.tolerance = f.tolerance, .max_iterations = f.max_iterations});
  } catch (const std::invalid_argument& e) {
    throw io::InputError(measurements.source, std::string(e.what()) + " in the training window");
  }

  io::Frame out = io::MakeFrame(nwp.time, nwp.utc_offset_minutes);
  const size_t n = nwp.Rows();
  std::vector<double> mean(n), sd(n), direction(n);
  std::vector<std::vector<double>> q_columns(quantiles.size(), std::vector<double>(n));
  std::vector<double> members(sources.size());
  for (size_t r = 0; r < n; ++r) {
    double sin_sum = 0, cos_sum = 0;
    for (size_t s = 0; s < sources.size(); ++s) {
      members[s] = (*ws[s])[r];
      if (wd[s] && !std::isnan((*wd[s])[r])) {
        const double rad = (*wd[s])[r] * std::numbers::pi / 180;
        sin_sum += model.weight[s] * std::sin(rad);
        cos_sum += model.weight[s] * std::cos(rad);
      }
    }
    const kernels::BmaPrediction p = kernels::PredictBma(model, members, quantiles);
    mean[r] = std::isnan(p.mean) ? p.mean : std::max(0.0, p.mean);
    sd[r] = p.sd;
    for (size_t q = 0; q < quantiles.size(); ++q) q_columns[q][r] = p.quantiles[q];
    if (sin_sum == 0 && cos_sum == 0) {
      direction[r] = std::nan("");
    } else {
      double d = std::atan2(sin_sum, cos_sum) * 180 / std::numbers::pi;
      if (d < 0) d += 360;
      direction[r] = d >= 360 ? 0 : d;
    }
  }
  out.Set("ws", std::move(mean));
  out.Set("ws_sd", std::move(sd));
  for (size_t q = 0; q < quantiles.size(); ++q)
    out.Set("ws_" + QuantileName(quantiles[q]), std::move(q_columns[q]));
  out.Set("wd", std::move(direction));
  io::WriteCsv(f.out_path, out);

  io::Results results;
  results.Set("rows", n);
  for (size_t s = 0; s < sources.size(); ++s) results.Set("weight_" + sources[s], model.weight[s]);
  results.Set("sigma", model.sigma);
  results.Set("iterations", model.iterations);
  results.Set("converged", model.converged);
  results.Set("log_likelihood", model.log_likelihood);
  results.Set("training_rows", model.training_rows);
  results.Set("fused", f.out_path);
  results.Flush();
  std::printf("fuse: %zu sources, %ld training rows, sigma %.3f m/s, %d EM iterations\n", sources.size(),
              model.training_rows, model.sigma, model.iterations);
}

}  // namespace

void AddFuse(CLI::App& app) {
  auto flags = std::make_shared<FuseFlags>();
  CLI::App* cmd = app.add_subcommand(
      "fuse", "Bayesian Model Averaging of NWP sources: predictive mean, spread, quantiles and direction");
  cmd->add_option("--nwp", flags->nwp_path, "NWP CSV (ideally corrected) with <source>_ws and <source>_wd")
      ->required();
  cmd->add_option("--measurements", flags->measurements_path,
                  "Measured CSV with wind_speed (qc_flag rows != 0 skipped)")
      ->required();
  cmd->add_option("--out", flags->out_path, "Fused CSV to write: ws, ws_sd, ws_p<percent>..., wd")
      ->required();
  cmd->add_option("--quantiles", flags->quantiles, "Increasing probabilities in (0, 1)")
      ->capture_default_str();
  cmd->add_option("--window-days", flags->window_days, "Training window: the last N days with measurements")
      ->capture_default_str();
  cmd->add_option("--max-iterations", flags->max_iterations, "EM iteration limit")->capture_default_str();
  cmd->add_option("--tolerance", flags->tolerance,
                  "EM stops when the log-likelihood gains less than this (relative)")
      ->capture_default_str();
  cmd->callback([flags] { Run(*flags); });
}

}  // namespace seed::commands
