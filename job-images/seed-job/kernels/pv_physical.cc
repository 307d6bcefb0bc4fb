#include "kernels/pv_physical.h"

#include <cmath>
#include <limits>
#include <stdexcept>

#include "kernels/solar_model.h"

namespace seed::kernels {

double PvAcFraction(const PvSite& site, int64_t unix_seconds, double ghi, double air_temp_c,
                    double wind_speed) {
  if (std::isnan(ghi)) return std::numeric_limits<double>::quiet_NaN();
  PvSystem system;
  system.latitude = site.latitude;
  system.longitude = site.longitude;
  system.altitude_m = site.altitude_m;
  system.tilt = site.tilt;
  system.azimuth = site.azimuth;
  system.dc_capacity = site.dc_ac_ratio;
  system.ac_capacity = 1.0;
  SolarWeather weather;
  weather.unix_seconds = unix_seconds;
  weather.ghi = ghi;
  weather.air_temp_c = air_temp_c;
  weather.wind_speed = wind_speed;
  return RunSolarModel(system, weather).pac;
}

std::vector<double> PvPhysicalModel::Apply(double fraction) const {
  if (std::isnan(fraction))
    return std::vector<double>(residuals.taus.size(), std::numeric_limits<double>::quiet_NaN());
  if (!(fraction > 0)) return std::vector<double>(residuals.taus.size(), 0.0);
  return residuals.Apply(scale * fraction * residuals.capacity);
}

nlohmann::json PvPhysicalModel::ToJson() const {
  return {{"scale", scale}, {"residuals", residuals.ToJson()}};
}

PvPhysicalModel PvPhysicalModel::FromJson(const nlohmann::json& json) {
  PvPhysicalModel m;
  try {
    m.scale = json.at("scale").get<double>();
    m.residuals = ResidualQuantiles::FromJson(json.at("residuals"));
  } catch (const nlohmann::json::exception& e) {
    throw std::invalid_argument(std::string("pvwatts parameters: ") + e.what());
  }
  if (!std::isfinite(m.scale) || m.scale <= 0)
    throw std::invalid_argument("pvwatts scale must be a positive number");
  return m;
}

PvPhysicalModel FitPvPhysical(const std::vector<double>& fraction, const std::vector<double>& power_mw,
                              const std::vector<double>& taus, double capacity_mw) {
  if (fraction.size() != power_mw.size())
    throw std::invalid_argument("FitPvPhysical: fraction and power differ in length");
  // Least squares through the origin on daylight rows: scale = sum(y f) / (C sum(f^2)).
  double yf = 0, ff = 0;
  std::vector<double> day_fraction, day_power;
  for (size_t r = 0; r < fraction.size(); ++r) {
    if (std::isnan(fraction[r]) || std::isnan(power_mw[r]) || !(fraction[r] > 0)) continue;
    yf += power_mw[r] * fraction[r];
    ff += fraction[r] * fraction[r];
    day_fraction.push_back(fraction[r]);
    day_power.push_back(power_mw[r]);
  }
  if (day_fraction.empty() || !(ff > 0)) {
    throw std::invalid_argument(
        "no training row has daylight at the site (the physical model is 0 at every row); "
        "check --latitude/--longitude and the GHI column");
  }
  PvPhysicalModel m;
  m.scale = yf / (capacity_mw * ff);
  if (!(m.scale > 0)) {
    throw std::invalid_argument(
        "measured power does not rise with the physical model's output (fitted scale " +
        std::to_string(m.scale) + "); check the site position, time zone and power column");
  }
  std::vector<double> point(day_fraction.size());
  for (size_t r = 0; r < point.size(); ++r) point[r] = m.scale * day_fraction[r] * capacity_mw;
  m.residuals = FitResidualQuantiles(point, day_power, taus, capacity_mw);
  return m;
}

}  // namespace seed::kernels
