// seed-job tower: anemometer-tower statistics (wind shear, turbulence intensity, Weibull fit, wind
// rose) from a tower CSV with columns per height, as JSON for `seed-job report --tower`.
#include "kernels/tower.h"

#include <cstdio>
#include <stdexcept>

#include "commands/commands.h"
#include "io/atomic_file.h"
#include "io/csv.h"
#include "io/input_error.h"
#include "io/results.h"

namespace seed::commands {
namespace {

struct TowerFlags {
  std::string data_path, out_path;
  kernels::TowerOptions options;
};

void Run(const TowerFlags& f) {
  const io::Frame tower = io::ReadCsv(f.data_path);
  nlohmann::json stats;
  try {
    stats = kernels::TowerStatistics(tower, f.options);
  } catch (const std::invalid_argument& e) {
    throw io::UsageError(e.what());
  }
  io::WriteFileAtomic(f.out_path, stats.dump(2) + "\n");

  io::Results results;
  results.Set("tower", f.out_path);
  results.Set("rows", tower.Rows());
  const nlohmann::json& shear = stats["shear"];
  if (!shear.empty())
    results.Set("shear_alpha", shear.back()["alpha"]);  // lowest to highest (or the one pair)
  const nlohmann::json& weibull = stats["weibull"];
  results.Set("weibull_k", weibull.back()["k"]);  // the highest height
  results.Set("weibull_c", weibull.back()["c"]);
  for (const auto& ti : stats["turbulence"])
    results.Set("ti15", ti["representativeTi15"]);  // highest with sigma
  results.Flush();
  std::printf("tower: %zu rows, heights %s -> %s\n", tower.Rows(), stats["heights"].dump().c_str(),
              f.out_path.c_str());
}

}  // namespace

void AddTower(CLI::App& app) {
  auto flags = std::make_shared<TowerFlags>();
  CLI::App* cmd = app.add_subcommand(
      "tower",
      "Anemometer-tower statistics: wind shear, turbulence intensity, Weibull fit, wind rose (JSON)");
  cmd->add_option(
         "--data", flags->data_path,
         "Tower CSV: time, ws_<h>m (m/s) per height, optional ws_sd_<h>m (m/s) and wd_<h>m (degrees)")
      ->required();
  cmd->add_option("--out", flags->out_path, "JSON file to write (read by `seed-job report --tower`)")
      ->required();
  cmd->add_option("--sectors", flags->options.sectors, "Direction sectors for shear and the wind rose")
      ->check(CLI::Range(1, 72))
      ->capture_default_str();
  cmd->add_option("--shear-min-speed", flags->options.shear_min_speed,
                  "Rows enter the shear only when both heights have at least this speed (m/s)")
      ->check(CLI::Range(0.0, 50.0))
      ->capture_default_str();
  cmd->add_option("--ti-bin-width", flags->options.ti_bin_width,
                  "Speed bin width for turbulence intensity (m/s)")
      ->check(CLI::Range(0.1, 5.0))
      ->capture_default_str();
  cmd->callback([flags] { Run(*flags); });
}

}  // namespace seed::commands
