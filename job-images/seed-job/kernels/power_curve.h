#pragma once
// Wind turbine / wind plant power curves by the IEC 61400-12-1 method of bins, with the air-density
// normalisation of pitch-regulated turbines, and the air density itself (IEC 61400-12-1:2017).
#include <cmath>
#include <limits>
#include <nlohmann/json.hpp>
#include <vector>

namespace seed::kernels {

constexpr double kReferenceAirDensity = 1.225;  // kg/m³, IEC 61400-12-1 sea-level standard

struct PowerCurveBin {
  double centre = 0;          // bin centre, a multiple of the bin width (m/s, density-normalised)
  double wind_speed = 0;      // mean normalised wind speed of the records in the bin
  double power = 0;           // mean power of the records in the bin (as measured)
  double monotone_power = 0;  // `power` after the monotone repair; what Predict uses
  int count = 0;
};

struct PowerCurve {
  std::vector<PowerCurveBin> bins;  // increasing centre; bins with fewer than min_per_bin records dropped
  double bin_width = 0.5;
  bool density_normalised = false;  // fitted with an air-density column
  double reference_density = kReferenceAirDensity;

  // Power at `wind_speed` (m/s) and `air_density` (kg/m³; the speed is normalised as
  // V·(ρ/ρ0)^(1/3) first). Linear interpolation between bin means of the monotone curve; 0 below
  // the first bin's mean speed (below cut-in) and above the last bin's upper edge (past cut-out);
  // the last bin's power between its mean speed and its upper edge. NaN in, NaN out.
  double Predict(double wind_speed, double air_density = kReferenceAirDensity) const;

  // Upper edge of the last bin: above it the curve says 0 (cut-out or never observed).
  double CutOut() const;
  double RatedPower() const;  // the largest monotone bin power

  nlohmann::json ToJson() const;
  // Validates the shape (increasing centres, finite values, counts ≥ 1); throws
  // std::invalid_argument with a message naming the bad field.
  static PowerCurve FromJson(const nlohmann::json& json);
};

// Fits a curve from paired records. `air_density` empty: no density normalisation; otherwise it
// must have the same length, and V_n = V·(ρ/ρ0)^(1/3). Records with a missing (NaN) value in any
// used column are skipped. Bins are centred on multiples of `bin_width`; a bin needs
// `min_per_bin` records. Monotone repair: the bin powers are replaced by their count-weighted
// isotonic (non-decreasing) regression (pool adjacent violators), because a measured curve that
// dips between bins is sampling noise, and a model that predicts less power for more wind would
// make forecasts non-monotone. Throws std::invalid_argument on mismatched lengths or bad options.
PowerCurve FitPowerCurveIec(const std::vector<double>& wind_speed, const std::vector<double>& power,
                            const std::vector<double>& air_density, double bin_width = 0.5,
                            int min_per_bin = 3);

// Air density (kg/m³) from temperature (°C) and station pressure (hPa): ρ = B/(R0·T), R0 = 287.05.
// With relative humidity (percent, 0-100) the 2017 edition's term is used:
// ρ = (1/T)·(B/R0 − φ·Pw·(1/R0 − 1/Rw)), Rw = 461.5, Pw = 2.05e-5·exp(0.0631846·T) Pa, T in K.
double AirDensity(double temperature_c, double pressure_hpa,
                  double relative_humidity_percent = std::numeric_limits<double>::quiet_NaN());

// Annual energy production (same energy unit as power × hours) for a Rayleigh wind climate with
// mean speed `mean_wind_speed`: AEP = Nh Σ_i [F(V_i) − F(V_{i−1})]·(P_{i−1} + P_i)/2 over the bins
// (V_0 = V_1 − bin width, P_0 = 0), F(V) = 1 − exp(−(π/4)(V/V_ave)²), Nh = hours (8760).
double AnnualEnergyRayleigh(const PowerCurve& curve, double mean_wind_speed, double hours = 8760);

}  // namespace seed::kernels
