#pragma once
// The physical PV forecast model (`train --model pvwatts` and the `pvwatts` feature): a plant's AC
// output as a fraction of its AC rating, from forecast GHI, air temperature and wind at a site, by
// the chain of kernels/solar_model.h:
//
//   sun position (NREL SPA, Reda & Andreas 2004) -> Erbs decomposition of GHI into DNI and DHI
//   (Erbs, Klein & Duffie 1982) -> Hay-Davies transposition to the plane of array (Hay & Davies
//   1980) with ASHRAE incidence loss on the beam -> SAPM cell temperature (King et al. 2004) ->
//   PVWatts v5 DC, P_dc = G_eff/1000 * P_dc0 * (1 + gamma (T_cell - 25)), times (1 - 14 % losses)
//   -> PVWatts v5 inverter with clipping at the AC rating (Dobos 2014, NREL/TP-6A20-62641).
//
// With P_ac0 = 1 and P_dc0 = the DC/AC ratio, the output is the fraction of AC capacity.
// Training fits only what a physical model should: one overall scale (least squares through the
// origin, absorbing the plant's real losses, availability and irradiance-sensor bias) and the
// residual quantiles of the scaled output, on daylight rows. At night (the model gives exactly 0)
// every quantile is 0.
#include <cstdint>
#include <nlohmann/json.hpp>
#include <vector>

#include "kernels/residual_quantiles.h"

namespace seed::kernels {

struct PvSite {
  double latitude = 0, longitude = 0, altitude_m = 0;
  double tilt = 30;        // degrees from horizontal
  double azimuth = 180;    // degrees east of north the modules face
  double dc_ac_ratio = 1;  // module STC rating over inverter AC rating
};

// AC output over the AC rating, in [0, 1], at `unix_seconds` (the instant the sun is computed for).
// ghi in W/m2 (NaN -> NaN: no forecast, no number); air_temp_c NaN -> 20 degC; wind_speed NaN -> 1 m/s.
double PvAcFraction(const PvSite& site, int64_t unix_seconds, double ghi, double air_temp_c,
                    double wind_speed);

// The fitted part of the model: point forecast = scale * fraction * capacity.
struct PvPhysicalModel {
  double scale = 1;
  ResidualQuantiles residuals;  // fitted on daylight rows (fraction > 0) only

  // One value per quantile (unsorted, unclipped: the Predictor finishes them). fraction NaN -> NaN;
  // fraction 0 (night) -> 0 for every quantile.
  std::vector<double> Apply(double fraction) const;
  nlohmann::json ToJson() const;
  static PvPhysicalModel FromJson(const nlohmann::json& json);  // throws std::invalid_argument
};

// Fits the scale and the residual quantiles from the model's fractions and the measured power (MW)
// of the same rows; rows with a NaN in either are skipped. Throws std::invalid_argument when no
// row has daylight (no scale can be fitted).
PvPhysicalModel FitPvPhysical(const std::vector<double>& fraction, const std::vector<double>& power_mw,
                              const std::vector<double>& taus, double capacity_mw);

}  // namespace seed::kernels
