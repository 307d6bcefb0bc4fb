#pragma once
// Solar position by the NREL Solar Position Algorithm (Reda & Andreas 2004, Solar Energy 76(5):
// 577-589; NREL/TP-560-34302), uncertainty +-0.0003 deg for years -2000..6000.
#include <cstdint>

namespace seed::kernels {

struct SpaInput {
  int64_t unix_seconds = 0;  // UT (UTC) instant
  double latitude = 0;       // degrees, north positive
  double longitude = 0;      // degrees, east positive
  double elevation_m = 0;
  double pressure_hpa = 1013.25;  // annual mean local pressure, for refraction
  double temperature_c = 12;      // annual mean local temperature, for refraction
  double delta_t = 69.0;          // TT - UT in seconds (about 69 s in 2019-2024)
  double delta_ut1 = 0;           // UT1 - UTC in seconds (|x| < 0.9)
  double surface_slope = 0;       // tilt of a surface, degrees from horizontal
  double surface_azimuth_rotation = 0;  // surface azimuth, degrees from south, westward positive (SPA convention)
  double atmos_refraction = 0.5667;     // refraction at sunrise/sunset, degrees
};

struct SolarPosition {
  double zenith = 0;              // topocentric zenith without refraction, degrees (90 - e0)
  double apparent_zenith = 0;     // with refraction, degrees (90 - e); NREL's "zenith" output
  double azimuth = 0;             // degrees east of north (navigators' convention), 0..360
  double elevation = 0;           // 90 - zenith
  double apparent_elevation = 0;  // 90 - apparent_zenith
  double incidence = 0;           // angle between the sun and the normal of the given surface, degrees
};

// The intermediate quantities of the algorithm, named as in the paper (all angles in degrees).
struct SpaDetail {
  double jd, jde, jc, jce, jme;
  double l, b, r;                       // heliocentric longitude, latitude, radius vector (AU)
  double theta, beta;                   // geocentric longitude and latitude
  double x0, x1, x2, x3, x4;            // nutation arguments
  double delta_psi, delta_epsilon;      // nutation in longitude and obliquity
  double epsilon0, epsilon;             // mean obliquity (arc seconds) and true obliquity
  double delta_tau, lambda;             // aberration correction, apparent sun longitude
  double nu0, nu;                       // mean and apparent sidereal time at Greenwich
  double alpha, delta;                  // geocentric right ascension and declination
  double h;                             // observer local hour angle
  double xi, delta_alpha, alpha_prime, delta_prime, h_prime;  // parallax corrections, topocentric values
  double e0, delta_e, e;                // elevation without refraction, refraction correction, with it
  double gamma;                         // astronomers' azimuth (from south, westward)
  SolarPosition position;
};

SpaDetail SolarPositionSpaDetail(const SpaInput& input);
SolarPosition SolarPositionSpa(const SpaInput& input);

// Earth-sun distance correction times the solar constant: extraterrestrial normal irradiance (W/m2)
// for a day of year (Spencer 1971, solar constant 1366.1 W/m2 as pvlib's default).
double ExtraterrestrialDni(int day_of_year, double solar_constant = 1366.1);
// Day of the year (1..366) of a UTC instant.
int DayOfYearUtc(int64_t unix_seconds);

}  // namespace seed::kernels
