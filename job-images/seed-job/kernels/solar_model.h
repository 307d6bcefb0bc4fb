#pragma once
// The physical PV model: sun position -> irradiance (measured or clear-sky) -> decomposition (Erbs)
// -> plane of array (isotropic or Hay-Davies) -> incidence loss -> cell temperature (SAPM) -> PVWatts
// DC -> losses -> PVWatts inverter with clipping at the AC rating.
#include <cstdint>
#include <limits>

#include "kernels/irradiance.h"
#include "kernels/solar_position.h"

namespace seed::kernels {

struct PvSystem {
  double latitude = 0, longitude = 0, altitude_m = 0;
  double tilt = 30;            // degrees from horizontal
  double azimuth = 180;        // degrees east of north the modules face (180 = south)
  double dc_capacity = 1.0;    // module nameplate at STC (MW or any power unit; output is in the same unit)
  double ac_capacity = 1.0;    // inverter AC rating (same unit)
  double gamma_pdc = -0.004;   // power temperature coefficient, 1/degC
  double losses = 0.14;        // DC system losses (soiling, wiring, mismatch...), PVWatts default 14 %
  double albedo = 0.2;
  SkyModel sky = SkyModel::kHayDavies;
  double eta_inv_nom = 0.96;
  double linke_turbidity = 3.0;  // for the clear-sky fallback when no GHI is given
  double iam_b0 = 0.05;          // ASHRAE incidence-angle loss on the beam
};

struct SolarWeather {
  static constexpr double kNone = std::numeric_limits<double>::quiet_NaN();
  int64_t unix_seconds = 0;   // the instant the sun is computed for
  double ghi = kNone;         // W/m2; missing -> Ineichen clear sky
  double dni = kNone;         // missing with dhi -> Erbs decomposition of ghi
  double dhi = kNone;
  double poa = kNone;         // a measured plane-of-array irradiance replaces the transposition
  double air_temp_c = kNone;  // missing -> 20 degC
  double wind_speed = kNone;  // missing -> 1 m/s
  double pressure_hpa = kNone;
};

struct SolarModelOutput {
  SolarPosition sun;
  double ghi = 0, dni = 0, dhi = 0;
  double poa_global = 0, poa_effective = 0;
  double cell_temp_c = 0;
  double pdc = 0;  // after losses
  double pac = 0;  // plant output
};

SolarModelOutput RunSolarModel(const PvSystem& system, const SolarWeather& weather);

}  // namespace seed::kernels
