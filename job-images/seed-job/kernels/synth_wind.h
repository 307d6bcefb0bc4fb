#pragma once
// A synthetic wind plant, realistic enough to exercise every wind kernel: a Weibull wind climate
// with synoptic persistence and a diurnal cycle, prevailing direction, air density from
// temperature and pressure, pitch-regulated turbines with density correction, wake/terrain speed
// differences, outages, curtailment, sensor defects, and several NWP sources with their own
// biases, timing errors and noise. Reproducible: the same options give the same bytes on every
// platform (std::mt19937_64 is specified by the standard; the distributions are written here
// rather than taken from <random>, whose algorithms differ between standard libraries).
#include <cstdint>
#include <string>
#include <vector>

#include "kernels/synth_plant.h"

namespace seed::kernels {

struct WindSynthOptions {
  int64_t start = 1704038400;  // Unix seconds of the first 15-min point (2024-01-01T00:00+08:00)
  int days = 365;
  int utc_offset_minutes = 480;  // written into the CSVs; also sets local time for diurnal cycles
  double capacity_mw = 100;
  int turbines = 40;
  double latitude = 41.1;  // Zhangjiakou wind area, Hebei
  double longitude = 114.7;
  double altitude = 1400;  // m above sea level
  double hub_height = 90;  // m
  uint64_t seed = 42;
  std::vector<std::string> nwp_sources = {"ec", "gfs", "meso"};
  bool defects = true;  // sensor gaps, a stuck anemometer, for QC to find
};

// Throws std::invalid_argument for options out of range (days < 1, capacity <= 0, no turbines,
// a source name that is not a short lowercase identifier).
SynthPlant SynthesizeWindPlant(const WindSynthOptions& options);

// The normalised (0..1) power curve of the synthetic turbines at ρ0 = 1.225 kg/m³: cut-in 3 m/s,
// rated 12 m/s, cut-out 25 m/s.
double SynthTurbinePowerFraction(double wind_speed);

}  // namespace seed::kernels
