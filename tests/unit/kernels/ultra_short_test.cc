#include "kernels/ultra_short.h"

#include <gtest/gtest.h>

#include <cmath>

namespace seed::kernels {
namespace {

TEST(UltraShort, MeasuredErrorFadesWithHorizon) {
  std::vector<std::vector<double>> q = {{10, 20, 30}, {10, 20, 30}, {10, 20, 30}};
  BlendMeasuredError(q, {0, 3600, 7200}, 6.0, 3600, 100);
  EXPECT_DOUBLE_EQ(q[0][1], 26.0);
  EXPECT_NEAR(q[1][1], 20 + 6 * std::exp(-1.0), 1e-12);
  EXPECT_NEAR(q[2][1], 20 + 6 * std::exp(-2.0), 1e-12);
}

TEST(UltraShort, StaysWithinCapacityAndSorted) {
  std::vector<std::vector<double>> q = {{90, 95, 99}};
  BlendMeasuredError(q, {900}, 50, 3600, 100);
  EXPECT_DOUBLE_EQ(q[0][2], 100);
  EXPECT_LE(q[0][0], q[0][1]);
  std::vector<std::vector<double>> low = {{1, 2, 3}};
  BlendMeasuredError(low, {900}, -50, 3600, 100);
  EXPECT_DOUBLE_EQ(low[0][0], 0);
  EXPECT_EQ(BlendWeight(3600, 0), 0);
}

}  // namespace
}  // namespace seed::kernels
