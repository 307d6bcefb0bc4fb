#pragma once
// Irradiance decomposition (GHI -> DNI + DHI) and transposition to a tilted plane (plane of array).
// Angles in degrees; azimuths east of north (180 = facing south).

namespace seed::kernels {

struct Decomposition {
  double dni = 0, dhi = 0, kt = 0;  // kt: clearness index
};

// Erbs, Klein & Duffie (1982), with pvlib.irradiance.erbs's guards: cos z floored at 0.065,
// kt capped at 1, and DNI set to 0 beyond an 87 degree zenith.
Decomposition DecomposeErbs(double ghi, double zenith_deg, double dni_extra);

// Cosine of the angle of incidence of the sun on a surface.
double CosAngleOfIncidence(double surface_tilt, double surface_azimuth, double solar_zenith, double solar_azimuth);

enum class SkyModel { kIsotropic, kHayDavies };

struct PlaneOfArray {
  double global = 0, beam = 0, sky_diffuse = 0, ground_diffuse = 0;
};

// Total irradiance on the plane: beam DNI cos(aoi) (>= 0), sky diffuse by the chosen model, and
// ground-reflected GHI * albedo * (1 - cos tilt) / 2. Hay-Davies needs dni_extra.
PlaneOfArray PlaneOfArrayIrradiance(SkyModel model, double surface_tilt, double surface_azimuth, double solar_zenith,
                                    double solar_azimuth, double dni, double ghi, double dhi, double dni_extra,
                                    double albedo = 0.25);

// ASHRAE incidence angle modifier 1 - b0 (1/cos aoi - 1), in [0, 1]; 0 at or beyond 90 degrees.
double IamAshrae(double aoi_deg, double b0 = 0.05);

}  // namespace seed::kernels
