// Pinball and CRPS known answers (forecasting notes §4.8) and hand-computed cases.
#include "kernels/scores.h"

#include <gtest/gtest.h>

#include <cmath>

namespace seed::kernels {
namespace {

TEST(Pinball, HandComputed) {
  // tau 0.9, q 10: y = 14 under-forecast -> 0.9 * 4; y = 6 over-forecast -> 0.1 * 4.
  EXPECT_DOUBLE_EQ(Pinball(10, 0.9, 14), 3.6);
  EXPECT_NEAR(Pinball(10, 0.9, 6), 0.4, 1e-15);
  EXPECT_DOUBLE_EQ(Pinball(10, 0.5, 10), 0.0);
  // Mean over three quantiles {0.1: 2, 0.5: 5, 0.9: 9} at y = 6: 0.1*4 + 0.5*1 + 0.1*3 = 1.2 -> 0.4.
  const double mean = (Pinball(2, 0.1, 6) + Pinball(5, 0.5, 6) + Pinball(9, 0.9, 6)) / 3;
  EXPECT_NEAR(mean, 0.4, 1e-15);
}

TEST(CrpsEnsemble, KnownAnswer) {
  EXPECT_NEAR(CrpsEnsemble({1, 2, 3}, 2), 0.2222222222222222, 1e-15);
  EXPECT_NEAR(CrpsEnsemble({3, 1, 2}, 2), 0.2222222222222222, 1e-15);  // order does not matter
  EXPECT_DOUBLE_EQ(CrpsEnsemble({4}, 1), 3.0);                         // one member = absolute error
}

TEST(CrpsGaussian, KnownAnswers) {
  EXPECT_NEAR(CrpsGaussian(0, 1, 0), 0.2336950, 1e-7);
  EXPECT_NEAR(CrpsGaussian(0, 1, 1), 0.6024414, 1e-7);
  EXPECT_NEAR(CrpsGaussian(5, 2, 5), 2 * 0.2336950, 2e-7);  // scales with sigma
  EXPECT_DOUBLE_EQ(CrpsGaussian(1, 0, 3), 2.0);
}

// Standard normal quantile by bisection on erfc, for the test only.
double NormalQuantile(double p) {
  double lo = -10, hi = 10;
  for (int i = 0; i < 200; ++i) {
    const double mid = (lo + hi) / 2;
    (0.5 * std::erfc(-mid / std::sqrt(2.0)) < p ? lo : hi) = mid;
  }
  return (lo + hi) / 2;
}

TEST(CrpsFromQuantiles, ApproachesGaussianClosedForm) {
  for (int k : {99, 999}) {
    std::vector<double> taus, values;
    for (int i = 1; i <= k; ++i) {
      taus.push_back(static_cast<double>(i) / (k + 1));
      values.push_back(NormalQuantile(taus.back()));
    }
    const double tol = k == 99 ? 0.01 * 0.2336950 : 0.001 * 0.2336950;
    EXPECT_NEAR(CrpsFromQuantiles(taus, values, 0), 0.2336950, tol) << k;
    EXPECT_NEAR(CrpsFromQuantiles(taus, values, 1), 0.6024414, k == 99 ? 0.01 * 0.6024414 : 0.001 * 0.6024414) << k;
  }
}

TEST(CrpsFromQuantiles, MedianAloneIsAbsoluteError) {
  EXPECT_DOUBLE_EQ(CrpsFromQuantiles({0.5}, {3}, 7), 4.0);
  EXPECT_DOUBLE_EQ(CrpsFromQuantiles({0.5}, {3}, -1), 4.0);
}

TEST(CrpsFromQuantiles, HandComputedThreeQuantiles) {
  // taus 0.1, 0.5, 0.9 -> weights 0.3, 0.4, 0.3; values 2, 5, 9 at y = 6:
  // 2 (0.3 * 0.1 * 4 + 0.4 * 0.5 * 1 + 0.3 * 0.1 * 3) = 2 (0.12 + 0.2 + 0.09) = 0.82.
  EXPECT_NEAR(CrpsFromQuantiles({0.1, 0.5, 0.9}, {2, 5, 9}, 6), 0.82, 1e-12);
  // Crossing values are sorted first.
  EXPECT_NEAR(CrpsFromQuantiles({0.1, 0.5, 0.9}, {9, 5, 2}, 6), 0.82, 1e-12);
  EXPECT_TRUE(std::isnan(CrpsFromQuantiles({}, {}, 1)));
}

TEST(ErrorStats, IncrementalMatchesBatch) {
  ErrorStats s;
  s.Add(1, 2);
  s.Add(3, 1);
  EXPECT_DOUBLE_EQ(s.Rmse(), std::sqrt(2.5));
  EXPECT_DOUBLE_EQ(s.Mae(), 1.5);
  EXPECT_DOUBLE_EQ(s.Bias(), 0.5);
  EXPECT_TRUE(std::isnan(ErrorStats().Rmse()));
}

}  // namespace
}  // namespace seed::kernels
