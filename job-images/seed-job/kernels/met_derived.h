#pragma once
// Derived meteorological quantities forecasters feed to power models, one scalar function each.
// Missing input (NaN) gives NaN. References are in docs/kernels.md.
namespace seed::kernels {

// Wind speed from its eastward (u) and northward (v) components, m/s.
double WindSpeed(double u, double v);
// Sine and cosine of the meteorological direction (where the wind blows FROM, clockwise from
// north): direction = atan2(-u, -v). Calm (speed < 1e-6): 0.
double WindDirSin(double u, double v);
double WindDirCos(double u, double v);

// Power-law (Hellmann) shear exponent between two heights: ln(ws_high / ws_low) / ln(h_high / h_low).
// NaN when either speed is below 0.5 m/s (the ratio is noise there) or the heights are not
// positive and distinct.
double ShearExponent(double ws_low, double ws_high, double h_low, double h_high);

// Temperatures above 150 are kelvin (ECMWF), otherwise degrees Celsius; pressures above 2000 are
// pascal (ECMWF), otherwise hectopascal.
double ToKelvin(double t);
double ToPascal(double p);

// Saturation vapour pressure over water, Pa (Alduchov & Eskridge 1996 Magnus form:
// 610.94 exp(17.625 T / (T + 243.04)), T in degrees C).
double SaturationVapourPressure(double t_kelvin);

// Moist air density, kg/m3, from the ideal gas law for dry air and water vapour:
// rho = (p - e) / (R_d T) + e / (R_v T), R_d = 287.058, R_v = 461.495 J/(kg K); e = vapour
// pressure (0: dry air). Units as ToKelvin/ToPascal accept. (qc and the power curve use the
// IEC 61400-12-1 form, AirDensity in kernels/power_curve.h, on measured °C and hPa.)
double MoistAirDensity(double t, double p, double vapour_pressure_pa = 0);
// With relative humidity (percent) or the dew point (same units as t).
double MoistAirDensityRh(double t, double p, double rh_percent);
double MoistAirDensityDewPoint(double t, double p, double dew_point);

// An accumulation (J/m2 since the run start) turned into the mean rate (W/m2) over the step
// before: (a_now - a_before) / seconds. NaN for a non-positive step.
double AccumulationRate(double a_now, double a_before, double seconds);

// Extraterrestrial irradiance on a horizontal plane, W/m2: 1361 (1 + 0.033 cos(2 pi doy / 365)) cos z,
// 0 when the sun is down (Duffie & Beckman eq. 1.4.1b with the 2011 solar constant).
double ExtraterrestrialHorizontal(double day_of_year, double cos_zenith);

}  // namespace seed::kernels
