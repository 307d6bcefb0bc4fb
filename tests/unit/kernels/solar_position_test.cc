// NREL SPA known answers: the test vector of spa_tester.c (Reda & Andreas 2004, Table A5.1),
// 2003-10-17 12:30:30 local time, UTC-7.
#include "kernels/solar_position.h"

#include <gtest/gtest.h>

namespace seed::kernels {
namespace {

SpaInput NrelVector() {
  SpaInput in;
  in.unix_seconds = 1066419030;  // 2003-10-17T19:30:30Z
  in.delta_ut1 = 0;
  in.delta_t = 67;
  in.latitude = 39.742476;
  in.longitude = -105.1786;
  in.elevation_m = 1830.14;
  in.pressure_hpa = 820;
  in.temperature_c = 11;
  in.surface_slope = 30;
  in.surface_azimuth_rotation = -10;
  in.atmos_refraction = 0.5667;
  return in;
}

TEST(SolarPositionSpa, NrelTestVectorAngles) {
  const SolarPosition p = SolarPositionSpa(NrelVector());
  EXPECT_NEAR(p.apparent_zenith, 50.111622, 1e-4);
  EXPECT_NEAR(p.azimuth, 194.340241, 1e-4);
  EXPECT_NEAR(p.incidence, 25.187000, 1e-4);
  EXPECT_NEAR(p.apparent_elevation, 39.888378, 1e-4);
  EXPECT_NEAR(p.elevation, 39.872046, 1e-4);  // e0, without refraction
  EXPECT_NEAR(p.zenith, 90 - 39.872046, 1e-4);
}

TEST(SolarPositionSpa, NrelTestVectorIntermediates) {
  const SpaDetail d = SolarPositionSpaDetail(NrelVector());
  EXPECT_NEAR(d.jd, 2452930.312847222, 1e-8);
  EXPECT_NEAR(d.jde, 2452930.313622685, 1e-8);
  EXPECT_NEAR(d.jc, 0.0379277986858, 1e-10);  // the reference JD is quoted to 1e-9 days
  EXPECT_NEAR(d.jme, 0.003792781991685, 1e-12);
  EXPECT_NEAR(d.l, 24.0182616917, 1e-8);
  EXPECT_NEAR(d.b, -0.0001011219, 1e-9);
  EXPECT_NEAR(d.r, 0.9965422974, 1e-9);
  EXPECT_NEAR(d.theta, 204.0182616917, 1e-8);
  EXPECT_NEAR(d.beta, 0.0001011219, 1e-9);
  EXPECT_NEAR(d.x0, 17185.861179, 1e-5);
  EXPECT_NEAR(d.x1, 1722.893218, 1e-5);
  EXPECT_NEAR(d.x2, 18234.075703, 1e-5);
  EXPECT_NEAR(d.x3, 18420.071012, 1e-5);
  EXPECT_NEAR(d.x4, 51.686951, 1e-5);
  EXPECT_NEAR(d.delta_psi, -0.00399840, 1e-8);
  EXPECT_NEAR(d.delta_epsilon, 0.00166657, 1e-8);
  EXPECT_NEAR(d.epsilon0, 84379.672625, 1e-5);
  EXPECT_NEAR(d.epsilon, 23.440465, 1e-6);
  EXPECT_NEAR(d.delta_tau, -0.005711, 1e-6);
  EXPECT_NEAR(d.lambda, 204.0085519281, 1e-8);
  EXPECT_NEAR(d.nu0, 318.515579, 1e-6);
  EXPECT_NEAR(d.nu, 318.511910, 1e-6);
  EXPECT_NEAR(d.alpha, 202.227408, 1e-6);
  EXPECT_NEAR(d.delta, -9.31434, 1e-5);
  EXPECT_NEAR(d.h, 11.105902, 1e-6);
  EXPECT_NEAR(d.xi, 0.002451, 1e-6);
  EXPECT_NEAR(d.delta_alpha, -0.000369, 1e-6);
  EXPECT_NEAR(d.alpha_prime, 202.22704, 1e-5);
  EXPECT_NEAR(d.delta_prime, -9.316179, 1e-6);
  EXPECT_NEAR(d.h_prime, 11.10627, 1e-5);
  EXPECT_NEAR(d.e0, 39.872046, 1e-6);
  EXPECT_NEAR(d.delta_e, 0.016332, 1e-6);
  EXPECT_NEAR(d.e, 39.888378, 1e-6);
  EXPECT_NEAR(d.gamma, 14.340241, 1e-6);
}

TEST(SolarPositionSpa, SunBelowHorizonAtLocalMidnight) {
  SpaInput in = NrelVector();
  in.unix_seconds = 1066374000;  // 2003-10-17T07:00:00Z, midnight at UTC-7
  const SolarPosition p = SolarPositionSpa(in);
  EXPECT_LT(p.apparent_elevation, -40);
  EXPECT_GT(p.apparent_zenith, 90);
}

TEST(ExtraterrestrialDni, PerihelionAboveAphelion) {
  EXPECT_NEAR(ExtraterrestrialDni(1), 1366.1 * (1.00011 + 0.034221 + 0.000719), 1e-9);
  EXPECT_GT(ExtraterrestrialDni(3), ExtraterrestrialDni(185));
  EXPECT_EQ(DayOfYearUtc(1066419030), 290);  // 2003-10-17
  EXPECT_EQ(DayOfYearUtc(1583020800), 61);   // 2020-03-01 (leap year)
  EXPECT_EQ(DayOfYearUtc(0), 1);
}

}  // namespace
}  // namespace seed::kernels
