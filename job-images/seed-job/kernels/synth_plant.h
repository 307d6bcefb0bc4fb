#pragma once
// The output of the synthetic plant generators (synth_wind.h, synth_solar.h): what a real plant
// would hand us, in the CSV shapes of the seed-job README.
#include <nlohmann/json.hpp>

#include "io/csv.h"

namespace seed::kernels {

struct SynthPlant {
  io::Frame measurements;  // 15-min plant data (power_mw, wind_speed/wind_dir or ghi/dni/dhi, temperature_c, ...)
  io::Frame nwp;           // several NWP sources on the same 15-min grid, covering the same span
  io::Frame turbines;      // wind only: per-turbine power, wt<id>_mw (empty for solar)
  nlohmann::json site;     // kind, capacity_mw, latitude, longitude, altitude, turbines, seed, ...
};

}  // namespace seed::kernels
