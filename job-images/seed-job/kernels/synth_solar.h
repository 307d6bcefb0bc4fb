#pragma once
// A synthetic PV plant, realistic enough to exercise the solar kernels: clear-sky irradiance (Ineichen)
// under a seeded, persistent cloud process with clear / partly cloudy / overcast day regimes, an air
// temperature with seasonal and diurnal cycles, the physical model (Erbs, Hay-Davies, SAPM, PVWatts)
// with inverter clipping at the AC rating, measurement noise, a few inverter outages, sensor gaps, and
// several NWP sources whose GHI and temperature are biased, lagged and noisy. Reproducible: the same
// options give the same values (std::mt19937_64 with distributions written out, as synth_wind).
#include <cstdint>
#include <string>
#include <vector>

#include "kernels/synth_plant.h"

namespace seed::kernels {

struct SolarSynthOptions {
  int64_t start = 1704038400;    // Unix seconds of the first 15-min point (2024-01-01T00:00+08:00)
  int days = 365;
  int utc_offset_minutes = 480;  // written into the CSVs; local time for the temperature cycle
  double capacity_mw = 50;       // AC (inverter) rating: the plant's grid capacity
  double dc_ac_ratio = 1.2;      // module nameplate / AC rating, so bright hours clip
  double latitude = 38.5;        // Ningxia PV area
  double longitude = 106.2;
  double altitude = 1100;        // m above sea level
  double tilt = 35;              // degrees
  double azimuth = 180;          // degrees east of north (180 = south)
  uint64_t seed = 42;
  std::vector<std::string> nwp_sources = {"ec", "gfs"};
  bool defects = true;           // sensor gaps and outages, for QC to find
};

// Throws std::invalid_argument for options out of range (days < 1, capacity <= 0, latitude beyond
// +-66, tilt outside 0..90, a source name that is not a short lowercase identifier).
SynthPlant SynthesizeSolarPlant(const SolarSynthOptions& options);

}  // namespace seed::kernels
