// The worked example of the forecasting notes §1.5 (Cap 100 MW, 8 points), every figure of it, and a
// small hand-computed case for each regional rule.
#include "kernels/grid_metrics.h"

#include <gtest/gtest.h>

#include <cmath>

#include "kernels/scores.h"

namespace seed::kernels {
namespace {

const std::vector<double> kActual = {0, 10, 35, 60, 80, 50, 20, 5};
const std::vector<double> kForecast = {2, 15, 30, 70, 50, 55, 30, 1};
const std::vector<double> kCap(8, 100.0);

TEST(GridMetricsWorkedExample, National) {
  const GridScore s = ScoreWindow(GridRule::kNational, kActual, kForecast, kCap);
  EXPECT_NEAR(s.accuracy, 0.877781, 1e-6);
  EXPECT_DOUBLE_EQ(s.qualification, 7.0 / 8.0);  // only the 30 MW miss fails
  EXPECT_EQ(s.points, 8u);
}

TEST(GridMetricsWorkedExample, NormalisedErrorStatistics) {
  std::vector<double> a, f;
  for (size_t i = 0; i < 8; ++i) {
    a.push_back(kActual[i] / 100);
    f.push_back(kForecast[i] / 100);
  }
  EXPECT_NEAR(Rmse(a, f), 0.122219, 1e-6);
  EXPECT_NEAR(Mae(a, f), 0.088750, 1e-12);
  EXPECT_NEAR(Bias(a, f), (-2 - 5 + 5 - 10 + 30 - 5 - 10 + 4) / 800.0, 1e-12);
}

TEST(GridMetricsWorkedExample, NorthChinaWeighted) {
  EXPECT_NEAR(ScoreWindow(GridRule::kNorthChina, kActual, kForecast, kCap).accuracy, 0.796347, 1e-6);
}

TEST(GridMetricsWorkedExample, SouthernGrid2022KeepsSixPoints) {
  const GridScore s = ScoreWindow(GridRule::kSouthernGrid2022, kActual, kForecast, kCap);
  EXPECT_NEAR(s.accuracy, 0.708078, 1e-6);
  EXPECT_EQ(s.points, 6u);
  EXPECT_DOUBLE_EQ(s.qualification, 5.0 / 6.0);
}

TEST(GridMetricsWorkedExample, NorthwestHarmonic) {
  EXPECT_NEAR(ScoreWindow(GridRule::kNorthwest, kActual, kForecast, kCap).accuracy, 0.774906, 1e-6);
  const GridScore s2023 = ScoreWindow(GridRule::kNorthwest2023, kActual, kForecast, kCap);
  EXPECT_NEAR(s2023.accuracy, 0.797367, 1e-6);
  EXPECT_EQ(s2023.points, 7u);
}

TEST(GridMetricsRegional, NationalMaeHandCase) {
  // |e| = 10, 0, 20 of 100: 1 - 30/300.
  EXPECT_DOUBLE_EQ(ScoreWindow(GridRule::kNationalMae, {50, 0, 30}, {40, 0, 50}, {100, 100, 100}).accuracy, 0.9);
}

TEST(GridMetricsRegional, NorthChinaHandCase) {
  // |e|/C = 0.1, 0.3: sum e^3 = 0.028, sum e = 0.4, sqrt(0.07) = 0.264575.
  EXPECT_NEAR(ScoreWindow(GridRule::kNorthChina, {50, 60}, {40, 30}, {100, 100}).accuracy, 1 - std::sqrt(0.07), 1e-12);
  EXPECT_DOUBLE_EQ(ScoreWindow(GridRule::kNorthChina, {5, 5}, {5, 5}, {100, 100}).accuracy, 1.0);
}

TEST(GridMetricsRegional, SouthernPowerKeepsLowPoints) {
  // Denominators max(P, 20): (0-2)/20 = -0.1 and (50-40)/50 = 0.2; mean square 0.025.
  const GridScore s = ScoreWindow(GridRule::kSouthernPower, {0, 50}, {2, 40}, {100, 100});
  EXPECT_NEAR(s.accuracy, 1 - std::sqrt(0.025), 1e-12);
  EXPECT_EQ(s.points, 2u);
  // The 2022 rule drops the first point (both under 10 % of capacity): 1 - 0.2.
  EXPECT_NEAR(ScoreWindow(GridRule::kSouthernGrid2022, {0, 50}, {2, 40}, {100, 100}).accuracy, 0.8, 1e-12);
}

TEST(GridMetricsRegional, SouthernFlooredAtZero) {
  EXPECT_EQ(ScoreWindow(GridRule::kSouthernGrid2022, {20}, {90}, {100}).accuracy, 0.0);
}

TEST(GridMetricsRegional, NorthwestHandCase) {
  // P/(P+F): 30/40 -> 0.25 weight on |e| 20; 20/40 -> 0 on |e| 0... use two errors of 20 and 10.
  // Points (30, 10): w = |0.75 - 0.5| = 0.25, |e| = 20; (10, 20): w = |1/3 - 0.5| = 1/6, |e| = 10.
  // A = 1 - 2 (0.25 * 20 + 10 / 6) / 30.
  EXPECT_NEAR(ScoreWindow(GridRule::kNorthwest, {30, 10}, {10, 20}, {100, 100}).accuracy,
              1 - 2 * (0.25 * 20 + 10.0 / 6) / 30, 1e-12);
  // 2023 drops points where both are at most 3 % of capacity.
  const GridScore s = ScoreWindow(GridRule::kNorthwest2023, {30, 3, 10}, {10, 1, 20}, {100, 100, 100});
  EXPECT_EQ(s.points, 2u);
}

TEST(GridMetricsRegional, ZhejiangZeroActualRules) {
  // (0, 0) -> 0; (0, 5) -> 1; (50, 40) -> 0.04; (10, 40) -> min(9, 1) = 1. mean = 2.04 / 4.
  EXPECT_NEAR(ScoreWindow(GridRule::kZhejiang, {0, 0, 50, 10}, {0, 5, 40, 40}, {100, 100, 100, 100}).accuracy,
              1 - std::sqrt(2.04 / 4), 1e-12);
}

TEST(GridMetricsRegional, NegativeValuesClippedOnlyByRegionalRules) {
  // National keeps -2: e = 2 - (-2)... P = -2, F = 0 gives |e| = 2 nationally but 0 regionally.
  EXPECT_NEAR(ScoreWindow(GridRule::kNational, {-2}, {0}, {100}).accuracy, 0.98, 1e-12);
  EXPECT_NEAR(ScoreWindow(GridRule::kNationalMae, {-2}, {0}, {100}).accuracy, 0.98, 1e-12);
  EXPECT_NEAR(ScoreWindow(GridRule::kZhejiang, {-2}, {0}, {100}).accuracy, 1.0, 1e-12);
}

TEST(GridMetrics, QualificationThresholdIsInclusive) {
  // A miss of exactly 25 % of capacity is qualified at 0.75, not at 0.8 (Fujian / Shanxi solar).
  EXPECT_DOUBLE_EQ(ScoreWindow(GridRule::kNational, {50}, {25}, {100}, 0.75).qualification, 1.0);
  EXPECT_DOUBLE_EQ(ScoreWindow(GridRule::kNational, {50}, {25}, {100}, 0.8).qualification, 0.0);
}

TEST(GridMetrics, RunningCapacityPerPoint) {
  // Errors of 10 MW on 100 and 50 MW running capacity: sqrt((0.01 + 0.04) / 2).
  EXPECT_NEAR(ScoreWindow(GridRule::kNational, {50, 40}, {40, 30}, {100, 50}).accuracy, 1 - std::sqrt(0.025), 1e-12);
}

TEST(GridMetrics, SkipsMissingAndZeroCapacity) {
  const GridScore s = ScoreWindow(GridRule::kNational, {50, NAN, 10}, {40, 10, 10}, {100, 100, 0});
  EXPECT_EQ(s.points, 1u);
  EXPECT_NEAR(s.accuracy, 0.9, 1e-12);
  const GridScore none = ScoreWindow(GridRule::kNational, {}, {}, {});
  EXPECT_EQ(none.points, 0u);
  EXPECT_TRUE(std::isnan(none.accuracy));
}

TEST(GridRuleNames, RoundTrip) {
  for (const char* name : {"national", "national-mae", "north-china", "southern-2022", "southern-power", "northwest",
                           "northwest-2023", "zhejiang"}) {
    const auto rule = ParseGridRule(name);
    ASSERT_TRUE(rule.has_value()) << name;
    EXPECT_EQ(GridRuleName(*rule), name);
  }
  EXPECT_FALSE(ParseGridRule("National").has_value());
}

}  // namespace
}  // namespace seed::kernels
