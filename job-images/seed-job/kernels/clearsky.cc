#include "kernels/clearsky.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numbers>

#include "kernels/numeric.h"

namespace seed::kernels {
namespace {
}

double ClearSkyHaurwitz(double apparent_zenith_deg) {
  if (!(apparent_zenith_deg < 90.0)) return 0.0;
  const double cos_z = std::cos(apparent_zenith_deg * kRad);
  if (cos_z <= 0) return 0.0;
  return 1098.0 * cos_z * std::exp(-0.059 / cos_z);
}

ClearSky ClearSkyIneichen(double apparent_zenith_deg, double airmass_absolute, double linke_turbidity,
                          double altitude_m, double dni_extra, bool perez_enhancement) {
  ClearSky out;
  const double cos_z = std::max(std::cos(apparent_zenith_deg * kRad), 0.0);
  if (!(apparent_zenith_deg < 90.0) || cos_z <= 0 || !std::isfinite(airmass_absolute)) return out;
  const double tl = linke_turbidity;
  const double fh1 = std::exp(-altitude_m / 8000.0);
  const double fh2 = std::exp(-altitude_m / 1250.0);
  const double cg1 = 5.09e-5 * altitude_m + 0.868;
  const double cg2 = 3.92e-5 * altitude_m + 0.0387;
  double ghi = std::exp(-cg2 * airmass_absolute * (fh1 + fh2 * (tl - 1.0)));
  if (perez_enhancement) ghi *= std::exp(0.01 * std::pow(airmass_absolute, 1.8));
  ghi = std::max(cg1 * dni_extra * cos_z * ghi, 0.0);
  const double b = 0.664 + 0.163 / fh1;
  const double bnci = std::max(b * std::exp(-0.09 * airmass_absolute * (tl - 1.0)) * dni_extra, 0.0);
  // The Perez limit keeps DNI consistent with GHI at high turbidity.
  const double bnci_2 = std::max(
      ghi * (1.0 - (0.1 - 0.2 * std::exp(-tl)) / (0.1 + 0.882 / fh1)) / cos_z, 0.0);
  out.ghi = ghi;
  out.dni = std::min(bnci, bnci_2);
  out.dhi = ghi - out.dni * cos_z;
  return out;
}

double AirmassRelativeKastenYoung(double zenith_deg) {
  if (!(zenith_deg <= 90.0)) return std::numeric_limits<double>::quiet_NaN();
  return 1.0 / (std::cos(zenith_deg * kRad) + 0.50572 * std::pow(6.07995 + (90.0 - zenith_deg), -1.6364));
}

double AirmassAbsolute(double airmass_relative, double pressure_hpa) { return airmass_relative * pressure_hpa / 1013.25; }

double PressureFromAltitude(double altitude_m) {
  // Same inversion of the standard atmosphere as pvlib.atmosphere.alt2pres.
  return std::pow((44331.514 - altitude_m) / 11880.516, 1.0 / 0.1902632);
}

}  // namespace seed::kernels
