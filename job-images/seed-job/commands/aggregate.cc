// seed-job aggregate: turbine power columns summed to the station, with missing turbines filled.
#include "kernels/aggregate.h"

#include <cmath>
#include <cstdio>
#include <limits>
#include <memory>
#include <stdexcept>
#include <string>

#include "commands/commands.h"
#include "io/csv.h"
#include "io/input_error.h"
#include "io/results.h"

namespace seed::commands {
namespace {

struct AggregateFlags {
  std::string in_path, out_path;
  double capacity_per_turbine = std::numeric_limits<double>::quiet_NaN();
  double min_available = 0.8;
};

void Run(const AggregateFlags& f) {
  if (!std::isnan(f.capacity_per_turbine) && !(f.capacity_per_turbine > 0)) {
    throw io::UsageError("--capacity-per-turbine must be a positive number of MW");
  }
  if (!(f.min_available > 0 && f.min_available <= 1)) {
    throw io::UsageError("--min-available must be a fraction in (0, 1], like 0.8");
  }
  const io::Frame turbines = io::ReadCsv(f.in_path);
  kernels::AggregateResult result;
  try {
    result = kernels::AggregateTurbines(
        turbines, {.capacity_per_turbine = f.capacity_per_turbine, .min_available = f.min_available});
  } catch (const std::invalid_argument& e) {
    throw io::UsageError(e.what());
  }
  io::WriteCsv(f.out_path, result.station);
  io::Results results;
  results.Set("rows", result.station.Rows());
  results.Set("turbines", result.turbines);
  results.Set("filled_points", result.filled_points);
  results.Set("missing_rows", result.missing_rows);
  results.Set("station", f.out_path);
  results.Flush();
  std::printf("aggregate: %d turbines, %zu rows, %ld turbine values filled, %ld rows missing\n",
              result.turbines, result.station.Rows(), result.filled_points, result.missing_rows);
}

}  // namespace

void AddAggregate(CLI::App& app) {
  auto flags = std::make_shared<AggregateFlags>();
  CLI::App* cmd = app.add_subcommand("aggregate", "Turbines to station: sum wt<id>_mw columns to power_mw");
  cmd->add_option("--in", flags->in_path, "Turbine CSV with one wt<id>_mw column per turbine")->required();
  cmd->add_option("--out", flags->out_path, "Station CSV to write: power_mw, reporting, available_mw")
      ->required();
  cmd->add_option("--capacity-per-turbine", flags->capacity_per_turbine,
                  "Turbine nameplate in MW; adds available_mw = reporting turbines x this");
  cmd->add_option("--min-available", flags->min_available,
                  "Share of turbines that must report for a station value (else it is missing)")
      ->capture_default_str();
  cmd->callback([flags] { Run(*flags); });
}

}  // namespace seed::commands
