#include "kernels/met_derived.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numbers>

#include "kernels/numeric.h"

namespace seed::kernels {
namespace {
constexpr double kRd = 287.058;  // J/(kg K), dry air
constexpr double kRv = 461.495;  // J/(kg K), water vapour
}  // namespace

double WindSpeed(double u, double v) { return std::hypot(u, v); }

double WindDirSin(double u, double v) {
  const double s = std::hypot(u, v);
  return s < 1e-6 ? (std::isnan(s) ? kNaN : 0.0) : -u / s;
}

double WindDirCos(double u, double v) {
  const double s = std::hypot(u, v);
  return s < 1e-6 ? (std::isnan(s) ? kNaN : 0.0) : -v / s;
}

double ShearExponent(double ws_low, double ws_high, double h_low, double h_high) {
  if (!(ws_low >= 0.5 && ws_high >= 0.5 && h_low > 0 && h_high > 0 && h_low != h_high)) return kNaN;
  return std::log(ws_high / ws_low) / std::log(h_high / h_low);
}

double ToKelvin(double t) { return t > 150 ? t : t + 273.15; }
double ToPascal(double p) { return p > 2000 ? p : p * 100; }

double SaturationVapourPressure(double t_kelvin) {
  const double c = t_kelvin - 273.15;
  return 610.94 * std::exp(17.625 * c / (c + 243.04));
}

double MoistAirDensity(double t, double p, double vapour_pressure_pa) {
  const double tk = ToKelvin(t), pa = ToPascal(p);
  return (pa - vapour_pressure_pa) / (kRd * tk) + vapour_pressure_pa / (kRv * tk);
}

double MoistAirDensityRh(double t, double p, double rh_percent) {
  const double rh = std::min(std::max(rh_percent, 0.0), 100.0);
  return MoistAirDensity(t, p, rh / 100 * SaturationVapourPressure(ToKelvin(t)));
}

double MoistAirDensityDewPoint(double t, double p, double dew_point) {
  return MoistAirDensity(t, p, SaturationVapourPressure(ToKelvin(dew_point)));
}

double AccumulationRate(double a_now, double a_before, double seconds) {
  return seconds > 0 ? (a_now - a_before) / seconds : kNaN;
}

double ExtraterrestrialHorizontal(double day_of_year, double cos_zenith) {
  if (!(cos_zenith > 0)) return std::isnan(cos_zenith) ? kNaN : 0.0;
  return 1361.0 * (1 + 0.033 * std::cos(2 * std::numbers::pi * day_of_year / 365.0)) * cos_zenith;
}

}  // namespace seed::kernels
