// The physical PV model through its whole chain at the NREL SPA reference instant (Reda & Andreas
// 2004, Table A5.1: 2003-10-17 12:30:30 at UTC-7, 39.742476 N 105.1786 W, 1830.14 m; zenith
// 50.11162, azimuth 194.34024 degrees), with every later stage written out from its published
// formula; and the fit of the scale and the residual quantiles.
#include "kernels/pv_physical.h"

#include <gtest/gtest.h>

#include <cmath>

#include "kernels/solar_position.h"

namespace seed::kernels {
namespace {

constexpr int64_t kSpaInstant = 1066419030;  // 2003-10-17T19:30:30Z
constexpr double kRad = M_PI / 180;

PvSite SpaSite(double tilt, double azimuth, double dc_ac) {
  return PvSite{39.742476, -105.1786, 1830.14, tilt, azimuth, dc_ac};
}

// PVWatts v5 inverter (Dobos 2014, eq. in pvlib.inverter.pvwatts) for a 1.0 AC rating.
double InverterOut(double pdc) {
  const double pdc0 = 1.0 / 0.96, zeta = pdc / pdc0;
  const double eta = 0.96 / 0.9637 * (-0.0162 * zeta - 0.0059 / zeta + 0.9858);
  return std::min(eta * pdc, 1.0);
}

TEST(PvAcFraction, HorizontalPlaneAtTheSpaReferenceFollowsThePublishedFormulas) {
  const double ghi = 600, air = 15, wind = 2;
  const double zenith = 50.11162;  // the SPA paper's value; ours differs by refraction at another pressure
  const double cos_z = std::cos(zenith * kRad);
  const double i0 = ExtraterrestrialDni(290);
  // Erbs et al. (1982): kt in (0.22, 0.8].
  const double kt = ghi / (i0 * cos_z);
  ASSERT_GT(kt, 0.22);
  ASSERT_LE(kt, 0.8);
  const double kd =
      0.9511 - 0.1604 * kt + 4.388 * kt * kt - 16.638 * std::pow(kt, 3) + 12.336 * std::pow(kt, 4);
  const double dhi = kd * ghi, dni = (ghi - dhi) / cos_z;
  // Flat plane: aoi = zenith; Hay-Davies reduces to DHI (Rb = 1, no ground view).
  const double iam = 1 - 0.05 * (1 / std::cos(zenith * kRad) - 1);
  const double poa = dni * cos_z + dhi, effective = dni * cos_z * iam + dhi;
  // SAPM open rack glass/cell/polymer (King et al. 2004).
  const double cell = poa * std::exp(-3.56 - 0.075 * wind) + air + poa / 1000 * 3;
  const double dc_ac = 1.2;
  const double pdc = effective / 1000 * dc_ac * (1 - 0.004 * (cell - 25)) * (1 - 0.14);
  const double expected = InverterOut(pdc);
  EXPECT_NEAR(PvAcFraction(SpaSite(0, 180, dc_ac), kSpaInstant, ghi, air, wind), expected, 2e-4 * expected);
  EXPECT_NEAR(expected, 0.56878, 1e-5);  // the same chain evaluated by hand, so a slip above is seen
}

TEST(PvAcFraction, NightIsZeroMissingGhiIsNanClippedAtTheAcRating) {
  const PvSite site = SpaSite(30, 180, 1.5);
  EXPECT_EQ(PvAcFraction(site, kSpaInstant + 9 * 3600, 0, 10, 1), 0.0);  // 04:30 local
  EXPECT_TRUE(std::isnan(PvAcFraction(site, kSpaInstant, std::nan(""), 10, 1)));
  // A clear noon on a DC rating of 1.5 x AC: the inverter clips at exactly 1.
  EXPECT_DOUBLE_EQ(PvAcFraction(site, kSpaInstant, 1000, 0, 5), 1.0);
  // Facing the sun (south, afternoon at 194 degrees) beats facing away (north).
  const PvSite north = SpaSite(30, 0, 1.0), south = SpaSite(30, 180, 1.0);
  EXPECT_GT(PvAcFraction(south, kSpaInstant, 500, 10, 1), 1.5 * PvAcFraction(north, kSpaInstant, 500, 10, 1));
  // Hotter cells give less (gamma -0.4 %/K).
  EXPECT_LT(PvAcFraction(south, kSpaInstant, 500, 35, 1), PvAcFraction(south, kSpaInstant, 500, 5, 1));
}

TEST(FitPvPhysical, RecoversTheScaleAndZeroesTheNight) {
  std::vector<double> fraction, power;
  for (int i = 0; i < 2000; ++i) {
    const double f = i % 4 == 0 ? 0.0 : (i % 97) / 100.0;  // a quarter of the rows are night
    fraction.push_back(f);
    power.push_back(f > 0 ? 0.8 * f * 50 + ((i * 7919) % 11 - 5) * 0.1 : 0.0);  // symmetric noise
  }
  fraction.push_back(std::nan(""));
  power.push_back(10);
  const PvPhysicalModel m = FitPvPhysical(fraction, power, {0.1, 0.5, 0.9}, 50);
  EXPECT_NEAR(m.scale, 0.8, 2e-3);
  const std::vector<double> night = m.Apply(0.0);
  EXPECT_EQ(night, std::vector<double>(3, 0.0));
  EXPECT_TRUE(std::isnan(m.Apply(std::nan(""))[1]));
  const std::vector<double> day = m.Apply(0.5);
  EXPECT_NEAR(day[1], 20.0, 0.2);
  EXPECT_LT(day[0], day[1]);
  EXPECT_GT(day[2], day[1]);
  const PvPhysicalModel back = PvPhysicalModel::FromJson(m.ToJson());
  EXPECT_EQ(back.Apply(0.5), day);
}

TEST(FitPvPhysical, RefusesRowsWithoutDaylightAndABadArtifact) {
  EXPECT_THROW(FitPvPhysical({0, 0, 0}, {1, 2, 3}, {0.5}, 10), std::invalid_argument);
  EXPECT_THROW(FitPvPhysical({0.5, 0.4}, {-3, -2}, {0.5}, 10),
               std::invalid_argument);  // power falls with output
  EXPECT_THROW(PvPhysicalModel::FromJson({{"scale", -1}}), std::invalid_argument);
  EXPECT_THROW(PvPhysicalModel::FromJson({{"scale", 1}}), std::invalid_argument);  // no residuals
}

}  // namespace
}  // namespace seed::kernels
