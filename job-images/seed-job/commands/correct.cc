// seed-job correct: NWP wind speeds corrected against measured hub-height wind, per source, by
// direction sector and hour of day.
#include <cstdio>
#include <memory>
#include <stdexcept>
#include <string>

#include "commands/commands.h"
#include "io/atomic_file.h"
#include "io/csv.h"
#include "io/input_error.h"
#include "io/results.h"
#include "kernels/wind_correction.h"

namespace seed::commands {
namespace {

struct CorrectFlags {
  std::string nwp_path, measurements_path, out_path, report_path;
  int sectors = 8;
  int min_samples = 50;
};

void Run(const CorrectFlags& f) {
  if (f.sectors < 1 || f.sectors > 36) throw io::UsageError("--sectors must be between 1 and 36");
  if (f.min_samples < 2) throw io::UsageError("--min-samples must be at least 2");
  const io::Frame nwp = io::ReadCsv(f.nwp_path);
  const io::Frame measurements = io::ReadCsv(f.measurements_path, {.required = {"wind_speed"}});
  kernels::WindCorrection correction;
  try {
    correction =
        kernels::FitWindCorrection(nwp, measurements, {.sectors = f.sectors, .min_samples = f.min_samples});
  } catch (const std::invalid_argument& e) {
    throw io::UsageError(e.what());
  }
  io::WriteCsv(f.out_path, kernels::ApplyWindCorrection(nwp, correction));
  if (!f.report_path.empty()) io::WriteFileAtomic(f.report_path, correction.ToJson().dump(2) + "\n");

  io::Results results;
  results.Set("rows", nwp.Rows());
  for (const auto& source : correction.sources) {
    results.Set(source.source + "_rmse_before", source.rmse_before);
    results.Set(source.source + "_rmse_after", source.rmse_after);
    results.Set("fit_rows", source.fit_rows);
    std::printf("correct: %s: %ld fit rows, RMSE %.3f -> %.3f m/s\n", source.source.c_str(), source.fit_rows,
                source.rmse_before, source.rmse_after);
  }
  results.Set("corrected", f.out_path);
  results.Flush();
}

}  // namespace

void AddCorrect(CLI::App& app) {
  auto flags = std::make_shared<CorrectFlags>();
  CLI::App* cmd = app.add_subcommand(
      "correct", "NWP wind-speed correction against measured hub-height wind (by direction sector and hour)");
  cmd->add_option("--nwp", flags->nwp_path, "NWP CSV with <source>_ws and <source>_wd columns")->required();
  cmd->add_option("--measurements", flags->measurements_path,
                  "Measured CSV with wind_speed (qc_flag rows != 0 skipped)")
      ->required();
  cmd->add_option("--out", flags->out_path, "Corrected NWP CSV to write (same columns)")->required();
  cmd->add_option("--sectors", flags->sectors, "Direction sectors (sector 0 centred on north)")
      ->capture_default_str();
  cmd->add_option(
         "--min-samples", flags->min_samples,
         "Rows a (sector, hour) or sector group needs for its own fit; fewer fall back to the coarser level")
      ->capture_default_str();
  cmd->add_option("--report", flags->report_path,
                  "JSON file with the fitted coefficients per source, sector and hour");
  cmd->callback([flags] { Run(*flags); });
}

}  // namespace seed::commands
