#include "kernels/solar_model.h"

#include <algorithm>
#include <cmath>
#include <numbers>

#include "kernels/clearsky.h"
#include "kernels/pvwatts.h"

namespace seed::kernels {

SolarModelOutput RunSolarModel(const PvSystem& system, const SolarWeather& w) {
  SolarModelOutput out;
  SpaInput spa;
  spa.unix_seconds = w.unix_seconds;
  spa.latitude = system.latitude;
  spa.longitude = system.longitude;
  spa.elevation_m = system.altitude_m;
  if (std::isfinite(w.pressure_hpa)) spa.pressure_hpa = w.pressure_hpa;
  if (std::isfinite(w.air_temp_c)) spa.temperature_c = w.air_temp_c;
  out.sun = SolarPositionSpa(spa);
  const double zenith = out.sun.apparent_zenith;
  const double dni_extra = ExtraterrestrialDni(DayOfYearUtc(w.unix_seconds));

  if (std::isfinite(w.ghi)) {
    out.ghi = std::max(w.ghi, 0.0);
    if (std::isfinite(w.dni) && std::isfinite(w.dhi)) {
      out.dni = std::max(w.dni, 0.0);
      out.dhi = std::max(w.dhi, 0.0);
    } else {
      const Decomposition d = DecomposeErbs(out.ghi, zenith, dni_extra);
      out.dni = d.dni;
      out.dhi = d.dhi;
    }
  } else {
    const double pressure = std::isfinite(w.pressure_hpa) ? w.pressure_hpa : PressureFromAltitude(system.altitude_m);
    const double am = AirmassAbsolute(AirmassRelativeKastenYoung(zenith), pressure);
    const ClearSky cs = ClearSkyIneichen(zenith, am, system.linke_turbidity, system.altitude_m, dni_extra);
    out.ghi = cs.ghi;
    out.dni = cs.dni;
    out.dhi = cs.dhi;
  }

  const double aoi = std::acos(CosAngleOfIncidence(system.tilt, system.azimuth, zenith, out.sun.azimuth)) * 180.0 / std::numbers::pi;
  if (std::isfinite(w.poa)) {
    out.poa_global = std::max(w.poa, 0.0);
    out.poa_effective = out.poa_global;  // a plane-of-array sensor already sees the glass losses
  } else if (zenith < 90.0 && out.ghi > 0) {
    const PlaneOfArray poa = PlaneOfArrayIrradiance(system.sky, system.tilt, system.azimuth, zenith, out.sun.azimuth,
                                                    out.dni, out.ghi, out.dhi, dni_extra, system.albedo);
    out.poa_global = poa.global;
    out.poa_effective = poa.beam * IamAshrae(aoi, system.iam_b0) + poa.sky_diffuse + poa.ground_diffuse;
  }

  const double air = std::isfinite(w.air_temp_c) ? w.air_temp_c : 20.0;
  const double wind = std::isfinite(w.wind_speed) ? w.wind_speed : 1.0;
  out.cell_temp_c = CellTemperatureSapm(out.poa_global, air, wind);
  out.pdc = std::max(PvwattsDc(out.poa_effective, out.cell_temp_c, system.dc_capacity, system.gamma_pdc), 0.0) *
            (1.0 - system.losses);
  out.pac = PvwattsAc(out.pdc, system.ac_capacity / system.eta_inv_nom, system.eta_inv_nom);
  return out;
}

}  // namespace seed::kernels
