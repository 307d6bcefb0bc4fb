// seed-job synth: a realistic synthetic plant (measurements, NWP, turbines, site description),
// seeded and reproducible, for examples, tests and benchmarks.
#include <cmath>
#include <cstdio>
#include <memory>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "commands/commands.h"
#include "io/atomic_file.h"
#include "io/csv.h"
#include "io/input_error.h"
#include "io/results.h"
#include "io/time.h"
#include "kernels/synth_solar.h"
#include "kernels/synth_tower.h"
#include "kernels/synth_wind.h"

namespace seed::commands {
namespace {

struct SynthFlags {
  std::string kind = "wind";
  std::string start = "2024-01-01T00:00:00+08:00";
  int days = 365;
  double capacity = 100;
  int turbines = 40;
  uint64_t seed = 42;
  std::string nwp_sources = "ec,gfs,meso";
  std::string out_dir;
  double latitude = 41.1;  // Zhangjiakou, Hebei: a large wind and solar base
  double longitude = 114.7;
  double altitude = 1400;
  double hub_height = 90;
  double tilt = 35;
  double azimuth = 180;
  bool no_defects = false;
};

std::vector<std::string> SplitSources(const std::string& text) {
  std::vector<std::string> out;
  std::stringstream stream(text);
  std::string item;
  while (std::getline(stream, item, ',')) {
    if (item.empty()) throw io::UsageError("--nwp-sources: empty source name in '" + text + "'");
    for (const auto& seen : out) {
      if (seen == item) throw io::UsageError("--nwp-sources: '" + item + "' is listed twice");
    }
    out.push_back(item);
  }
  if (out.empty()) throw io::UsageError("--nwp-sources: give at least one source, like ec,gfs");
  return out;
}

// --kind tower: an anemometer tower (tower.csv) with its planted statistics (site.json).
void WriteTower(const SynthFlags& f, const io::ParsedTime& start) {
  kernels::TowerSynthOptions options;
  options.start = start.unix_seconds;
  options.days = f.days;
  options.utc_offset_minutes = start.offset_minutes;
  options.seed = f.seed;
  const kernels::SynthTower tower = kernels::SynthesizeTower(options);
  const std::string dir = f.out_dir.empty() ? "." : f.out_dir;
  io::WriteCsv(dir + "/tower.csv", tower.tower);
  io::WriteFileAtomic(dir + "/site.json", tower.site.dump(2) + "\n");
  io::Results results;
  results.Set("tower", dir + "/tower.csv");
  results.Set("site", dir + "/site.json");
  results.Set("rows", tower.tower.Rows());
  results.Flush();
  std::printf("synth: tower, %zu rows -> %s\n", tower.tower.Rows(), dir.c_str());
}

void Run(const SynthFlags& f) {
  if (f.days < 1 || f.days > 3660)
    throw io::UsageError("--days must be between 1 and 3660, got " + std::to_string(f.days));
  if (!(f.capacity > 0)) throw io::UsageError("--capacity must be a positive number of MW");
  if (!(std::abs(f.latitude) <= 90) || !(std::abs(f.longitude) <= 180)) {
    throw io::UsageError("--latitude must be in [-90, 90] and --longitude in [-180, 180]");
  }
  io::ParsedTime start;
  try {
    start = io::ParseRfc3339(f.start);
  } catch (const std::invalid_argument& e) {
    throw io::UsageError("--start '" + f.start + "': " + e.what());
  }
  if (start.unix_seconds % io::kQuarterHour != 0) {
    throw io::UsageError("--start must be on a quarter hour (minutes 00, 15, 30 or 45, seconds 00)");
  }
  if (f.kind == "tower") return WriteTower(f, start);
  const std::vector<std::string> sources = SplitSources(f.nwp_sources);

  kernels::SynthPlant plant;
  try {
    if (f.kind == "wind") {
      kernels::WindSynthOptions options;
      options.start = start.unix_seconds;
      options.days = f.days;
      options.utc_offset_minutes = start.offset_minutes;
      options.capacity_mw = f.capacity;
      options.turbines = f.turbines;
      options.latitude = f.latitude;
      options.longitude = f.longitude;
      options.altitude = f.altitude;
      options.hub_height = f.hub_height;
      options.seed = f.seed;
      options.nwp_sources = sources;
      options.defects = !f.no_defects;
      plant = kernels::SynthesizeWindPlant(options);
    } else {
      kernels::SolarSynthOptions options;
      options.start = start.unix_seconds;
      options.days = f.days;
      options.utc_offset_minutes = start.offset_minutes;
      options.capacity_mw = f.capacity;
      options.latitude = f.latitude;
      options.longitude = f.longitude;
      options.altitude = f.altitude;
      options.tilt = f.tilt;
      options.azimuth = f.azimuth;
      options.seed = f.seed;
      options.nwp_sources = sources;
      options.defects = !f.no_defects;
      plant = kernels::SynthesizeSolarPlant(options);
    }
  } catch (const std::invalid_argument& e) {
    throw io::UsageError(e.what());
  }

  const std::string dir = f.out_dir.empty() ? "." : f.out_dir;
  io::Results results;
  const auto write = [&](const std::string& key, const io::Frame& frame) {
    const std::string path = dir + "/" + key + ".csv";
    io::WriteCsv(path, frame);
    results.Set(key, path);
  };
  write("measurements", plant.measurements);
  write("nwp", plant.nwp);
  if (plant.turbines.Rows() > 0) write("turbines", plant.turbines);
  const std::string site_path = dir + "/site.json";
  io::WriteFileAtomic(site_path, plant.site.dump(2) + "\n");
  results.Set("site", site_path);
  results.Set("rows", plant.measurements.Rows());
  results.Set("capacity_mw", f.capacity);
  results.Flush();
  std::printf("synth: %s plant, %zu rows, %.6g MW -> %s\n", f.kind.c_str(), plant.measurements.Rows(),
              f.capacity, dir.c_str());
}

}  // namespace

void AddSynth(CLI::App& app) {
  auto flags = std::make_shared<SynthFlags>();
  CLI::App* cmd = app.add_subcommand("synth",
                                     "Synthetic wind or solar plant (measurements, NWP, turbines, site.json) "
                                     "or anemometer tower (tower.csv)");
  cmd->add_option("--kind", flags->kind, "Plant kind")
      ->check(CLI::IsMember({"wind", "solar", "tower"}))
      ->capture_default_str();
  cmd->add_option("--start", flags->start,
                  "First 15-min point, RFC 3339 with offset (sets the files' time zone)")
      ->capture_default_str();
  cmd->add_option("--days", flags->days, "Days to generate (96 points a day)")->capture_default_str();
  cmd->add_option("--capacity", flags->capacity, "Plant capacity in MW")->capture_default_str();
  cmd->add_option("--turbines", flags->turbines, "Number of turbines (wind)")->capture_default_str();
  cmd->add_option("--seed", flags->seed, "Random seed; the same seed gives the same files")
      ->capture_default_str();
  cmd->add_option("--nwp-sources", flags->nwp_sources, "Comma-separated NWP source names (lowercase)")
      ->capture_default_str();
  cmd->add_option("--out-dir", flags->out_dir,
                  "Directory for measurements.csv, nwp.csv, turbines.csv, site.json")
      ->required();
  cmd->add_option("--latitude", flags->latitude, "Site latitude, degrees north")->capture_default_str();
  cmd->add_option("--longitude", flags->longitude, "Site longitude, degrees east")->capture_default_str();
  cmd->add_option("--altitude", flags->altitude,
                  "Site altitude, m above sea level (sets air pressure and density)")
      ->capture_default_str();
  cmd->add_option("--hub-height", flags->hub_height, "Hub height, m (wind)")->capture_default_str();
  cmd->add_option("--tilt", flags->tilt, "Panel tilt, degrees (solar)")->capture_default_str();
  cmd->add_option("--azimuth", flags->azimuth, "Panel azimuth, degrees from north (solar)")
      ->capture_default_str();
  cmd->add_flag("--no-defects", flags->no_defects,
                "No sensor gaps, stuck sensors or outages in the measurements");
  cmd->callback([flags] { Run(*flags); });
}

}  // namespace seed::commands
