// seed-job qc: measurements onto the 15-min grid, with gaps, stuck sensors, out-of-range values
// and curtailment flagged (qc_flag) and, where safe, repaired.
#include "kernels/qc.h"

#include <cstdio>
#include <memory>
#include <stdexcept>
#include <string>

#include "commands/commands.h"
#include "io/atomic_file.h"
#include "io/csv.h"
#include "io/input_error.h"
#include "io/json_file.h"
#include "io/results.h"
#include "io/time.h"

namespace seed::commands {
namespace {

struct QcFlags {
  std::string in_path, out_path, report_path;
  double capacity = 0;
  std::string kind = "wind";
  int max_gap_minutes = 60;
  int stuck_minutes = 120;
  std::string power_curve = "auto";
};

// A power curve file: the curve object itself, or any JSON (e.g. a model artifact) holding one
// under "power_curve".
kernels::PowerCurve ReadPowerCurve(const std::string& path) {
  const nlohmann::json json = io::ReadJsonFile(path);
  const nlohmann::json* curve = &json;
  if (json.is_object() && !json.contains("bins") && json.contains("power_curve"))
    curve = &json.at("power_curve");
  try {
    return kernels::PowerCurve::FromJson(*curve);
  } catch (const std::invalid_argument& e) {
    throw io::InputError(path, e.what());
  } catch (const nlohmann::json::exception& e) {
    throw io::InputError(path, std::string("power curve: ") + e.what());
  }
}

void Run(const QcFlags& f) {
  if (!(f.capacity > 0))
    throw io::UsageError("--capacity must be a positive number of MW (the plant's nameplate)");
  if (f.max_gap_minutes < 0) throw io::UsageError("--max-gap-minutes must be >= 0");
  if (f.stuck_minutes < 15) throw io::UsageError("--stuck-minutes must be at least 15");
  kernels::QcOptions options;
  options.capacity_mw = f.capacity;
  options.kind = f.kind == "solar" ? kernels::PlantKind::kSolar : kernels::PlantKind::kWind;
  options.max_gap_minutes = f.max_gap_minutes;
  options.stuck_minutes = f.stuck_minutes;
  if (f.power_curve != "auto") options.power_curve = ReadPowerCurve(f.power_curve);

  const io::Frame input = io::ReadCsv(f.in_path, {.required = {"power_mw"}});
  kernels::QcResult result;
  try {
    result = kernels::RunQc(input, options);
  } catch (const std::invalid_argument& e) {
    throw io::UsageError(e.what());
  }
  io::WriteCsv(f.out_path, result.clean);
  if (!f.report_path.empty()) io::WriteFileAtomic(f.report_path, result.report.dump(2) + "\n");

  io::Results results;
  results.Set("rows", result.clean.Rows());
  results.Set("kept_fraction", result.kept_fraction);
  results.Set("interpolated", result.interpolated);
  results.Set("long_gap", result.long_gap);
  results.Set("stuck", result.stuck);
  results.Set("out_of_range", result.out_of_range);
  results.Set("curtailed", result.curtailed);
  results.Set("upsampled", result.upsampled);
  results.Set("clean", f.out_path);
  results.Flush();
  std::printf(
      "qc: %zu rows, kept %.1f%% (interpolated %ld, long gap %ld, stuck %ld, out of range %ld, curtailed "
      "%ld, up-sampled %ld)\n",
      result.clean.Rows(), 100 * result.kept_fraction, result.interpolated, result.long_gap, result.stuck,
      result.out_of_range, result.curtailed, result.upsampled);
  if (result.native_step > io::kQuarterHour) {
    std::printf(
        "qc: the measurements come every %lld min; the %ld grid points between them are filled for "
        "continuity "
        "but flagged up-sampled (%d), which train does not train on\n",
        static_cast<long long>(result.native_step / 60), result.upsampled, kernels::kQcUpsampled);
  }
}

}  // namespace

void AddQc(CLI::App& app) {
  auto flags = std::make_shared<QcFlags>();
  CLI::App* cmd = app.add_subcommand(
      "qc",
      "Quality control: align to 15 min, flag and repair gaps, stuck sensors, out-of-range and curtailment");
  cmd->add_option("--in", flags->in_path, "Measurements CSV (time, power_mw, wind_speed, ...)")->required();
  cmd->add_option("--out", flags->out_path, "Clean CSV to write (input columns repaired, plus qc_flag)")
      ->required();
  cmd->add_option("--report", flags->report_path, "QC report JSON to write (counts, intervals, power curve)");
  cmd->add_option("--capacity", flags->capacity, "Plant capacity in MW")->required();
  cmd->add_option("--kind", flags->kind, "Plant kind")
      ->check(CLI::IsMember({"wind", "solar"}))
      ->capture_default_str();
  cmd->add_option("--max-gap-minutes", flags->max_gap_minutes,
                  "Interpolate gaps up to this long; longer stay missing")
      ->capture_default_str();
  cmd->add_option("--stuck-minutes", flags->stuck_minutes, "A value repeated this long is a stuck sensor")
      ->capture_default_str();
  cmd->add_option("--power-curve", flags->power_curve,
                  "Plant power curve JSON for curtailment detection, or 'auto' to fit it from the data")
      ->capture_default_str();
  cmd->callback([flags] { Run(*flags); });
}

}  // namespace seed::commands
