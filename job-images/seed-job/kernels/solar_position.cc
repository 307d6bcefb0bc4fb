#include "kernels/solar_position.h"

#include <algorithm>
#include <chrono>
#include <initializer_list>
#include <cmath>
#include <numbers>
#include <span>

#include "kernels/numeric.h"

namespace seed::kernels {
namespace {

// Periodic terms of the Earth's heliocentric coordinates (Reda & Andreas 2004, Table A4.2):
// each row is {A, B, C} of A*cos(B + C*JME).
struct Term {
  double a, b, c;
};

constexpr Term kL0[] = {
    {175347046.0, 0, 0}, {3341656.0, 4.6692568, 6283.07585}, {34894.0, 4.6261, 12566.1517},
    {3497.0, 2.7441, 5753.3849}, {3418.0, 2.8289, 3.5231}, {3136.0, 3.6277, 77713.7715},
    {2676.0, 4.4181, 7860.4194}, {2343.0, 6.1352, 3930.2097}, {1324.0, 0.7425, 11506.7698},
    {1273.0, 2.0371, 529.691}, {1199.0, 1.1096, 1577.3435}, {990.0, 5.233, 5884.927},
    {902.0, 2.045, 26.298}, {857.0, 3.508, 398.149}, {780.0, 1.179, 5223.694},
    {753.0, 2.533, 5507.553}, {505.0, 4.583, 18849.228}, {492.0, 4.205, 775.523},
    {357.0, 2.92, 0.067}, {317.0, 5.849, 11790.629}, {284.0, 1.899, 796.298},
    {271.0, 0.315, 10977.079}, {243.0, 0.345, 5486.778}, {206.0, 4.806, 2544.314},
    {205.0, 1.869, 5573.143}, {202.0, 2.458, 6069.777}, {156.0, 0.833, 213.299},
    {132.0, 3.411, 2942.463}, {126.0, 1.083, 20.775}, {115.0, 0.645, 0.98},
    {103.0, 0.636, 4694.003}, {102.0, 0.976, 15720.839}, {102.0, 4.267, 7.114},
    {99.0, 6.21, 2146.17}, {98.0, 0.68, 155.42}, {86.0, 5.98, 161000.69},
    {85.0, 1.3, 6275.96}, {85.0, 3.67, 71430.7}, {80.0, 1.81, 17260.15},
    {79.0, 3.04, 12036.46}, {75.0, 1.76, 5088.63}, {74.0, 3.5, 3154.69},
    {74.0, 4.68, 801.82}, {70.0, 0.83, 9437.76}, {62.0, 3.98, 8827.39},
    {61.0, 1.82, 7084.9}, {57.0, 2.78, 6286.6}, {56.0, 4.39, 14143.5},
    {56.0, 3.47, 6279.55}, {52.0, 0.19, 12139.55}, {52.0, 1.33, 1748.02},
    {51.0, 0.28, 5856.48}, {49.0, 0.49, 1194.45}, {41.0, 5.37, 8429.24},
    {41.0, 2.4, 19651.05}, {39.0, 6.17, 10447.39}, {37.0, 6.04, 10213.29},
    {37.0, 2.57, 1059.38}, {36.0, 1.71, 2352.87}, {36.0, 1.78, 6812.77},
    {33.0, 0.59, 17789.85}, {30.0, 0.44, 83996.85}, {30.0, 2.74, 1349.87},
    {25.0, 3.16, 4690.48}};
constexpr Term kL1[] = {
    {628331966747.0, 0, 0}, {206059.0, 2.678235, 6283.07585}, {4303.0, 2.6351, 12566.1517},
    {425.0, 1.59, 3.523}, {119.0, 5.796, 26.298}, {109.0, 2.966, 1577.344},
    {93.0, 2.59, 18849.23}, {72.0, 1.14, 529.69}, {68.0, 1.87, 398.15},
    {67.0, 4.41, 5507.55}, {59.0, 2.89, 5223.69}, {56.0, 2.17, 155.42},
    {45.0, 0.4, 796.3}, {36.0, 0.47, 775.52}, {29.0, 2.65, 7.11},
    {21.0, 5.34, 0.98}, {19.0, 1.85, 5486.78}, {19.0, 4.97, 213.3},
    {17.0, 2.99, 6275.96}, {16.0, 0.03, 2544.31}, {16.0, 1.43, 2146.17},
    {15.0, 1.21, 10977.08}, {12.0, 2.83, 1748.02}, {12.0, 3.26, 5088.63},
    {12.0, 5.27, 1194.45}, {12.0, 2.08, 4694.0}, {11.0, 0.77, 553.57},
    {10.0, 1.3, 6286.6}, {10.0, 4.24, 1349.87}, {9.0, 2.7, 242.73},
    {9.0, 5.64, 951.72}, {8.0, 5.3, 2352.87}, {6.0, 2.65, 9437.76},
    {6.0, 4.67, 4690.48}};
constexpr Term kL2[] = {
    {52919.0, 0, 0}, {8720.0, 1.0721, 6283.0758}, {309.0, 0.867, 12566.152},
    {27.0, 0.05, 3.52}, {16.0, 5.19, 26.3}, {16.0, 3.68, 155.42},
    {10.0, 0.76, 18849.23}, {9.0, 2.06, 77713.77}, {7.0, 0.83, 775.52},
    {5.0, 4.66, 1577.34}, {4.0, 1.03, 7.11}, {4.0, 3.44, 5573.14},
    {3.0, 5.14, 796.3}, {3.0, 6.05, 5507.55}, {3.0, 1.19, 242.73},
    {3.0, 6.12, 529.69}, {3.0, 0.31, 398.15}, {3.0, 2.28, 553.57},
    {2.0, 4.38, 5223.69}, {2.0, 3.75, 0.98}};
constexpr Term kL3[] = {{289.0, 5.844, 6283.076}, {35.0, 0, 0}, {17.0, 5.49, 12566.15}, {3.0, 5.2, 155.42},
                        {1.0, 4.72, 3.52}, {1.0, 5.3, 18849.23}, {1.0, 5.97, 242.73}};
constexpr Term kL4[] = {{114.0, 3.142, 0}, {8.0, 4.13, 6283.08}, {1.0, 3.84, 12566.15}};
constexpr Term kL5[] = {{1.0, 3.14, 0}};
constexpr Term kB0[] = {{280.0, 3.199, 84334.662}, {102.0, 5.422, 5507.553}, {80.0, 3.88, 5223.69},
                        {44.0, 3.7, 2352.87}, {32.0, 4.0, 1577.34}};
constexpr Term kB1[] = {{9.0, 3.9, 5507.55}, {6.0, 1.73, 5223.69}};
constexpr Term kR0[] = {
    {100013989.0, 0, 0}, {1670700.0, 3.0984635, 6283.07585}, {13956.0, 3.05525, 12566.1517},
    {3084.0, 5.1985, 77713.7715}, {1628.0, 1.1739, 5753.3849}, {1576.0, 2.8469, 7860.4194},
    {925.0, 5.453, 11506.77}, {542.0, 4.564, 3930.21}, {472.0, 3.661, 5884.927},
    {346.0, 0.964, 5507.553}, {329.0, 5.9, 5223.694}, {307.0, 0.299, 5573.143},
    {243.0, 4.273, 11790.629}, {212.0, 5.847, 1577.344}, {186.0, 5.022, 10977.079},
    {175.0, 3.012, 18849.228}, {110.0, 5.055, 5486.778}, {98.0, 0.89, 6069.78},
    {86.0, 5.69, 15720.84}, {86.0, 1.27, 161000.69}, {65.0, 0.27, 17260.15},
    {63.0, 0.92, 529.69}, {57.0, 2.01, 83996.85}, {56.0, 5.24, 71430.7},
    {49.0, 3.25, 2544.31}, {47.0, 2.58, 775.52}, {45.0, 5.54, 9437.76},
    {43.0, 6.01, 6275.96}, {39.0, 5.36, 4694.0}, {38.0, 2.39, 8827.39},
    {37.0, 0.83, 19651.05}, {37.0, 4.9, 12139.55}, {36.0, 1.67, 12036.46},
    {35.0, 1.84, 2942.46}, {33.0, 0.24, 7084.9}, {32.0, 0.18, 5088.63},
    {32.0, 1.78, 398.15}, {28.0, 1.21, 6286.6}, {28.0, 1.9, 6279.55},
    {26.0, 4.59, 10447.39}};
constexpr Term kR1[] = {{103019.0, 1.10749, 6283.07585}, {1721.0, 1.0644, 12566.1517}, {702.0, 3.142, 0},
                        {32.0, 1.02, 18849.23}, {31.0, 2.84, 5507.55}, {25.0, 1.32, 5223.69},
                        {18.0, 1.42, 1577.34}, {10.0, 5.91, 10977.08}, {9.0, 1.42, 6275.96},
                        {9.0, 0.27, 5486.78}};
constexpr Term kR2[] = {{4359.0, 5.7846, 6283.0758}, {124.0, 5.579, 12566.152}, {12.0, 3.14, 0},
                        {9.0, 3.63, 77713.77}, {6.0, 1.87, 5573.14}, {3.0, 5.47, 18849.23}};
constexpr Term kR3[] = {{145.0, 4.273, 6283.076}, {7.0, 3.92, 12566.15}};
constexpr Term kR4[] = {{4.0, 2.56, 6283.08}};

// Nutation terms (Table A4.3): multipliers of X0..X4, then the coefficients a, b, c, d of
// delta_psi = sum (a + b*JCE) sin(arg) and delta_epsilon = sum (c + d*JCE) cos(arg), in 0.0001".
struct NutationTerm {
  int y[5];
  double a, b, c, d;
};
constexpr NutationTerm kNutation[] = {
    {{0, 0, 0, 0, 1}, -171996, -174.2, 92025, 8.9}, {{-2, 0, 0, 2, 2}, -13187, -1.6, 5736, -3.1},
    {{0, 0, 0, 2, 2}, -2274, -0.2, 977, -0.5},      {{0, 0, 0, 0, 2}, 2062, 0.2, -895, 0.5},
    {{0, 1, 0, 0, 0}, 1426, -3.4, 54, -0.1},        {{0, 0, 1, 0, 0}, 712, 0.1, -7, 0},
    {{-2, 1, 0, 2, 2}, -517, 1.2, 224, -0.6},       {{0, 0, 0, 2, 1}, -386, -0.4, 200, 0},
    {{0, 0, 1, 2, 2}, -301, 0, 129, -0.1},          {{-2, -1, 0, 2, 2}, 217, -0.5, -95, 0.3},
    {{-2, 0, 1, 0, 0}, -158, 0, 0, 0},              {{-2, 0, 0, 2, 1}, 129, 0.1, -70, 0},
    {{0, 0, -1, 2, 2}, 123, 0, -53, 0},             {{2, 0, 0, 0, 0}, 63, 0, 0, 0},
    {{0, 0, 1, 0, 1}, 63, 0.1, -33, 0},             {{2, 0, -1, 2, 2}, -59, 0, 26, 0},
    {{0, 0, -1, 0, 1}, -58, -0.1, 32, 0},           {{0, 0, 1, 2, 1}, -51, 0, 27, 0},
    {{-2, 0, 2, 0, 0}, 48, 0, 0, 0},                {{0, 0, -2, 2, 1}, 46, 0, -24, 0},
    {{2, 0, 0, 2, 2}, -38, 0, 16, 0},               {{0, 0, 2, 2, 2}, -31, 0, 13, 0},
    {{0, 0, 2, 0, 0}, 29, 0, 0, 0},                 {{-2, 0, 1, 2, 2}, 29, 0, -12, 0},
    {{0, 0, 0, 2, 0}, 26, 0, 0, 0},                 {{-2, 0, 0, 2, 0}, -22, 0, 0, 0},
    {{0, 0, -1, 2, 1}, 21, 0, -10, 0},              {{0, 2, 0, 0, 0}, 17, -0.1, 0, 0},
    {{2, 0, -1, 0, 1}, 16, 0, -8, 0},               {{-2, 2, 0, 2, 2}, -16, 0.1, 7, 0},
    {{0, 1, 0, 0, 1}, -15, 0, 9, 0},                {{-2, 0, 1, 0, 1}, -13, 0, 7, 0},
    {{0, -1, 0, 0, 1}, -12, 0, 6, 0},               {{0, 0, 2, -2, 0}, 11, 0, 0, 0},
    {{2, 0, -1, 2, 1}, -10, 0, 5, 0},               {{2, 0, 1, 2, 2}, -8, 0, 3, 0},
    {{0, 1, 0, 2, 2}, 7, 0, -3, 0},                 {{-2, 1, 1, 0, 0}, -7, 0, 0, 0},
    {{0, -1, 0, 2, 2}, -7, 0, 3, 0},                {{2, 0, 0, 2, 1}, -7, 0, 3, 0},
    {{2, 0, 1, 0, 0}, 6, 0, 0, 0},                  {{-2, 0, 2, 2, 2}, 6, 0, -3, 0},
    {{-2, 0, 1, 2, 1}, 6, 0, -3, 0},                {{2, 0, -2, 0, 1}, -6, 0, 3, 0},
    {{2, 0, 0, 0, 1}, -6, 0, 3, 0},                 {{0, -1, 1, 0, 0}, 5, 0, 0, 0},
    {{-2, -1, 0, 2, 1}, -5, 0, 3, 0},               {{-2, 0, 0, 0, 1}, -5, 0, 3, 0},
    {{0, 0, 2, 2, 1}, -5, 0, 3, 0},                 {{-2, 0, 2, 0, 1}, 4, 0, 0, 0},
    {{-2, 1, 0, 2, 1}, 4, 0, 0, 0},                 {{0, 0, 1, -2, 0}, 4, 0, 0, 0},
    {{-1, 0, 1, 0, 0}, -4, 0, 0, 0},                {{-2, 1, 0, 0, 0}, -4, 0, 0, 0},
    {{1, 0, 0, 0, 0}, -4, 0, 0, 0},                 {{0, 0, 1, 2, 0}, 3, 0, 0, 0},
    {{0, 0, -2, 2, 2}, -3, 0, 0, 0},                {{-1, -1, 1, 0, 0}, -3, 0, 0, 0},
    {{0, 1, 1, 0, 0}, -3, 0, 0, 0},                 {{0, -1, 1, 2, 2}, -3, 0, 0, 0},
    {{2, -1, -1, 2, 2}, -3, 0, 0, 0},               {{0, 0, 3, 2, 2}, -3, 0, 0, 0},
    {{2, -1, 0, 2, 2}, -3, 0, 0, 0}};

constexpr double kDeg = 180.0 / std::numbers::pi;

double Sum(std::span<const Term> terms, double jme) {
  double s = 0;
  for (const Term& t : terms) s += t.a * std::cos(t.b + t.c * jme);
  return s;
}

// sum_i x_i * jme^i / 1e8, the series of Eq. 9-11.
double Series(std::initializer_list<double> x, double jme) {
  double s = 0, p = 1;
  for (double v : x) {
    s += v * p;
    p *= jme;
  }
  return s / 1e8;
}

// c0 + c1 x + c2 x^2 + x^3 / c3_divisor: the nutation arguments' form (Eq. 15-19).
double Poly3(double c0, double c1, double c2, double c3_divisor, double x) {
  return c0 + c1 * x + c2 * x * x + x * x * x / c3_divisor;
}

}  // namespace

SpaDetail SolarPositionSpaDetail(const SpaInput& in) {
  SpaDetail d{};
  // Julian days from Unix time: exact arithmetic in days avoids calendar branching (Eq. 4).
  d.jd = (static_cast<double>(in.unix_seconds) + in.delta_ut1) / 86400.0 + 2440587.5;
  d.jde = d.jd + in.delta_t / 86400.0;
  d.jc = (d.jd - 2451545.0) / 36525.0;
  d.jce = (d.jde - 2451545.0) / 36525.0;
  d.jme = d.jce / 10.0;
  const double jme = d.jme;

  d.l = Wrap360(Series({Sum(kL0, jme), Sum(kL1, jme), Sum(kL2, jme), Sum(kL3, jme), Sum(kL4, jme), Sum(kL5, jme)}, jme) * kDeg);
  d.b = Series({Sum(kB0, jme), Sum(kB1, jme)}, jme) * kDeg;
  d.r = Series({Sum(kR0, jme), Sum(kR1, jme), Sum(kR2, jme), Sum(kR3, jme), Sum(kR4, jme)}, jme);
  d.theta = Wrap360(d.l + 180.0);
  d.beta = -d.b;

  const double jce = d.jce;
  d.x0 = Poly3(297.85036, 445267.111480, -0.0019142, 189474.0, jce);
  d.x1 = Poly3(357.52772, 35999.050340, -0.0001603, -300000.0, jce);
  d.x2 = Poly3(134.96298, 477198.867398, 0.0086972, 56250.0, jce);
  d.x3 = Poly3(93.27191, 483202.017538, -0.0036825, 327270.0, jce);
  d.x4 = Poly3(125.04452, -1934.136261, 0.0020708, 450000.0, jce);
  const double x[5] = {d.x0, d.x1, d.x2, d.x3, d.x4};
  double dpsi = 0, deps = 0;
  for (const NutationTerm& t : kNutation) {
    double arg = 0;
    for (int j = 0; j < 5; ++j) arg += x[j] * t.y[j];
    arg *= kRad;
    dpsi += (t.a + t.b * jce) * std::sin(arg);
    deps += (t.c + t.d * jce) * std::cos(arg);
  }
  d.delta_psi = dpsi / 36000000.0;
  d.delta_epsilon = deps / 36000000.0;

  const double u = jme / 10.0;
  constexpr double kEps0[] = {84381.448, -4680.93, -1.55, 1999.25, -51.38, -249.67, -39.05, 7.12, 27.87, 5.79, 2.45};
  d.epsilon0 = 0;
  double power = 1;
  for (double c : kEps0) {
    d.epsilon0 += c * power;
    power *= u;
  }
  d.epsilon = d.epsilon0 / 3600.0 + d.delta_epsilon;

  d.delta_tau = -20.4898 / (3600.0 * d.r);
  d.lambda = d.theta + d.delta_psi + d.delta_tau;

  d.nu0 = Wrap360(280.46061837 + 360.98564736629 * (d.jd - 2451545.0) + 0.000387933 * d.jc * d.jc -
                  d.jc * d.jc * d.jc / 38710000.0);
  d.nu = d.nu0 + d.delta_psi * std::cos(d.epsilon * kRad);

  const double lam = d.lambda * kRad, eps = d.epsilon * kRad, bet = d.beta * kRad;
  d.alpha = Wrap360(std::atan2(std::sin(lam) * std::cos(eps) - std::tan(bet) * std::sin(eps), std::cos(lam)) * kDeg);
  d.delta = std::asin(std::sin(bet) * std::cos(eps) + std::cos(bet) * std::sin(eps) * std::sin(lam)) * kDeg;
  d.h = Wrap360(d.nu + in.longitude - d.alpha);

  // Topocentric parallax (Eq. 33-38).
  const double phi = in.latitude * kRad;
  d.xi = 8.794 / (3600.0 * d.r);
  const double uu = std::atan(0.99664719 * std::tan(phi));
  const double xx = std::cos(uu) + in.elevation_m / 6378140.0 * std::cos(phi);
  const double yy = 0.99664719 * std::sin(uu) + in.elevation_m / 6378140.0 * std::sin(phi);
  const double xi = d.xi * kRad, hr = d.h * kRad, dr = d.delta * kRad;
  const double dalpha = std::atan2(-xx * std::sin(xi) * std::sin(hr), std::cos(dr) - xx * std::sin(xi) * std::cos(hr));
  d.delta_alpha = dalpha * kDeg;
  d.delta_prime = std::atan2((std::sin(dr) - yy * std::sin(xi)) * std::cos(dalpha),
                             std::cos(dr) - xx * std::sin(xi) * std::cos(hr)) * kDeg;
  d.alpha_prime = d.alpha + d.delta_alpha;
  d.h_prime = d.h - d.delta_alpha;

  const double dp = d.delta_prime * kRad, hp = d.h_prime * kRad;
  d.e0 = std::asin(std::sin(phi) * std::sin(dp) + std::cos(phi) * std::cos(dp) * std::cos(hp)) * kDeg;
  // Refraction only while the sun's upper limb is above the horizon (Eq. 42).
  d.delta_e = 0;
  if (d.e0 >= -1.0 * (0.26667 + in.atmos_refraction)) {
    d.delta_e = (in.pressure_hpa / 1010.0) * (283.0 / (273.0 + in.temperature_c)) * 1.02 /
                (60.0 * std::tan((d.e0 + 10.3 / (d.e0 + 5.11)) * kRad));
  }
  d.e = d.e0 + d.delta_e;
  d.gamma = Wrap360(std::atan2(std::sin(hp), std::cos(hp) * std::sin(phi) - std::tan(dp) * std::cos(phi)) * kDeg);

  SolarPosition& p = d.position;
  p.elevation = d.e0;
  p.apparent_elevation = d.e;
  p.zenith = 90.0 - d.e0;
  p.apparent_zenith = 90.0 - d.e;
  p.azimuth = Wrap360(d.gamma + 180.0);
  const double zen = p.apparent_zenith * kRad, slope = in.surface_slope * kRad;
  const double cos_inc = std::cos(zen) * std::cos(slope) +
                         std::sin(slope) * std::sin(zen) * std::cos((d.gamma - in.surface_azimuth_rotation) * kRad);
  p.incidence = std::acos(std::clamp(cos_inc, -1.0, 1.0)) * kDeg;
  return d;
}

SolarPosition SolarPositionSpa(const SpaInput& input) { return SolarPositionSpaDetail(input).position; }

double ExtraterrestrialDni(int day_of_year, double solar_constant) {
  const double b = 2.0 * std::numbers::pi * (day_of_year - 1) / 365.0;
  return solar_constant * (1.00011 + 0.034221 * std::cos(b) + 0.00128 * std::sin(b) + 0.000719 * std::cos(2 * b) +
                           0.000077 * std::sin(2 * b));
}

int DayOfYearUtc(int64_t unix_seconds) {
  using namespace std::chrono;
  const sys_days day = floor<days>(sys_seconds{seconds{unix_seconds}});
  const year_month_day ymd{day};
  return static_cast<int>((day - sys_days{ymd.year() / January / 1}).count()) + 1;
}

}  // namespace seed::kernels
