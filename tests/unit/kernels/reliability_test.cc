#include "kernels/reliability.h"

#include <gtest/gtest.h>

#include <vector>

namespace seed::kernels {
namespace {

// Outcomes with a point mass: a fifth of the points produce nothing (a calm), the rest spread
// evenly over (0, 100]. The true quantile is 0 for every level up to 0.2.
std::vector<double> CalmAndWindy() {
  std::vector<double> outcomes;
  for (int i = 0; i < 200; ++i) outcomes.push_back(0);
  for (int i = 1; i <= 800; ++i) outcomes.push_back(i / 8.0);
  return outcomes;
}

std::vector<QuantileReliability> Assess(const std::vector<double>& levels,
                                        const std::vector<double>& quantiles) {
  ReliabilityTable table(levels, 1);
  for (double y : CalmAndWindy()) table.Add(quantiles.data(), y, 100);
  return table.Finish();
}

TEST(ReliabilityTable, TheTrueQuantileOnAPointMassHasNoGap) {
  // The true 0.05, 0.5 and 0.9 quantiles: 0 (on the calm), 37.5 and 87.5 MW.
  const auto rows = Assess({0.05, 0.5, 0.9}, {0, 37.5, 87.5});
  // At or below 0: every calm point, so the plain hit rate reads 0.2 for a 0.05 quantile ...
  EXPECT_DOUBLE_EQ(rows[0].hit_rate, 0.2);
  EXPECT_DOUBLE_EQ(rows[0].below_rate, 0.0);
  // ... yet no quantile fits better: 0.05 lies in [P(Y < q), P(Y <= q)] = [0, 0.2].
  EXPECT_DOUBLE_EQ(rows[0].gap, 0.0);
  for (size_t q = 1; q < 3; ++q) {
    EXPECT_DOUBLE_EQ(rows[q].hit_rate, rows[q].tau) << rows[q].tau;
    EXPECT_DOUBLE_EQ(rows[q].below_rate, rows[q].tau - 0.001) << "one point ties at " << rows[q].tau;
    EXPECT_DOUBLE_EQ(rows[q].gap, 0.0);
  }
}

TEST(ReliabilityTable, AQuantileOffItsLevelHasTheDistanceAsGap) {
  // 0.05 forecast at 25 MW (hit by the calm and 200 of the windy points: 0.4, strictly below 0.4
  // too); 0.9 forecast at 50 MW (hit by 0.6).
  const auto rows = Assess({0.05, 0.5, 0.9}, {25, 37.5, 50});
  EXPECT_NEAR(rows[0].below_rate, 0.399, 1e-12);
  EXPECT_NEAR(rows[0].gap, 0.349, 1e-12);  // too often: below_rate - tau
  EXPECT_NEAR(rows[2].hit_rate, 0.6, 1e-12);
  EXPECT_NEAR(rows[2].gap, 0.3, 1e-12);  // too rarely: tau - hit_rate
}

}  // namespace
}  // namespace seed::kernels
