// Clear-sky known answers from pvlib's test_clearsky.py (forecasting notes §4.2).
#include "kernels/clearsky.h"

#include <gtest/gtest.h>

namespace seed::kernels {
namespace {

TEST(ClearSkyHaurwitz, PvlibFivePoints) {
  EXPECT_NEAR(ClearSkyHaurwitz(90 - 5), 48.6298687941956, 1e-9);
  EXPECT_NEAR(ClearSkyHaurwitz(90 - 10), 135.741748091813, 1e-9);
  EXPECT_NEAR(ClearSkyHaurwitz(90 - 30), 487.894132885425, 1e-9);
  EXPECT_NEAR(ClearSkyHaurwitz(90 - 50), 778.766689344363, 1e-9);
  EXPECT_NEAR(ClearSkyHaurwitz(90 - 90), 1035.09203253450, 1e-9);
}

TEST(ClearSkyHaurwitz, ZeroAtAndBelowHorizon) {
  EXPECT_EQ(ClearSkyHaurwitz(90 + 20), 0.0);
  EXPECT_EQ(ClearSkyHaurwitz(90 + 0.05), 0.0);
  EXPECT_EQ(ClearSkyHaurwitz(90 + 0.001), 0.0);
  EXPECT_EQ(ClearSkyHaurwitz(90), 0.0);
}

TEST(ClearSkyIneichen, DefaultExtraterrestrial) {
  const ClearSky cs = ClearSkyIneichen(10, 1, 3);
  EXPECT_NEAR(cs.ghi, 1038.159219, 1e-6);
  EXPECT_NEAR(cs.dni, 942.2081860, 1e-6);
  EXPECT_NEAR(cs.dhi, 110.2652929, 1e-6);
}

TEST(ClearSkyIneichen, Extraterrestrial1370) {
  const ClearSky cs = ClearSkyIneichen(10, 1, 3, 0, 1370);
  EXPECT_NEAR(cs.ghi, 1042.72590228, 1e-8);
  EXPECT_NEAR(cs.dni, 946.35279683, 1e-8);
  EXPECT_NEAR(cs.dhi, 110.75033088, 1e-8);
}

TEST(ClearSkyIneichen, Altitude2000) {
  const ClearSky cs = ClearSkyIneichen(10, 1, 3, 2000);
  EXPECT_NEAR(cs.ghi, 1134.24312405, 1e-8);
  EXPECT_NEAR(cs.dni, 994.95377835, 1e-8);
  EXPECT_NEAR(cs.dhi, 154.40492924, 1e-8);
}

TEST(ClearSkyIneichen, NightIsDark) {
  const ClearSky cs = ClearSkyIneichen(95, 30, 3);
  EXPECT_EQ(cs.ghi, 0.0);
  EXPECT_EQ(cs.dni, 0.0);
  EXPECT_EQ(cs.dhi, 0.0);
}

TEST(Airmass, KastenYoungAndPressure) {
  EXPECT_NEAR(AirmassRelativeKastenYoung(0), 0.99971, 1e-4);  // slightly under 1 by the fit's constant
  EXPECT_NEAR(AirmassRelativeKastenYoung(60), 1.9942, 1e-3);
  EXPECT_NEAR(AirmassAbsolute(2.0, 506.625), 1.0, 1e-12);
  EXPECT_NEAR(PressureFromAltitude(0), 1013.25, 1e-3);
}

}  // namespace
}  // namespace seed::kernels
