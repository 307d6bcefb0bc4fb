// IEC 61400-12-1 method of bins, density normalisation, monotone repair, air density and AEP,
// against values computed by hand.
#include "kernels/power_curve.h"

#include <gtest/gtest.h>

#include <cmath>
#include <stdexcept>

namespace seed::kernels {
namespace {

// Three bins: centre 3.0 (records at 3.1, 3.2, 2.9), 5.0 (5.0, 5.1, 4.9) and 7.0 (7.0, 7.2).
PowerCurve HandCurve(int min_per_bin) {
  return FitPowerCurveIec({3.1, 3.2, 2.9, 5.0, 5.1, 4.9, 7.0, 7.2}, {10, 20, 30, 100, 110, 90, 300, 310}, {},
                          0.5, min_per_bin);
}

TEST(PowerCurveTest, BinsAreMeansOfTheRecordsInEachHalfMetreBin) {
  const PowerCurve curve = HandCurve(2);
  ASSERT_EQ(curve.bins.size(), 3u);
  EXPECT_DOUBLE_EQ(curve.bins[0].centre, 3.0);
  EXPECT_NEAR(curve.bins[0].wind_speed, 46.0 / 15.0, 1e-12);
  EXPECT_DOUBLE_EQ(curve.bins[0].power, 20.0);
  EXPECT_EQ(curve.bins[0].count, 3);
  EXPECT_DOUBLE_EQ(curve.bins[1].centre, 5.0);
  EXPECT_NEAR(curve.bins[1].wind_speed, 5.0, 1e-12);
  EXPECT_DOUBLE_EQ(curve.bins[1].power, 100.0);
  EXPECT_DOUBLE_EQ(curve.bins[2].centre, 7.0);
  EXPECT_NEAR(curve.bins[2].wind_speed, 7.1, 1e-12);
  EXPECT_DOUBLE_EQ(curve.bins[2].power, 305.0);
  EXPECT_EQ(curve.bins[2].count, 2);
  EXPECT_FALSE(curve.density_normalised);
}

TEST(PowerCurveTest, BinsWithTooFewRecordsAreDropped) {
  const PowerCurve curve = HandCurve(3);
  ASSERT_EQ(curve.bins.size(), 2u);
  EXPECT_DOUBLE_EQ(curve.bins.back().centre, 5.0);
}

TEST(PowerCurveTest, PredictInterpolatesBetweenBinMeansAndIsZeroOutsideTheCurve) {
  const PowerCurve curve = HandCurve(2);
  // Between (46/15, 20) and (5, 100): 20 + 80·(4 − 46/15)/(5 − 46/15) = 20 + 80·14/29.
  EXPECT_NEAR(curve.Predict(4.0), 20 + 80.0 * 14 / 29, 1e-9);
  EXPECT_NEAR(curve.Predict(5.0), 100.0, 1e-12);
  EXPECT_EQ(curve.Predict(3.0), 0.0);    // below the first bin's mean speed: below cut-in
  EXPECT_EQ(curve.Predict(7.2), 305.0);  // between the last mean and the last bin's upper edge
  EXPECT_EQ(curve.CutOut(), 7.25);
  EXPECT_EQ(curve.Predict(7.3), 0.0);  // past the curve: cut-out
  EXPECT_TRUE(std::isnan(curve.Predict(std::nan(""))));
}

TEST(PowerCurveTest, PredictNormalisesTheSpeedByAirDensity) {
  const PowerCurve curve = HandCurve(2);
  // ρ = ρ0·(4.5/4)³ turns 4 m/s into V_n = 4.5 m/s: 20 + 80·(4.5 − 46/15)/(29/15) = 20 + 80·21.5/29.
  const double rho = kReferenceAirDensity * std::pow(4.5 / 4.0, 3);
  EXPECT_NEAR(curve.Predict(4.0, rho), 20 + 80.0 * 21.5 / 29, 1e-9);
}

TEST(PowerCurveTest, FitNormalisesRecordsToTheReferenceDensity) {
  // ρ = 0.729·ρ0: V_n = 8·0.9 = 7.2 m/s, bin centre 7.0.
  const double rho = kReferenceAirDensity * 0.729;
  const PowerCurve curve = FitPowerCurveIec({8, 8, 8}, {1, 2, 3}, {rho, rho, rho});
  ASSERT_EQ(curve.bins.size(), 1u);
  EXPECT_TRUE(curve.density_normalised);
  EXPECT_DOUBLE_EQ(curve.bins[0].centre, 7.0);
  EXPECT_NEAR(curve.bins[0].wind_speed, 7.2, 1e-12);
  EXPECT_DOUBLE_EQ(curve.bins[0].power, 2.0);
}

TEST(PowerCurveTest, MonotoneRepairPoolsAdjacentViolatorsByCount) {
  // Bin 4.0: three records at 50; bin 4.5: one record at 40. Pooled: (3·50 + 40)/4 = 47.5.
  const PowerCurve curve =
      FitPowerCurveIec({3.0, 4.0, 4.0, 4.0, 4.5, 6.0}, {0, 50, 50, 50, 40, 80}, {}, 0.5, 1);
  ASSERT_EQ(curve.bins.size(), 4u);
  EXPECT_DOUBLE_EQ(curve.bins[1].power, 50.0);
  EXPECT_DOUBLE_EQ(curve.bins[1].monotone_power, 47.5);
  EXPECT_DOUBLE_EQ(curve.bins[2].power, 40.0);
  EXPECT_DOUBLE_EQ(curve.bins[2].monotone_power, 47.5);
  EXPECT_DOUBLE_EQ(curve.bins[3].monotone_power, 80.0);
}

TEST(PowerCurveTest, MissingValuesAreSkippedAndBadArgumentsRejected) {
  const PowerCurve curve = FitPowerCurveIec({5, std::nan(""), 5, 5}, {1, 2, std::nan(""), 3}, {}, 0.5, 1);
  ASSERT_EQ(curve.bins.size(), 1u);
  EXPECT_EQ(curve.bins[0].count, 2);
  EXPECT_THROW(FitPowerCurveIec({1, 2}, {1}, {}), std::invalid_argument);
  EXPECT_THROW(FitPowerCurveIec({1, 2}, {1, 2}, {1.2}), std::invalid_argument);
  EXPECT_THROW(FitPowerCurveIec({1, 2}, {1, 2}, {}, 0.0), std::invalid_argument);
}

TEST(PowerCurveTest, JsonRoundTripAndValidation) {
  const PowerCurve curve = HandCurve(2);
  const PowerCurve back = PowerCurve::FromJson(curve.ToJson());
  ASSERT_EQ(back.bins.size(), curve.bins.size());
  for (double v : {3.5, 4.0, 6.0, 7.2}) EXPECT_DOUBLE_EQ(back.Predict(v), curve.Predict(v));

  nlohmann::json bad = curve.ToJson();
  bad["bins"][1]["centre"] = 2.0;  // out of order
  EXPECT_THROW(PowerCurve::FromJson(bad), std::invalid_argument);
  bad = curve.ToJson();
  bad["bins"][0]["count"] = 0;
  EXPECT_THROW(PowerCurve::FromJson(bad), std::invalid_argument);
  bad = curve.ToJson();
  bad.erase("bin_width");
  EXPECT_THROW(PowerCurve::FromJson(bad), std::invalid_argument);
  bad = curve.ToJson();
  bad["bins"] = nlohmann::json::array();
  EXPECT_THROW(PowerCurve::FromJson(bad), std::invalid_argument);
  bad = curve.ToJson();
  bad["bins"][2]["monotone_power"] = 1.0;  // decreasing
  EXPECT_THROW(PowerCurve::FromJson(bad), std::invalid_argument);
  EXPECT_THROW(PowerCurve::FromJson(nlohmann::json::array()), std::invalid_argument);
}

TEST(PowerCurveTest, AirDensityDryAndHumid) {
  EXPECT_NEAR(AirDensity(15, 1013.25), 1.2250122659906946, 1e-12);  // 101325 / (287.05 · 288.15)
  EXPECT_NEAR(AirDensity(-10, 850), 1.1252732635105687, 1e-12);
  // 50 % RH at 15 °C: Pw = 2.05e-5·exp(0.0631846·288.15) = 1655.0 Pa.
  EXPECT_NEAR(AirDensity(15, 1013.25, 50), 1.2212305289608052, 1e-12);
}

TEST(PowerCurveTest, AnnualEnergyForARayleighClimate) {
  PowerCurve curve;
  curve.bin_width = 0.5;
  for (auto [v, p] : {std::pair{4.0, 0.0}, {6.0, 500.0}, {8.0, 1500.0}, {10.0, 2000.0}}) {
    curve.bins.push_back({v, v, p, p, 10});
  }
  // Σ [F(V_i) − F(V_{i−1})]·(P_{i−1} + P_i)/2 · 8760 with V_0 = 3.5, P_0 = 0, V_ave = 7 (by hand).
  EXPECT_NEAR(AnnualEnergyRayleigh(curve, 7.0), 4653172.385819017, 1e-6);
  EXPECT_EQ(AnnualEnergyRayleigh(PowerCurve{}, 7.0), 0.0);
}

}  // namespace
}  // namespace seed::kernels
