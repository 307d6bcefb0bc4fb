#include "kernels/irradiance.h"

#include <algorithm>
#include <cmath>
#include <numbers>

#include "kernels/numeric.h"

namespace seed::kernels {
namespace {
}

Decomposition DecomposeErbs(double ghi, double zenith_deg, double dni_extra) {
  Decomposition out;
  if (!(ghi > 0)) return out;
  const double cos_z = std::cos(zenith_deg * kRad);
  const double kt = std::clamp(ghi / (dni_extra * std::max(cos_z, 0.065)), 0.0, 1.0);
  double kd;
  if (kt <= 0.22) {
    kd = 1.0 - 0.09 * kt;
  } else if (kt <= 0.8) {
    kd = 0.9511 - 0.1604 * kt + 4.388 * kt * kt - 16.638 * kt * kt * kt + 12.336 * kt * kt * kt * kt;
  } else {
    kd = 0.165;
  }
  out.kt = kt;
  out.dhi = kd * ghi;
  out.dni = (zenith_deg > 87.0 || cos_z <= 0) ? 0.0 : std::max((ghi - out.dhi) / cos_z, 0.0);
  return out;
}

double CosAngleOfIncidence(double surface_tilt, double surface_azimuth, double solar_zenith, double solar_azimuth) {
  const double t = surface_tilt * kRad, z = solar_zenith * kRad;
  return std::clamp(std::cos(t) * std::cos(z) + std::sin(t) * std::sin(z) * std::cos((solar_azimuth - surface_azimuth) * kRad),
                    -1.0, 1.0);
}

PlaneOfArray PlaneOfArrayIrradiance(SkyModel model, double surface_tilt, double surface_azimuth, double solar_zenith,
                                    double solar_azimuth, double dni, double ghi, double dhi, double dni_extra,
                                    double albedo) {
  PlaneOfArray poa;
  const double cos_aoi = CosAngleOfIncidence(surface_tilt, surface_azimuth, solar_zenith, solar_azimuth);
  const double cos_tilt = std::cos(surface_tilt * kRad);
  poa.beam = std::max(dni * cos_aoi, 0.0);
  const double isotropic = dhi * (1.0 + cos_tilt) / 2.0;
  if (model == SkyModel::kHayDavies && dni_extra > 0) {
    // Circumsolar share by the anisotropy index A = DNI / I0, projected like the beam (Rb).
    const double anisotropy = std::clamp(dni / dni_extra, 0.0, 1.0);
    const double cos_z = std::max(std::cos(solar_zenith * kRad), 0.01745);
    const double rb = std::max(cos_aoi, 0.0) / cos_z;
    poa.sky_diffuse = std::max(dhi * (anisotropy * rb + (1.0 - anisotropy) * (1.0 + cos_tilt) / 2.0), 0.0);
  } else {
    poa.sky_diffuse = std::max(isotropic, 0.0);
  }
  poa.ground_diffuse = std::max(ghi * albedo * (1.0 - cos_tilt) / 2.0, 0.0);
  poa.global = poa.beam + poa.sky_diffuse + poa.ground_diffuse;
  return poa;
}

double IamAshrae(double aoi_deg, double b0) {
  if (!(std::abs(aoi_deg) < 90.0)) return 0.0;
  return std::clamp(1.0 - b0 * (1.0 / std::cos(aoi_deg * kRad) - 1.0), 0.0, 1.0);
}

}  // namespace seed::kernels
