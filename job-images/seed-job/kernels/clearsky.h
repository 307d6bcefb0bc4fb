#pragma once
// Clear-sky irradiance models, in the forms pvlib implements (pvlib.clearsky.haurwitz / ineichen).

namespace seed::kernels {

// Haurwitz (1945): GHI = 1098 cos z exp(-0.059 / cos z) W/m2; 0 when the sun is at or below the horizon.
double ClearSkyHaurwitz(double apparent_zenith_deg);

struct ClearSky {
  double ghi = 0, dni = 0, dhi = 0;
};

// Ineichen & Perez (2002) with the Perez et al. (2002) DNI limit. airmass_absolute is the
// pressure-corrected air mass; dni_extra the extraterrestrial normal irradiance (I0).
ClearSky ClearSkyIneichen(double apparent_zenith_deg, double airmass_absolute, double linke_turbidity,
                          double altitude_m = 0, double dni_extra = 1364.0, bool perez_enhancement = false);

// Kasten & Young (1989) relative air mass; NaN when the zenith is beyond 90 degrees.
double AirmassRelativeKastenYoung(double zenith_deg);
// Relative air mass scaled by station pressure (p / 1013.25 hPa).
double AirmassAbsolute(double airmass_relative, double pressure_hpa = 1013.25);
// Standard-atmosphere pressure at an altitude (hPa), as pvlib.atmosphere.alt2pres.
double PressureFromAltitude(double altitude_m);

}  // namespace seed::kernels
