#include "kernels/quantile_set.h"

#include <gtest/gtest.h>

#include <cmath>

#include "io/input_error.h"

namespace seed::kernels {
namespace {

TEST(QuantileSet, ParsesListsRangesAndMixtures) {
  EXPECT_EQ(ParseQuantiles("0.9,0.1"), (std::vector<double>{0.1, 0.5, 0.9}));
  const std::vector<double> all = ParseQuantiles("0.01:0.99:0.01");
  ASSERT_EQ(all.size(), 99u);
  for (size_t i = 0; i < all.size(); ++i) EXPECT_EQ(all[i], static_cast<double>(i + 1) / 100) << i;
  EXPECT_EQ(ParseQuantiles("0.05,0.1:0.3:0.1,0.95"), (std::vector<double>{0.05, 0.1, 0.2, 0.3, 0.5, 0.95}));
  EXPECT_EQ(ParseQuantiles("0.25:0.75:0.25"), (std::vector<double>{0.25, 0.5, 0.75}));
}

TEST(QuantileSet, RefusesBadItemsNamingThem) {
  for (const char* bad : {"", "0.1,,0.9", "1.5", "0", "abc", "0.1:0.9", "0.9:0.1:0.1", "0.1:0.9:0",
                          "0.1:0.9:-1", "0.1:0.9:0.1:0.1", "0.0001:0.9999:0.00000001"}) {
    EXPECT_THROW(ParseQuantiles(bad), io::UsageError) << bad;
  }
  try {
    ParseQuantiles("0.1,x9");
    FAIL();
  } catch (const io::UsageError& e) {
    EXPECT_NE(std::string(e.what()).find("'x9'"), std::string::npos) << e.what();
  }
}

TEST(QuantileSet, AnchorsKeepEveryLevelWhenFewAndTheTailsWhenMany) {
  const std::vector<double> few = ParseQuantiles("0.1,0.9");
  EXPECT_EQ(ChooseQuantileAnchors(few, 15), (std::vector<size_t>{0, 1, 2}));

  const std::vector<double> all = ParseQuantiles("0.01:0.99:0.01");
  const std::vector<size_t> anchors = ChooseQuantileAnchors(all, 15);
  ASSERT_EQ(anchors.size(), 15u);
  EXPECT_EQ(anchors.front(), 0u);                                            // 0.01
  EXPECT_EQ(anchors.back(), 98u);                                            // 0.99
  EXPECT_NE(std::find(anchors.begin(), anchors.end(), 49u), anchors.end());  // 0.5
  // Symmetric levels, denser in the tails: the gaps grow towards the middle.
  for (size_t k = 0; k < anchors.size(); ++k) {
    EXPECT_NEAR(all[anchors[k]], 1 - all[anchors[anchors.size() - 1 - k]], 0.011) << k;
  }
  EXPECT_LT(anchors[1] - anchors[0], anchors[7] - anchors[6]);
}

TEST(QuantileSet, InterpolatesBetweenSortedAnchors) {
  const std::vector<double> levels = {0.1, 0.2, 0.3, 0.5, 0.9};
  const std::vector<size_t> anchors = {0, 3, 4};
  // Crossed anchor values are rearranged (sorted) first: 0.1 -> 10, 0.5 -> 20, 0.9 -> 40.
  double values[] = {20, 10, 40};
  double out[5];
  InterpolateQuantiles(levels, anchors, values, out);
  EXPECT_DOUBLE_EQ(out[0], 10);
  EXPECT_DOUBLE_EQ(out[1], 12.5);  // a quarter of the way from 0.1 to 0.5
  EXPECT_DOUBLE_EQ(out[2], 15);
  EXPECT_DOUBLE_EQ(out[3], 20);
  EXPECT_DOUBLE_EQ(out[4], 40);

  double missing[] = {1, std::nan(""), 3};
  InterpolateQuantiles(levels, anchors, missing, out);
  for (double v : out) EXPECT_TRUE(std::isnan(v));
}

TEST(QuantileSet, TheQuantileFunctionsMeanIsItsIntegral) {
  // Three levels: 0.1 q10 + 0.4 (q10 + q50) / 2 + 0.4 (q50 + q90) / 2 + 0.1 q90.
  const double three[] = {17, 20, 21};
  EXPECT_NEAR(QuantileFunctionMean({0.1, 0.5, 0.9}, three), 0.3 * 17 + 0.4 * 20 + 0.3 * 21, 1e-12);
  // The uniform distribution on (0, 1) at 99 levels: Q(tau) = tau, whose integral is 1/2 exactly
  // (linear between the levels, flat beyond them: 0.01 * 0.01 + 0.49 + 0.01 * 0.99).
  const std::vector<double> levels = ParseQuantiles("0.01:0.99:0.01");
  EXPECT_NEAR(QuantileFunctionMean(levels, levels.data()), 0.5, 1e-12);
  // A right-skewed distribution's mean lies above its median: exponential, Q(tau) = -ln(1 - tau),
  // mean 1 and median ln 2. Flat beyond P99, the tail's integral is 0.01 ln 100 instead of
  // 0.01 (1 + ln 100): 0.01 short; the trapezoids over a convex function add a little back.
  std::vector<double> exponential;
  for (double tau : levels) exponential.push_back(-std::log(1 - tau));
  const double mean = QuantileFunctionMean(levels, exponential.data());
  EXPECT_GT(mean, std::log(2.0) + 0.2);
  EXPECT_NEAR(mean, 0.99, 0.002);
  const double missing[] = {1, std::nan(""), 3};
  EXPECT_TRUE(std::isnan(QuantileFunctionMean({0.1, 0.5, 0.9}, missing)));
}

}  // namespace
}  // namespace seed::kernels
