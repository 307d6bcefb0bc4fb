// Turbines to station: sums, fills from reporting turbines, and missing below the threshold.
#include "kernels/aggregate.h"

#include <gtest/gtest.h>

#include <cmath>
#include <stdexcept>

#include "io/input_error.h"

namespace seed::kernels {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

io::Frame Turbines() {
  io::Frame frame = io::MakeFrame({0, 900, 1800, 2700}, 480);
  frame.source = "turbines.csv";
  frame.Set("wt1_mw", {1.0, 1.0, kNaN, kNaN});
  frame.Set("wt2_mw", {2.0, 2.0, 2.0, kNaN});
  frame.Set("wt3_mw", {1.5, 1.5, 1.5, kNaN});
  frame.Set("wt4_mw", {0.5, kNaN, 0.5, 1.0});
  frame.Set("wt5_mw", {1.0, 1.0, 1.0, kNaN});
  frame.Set("temperature_c", {5, 5, 5, 5});  // not a turbine column
  return frame;
}

TEST(AggregateTest, SumsAndFillsMissingTurbinesFromTheOthers) {
  const AggregateResult result =
      AggregateTurbines(Turbines(), {.capacity_per_turbine = 2.5, .min_available = 0.8});
  EXPECT_EQ(result.turbines, 5);
  const auto& power = result.station.Column("power_mw");
  EXPECT_DOUBLE_EQ(power[0], 6.0);          // all five report
  EXPECT_DOUBLE_EQ(power[1], 5.5 * 5 / 4);  // 4 of 5 = 0.8: wt4 filled with the mean of the others
  EXPECT_DOUBLE_EQ(power[2], 5.0 * 5 / 4);
  EXPECT_TRUE(std::isnan(power[3]));  // 1 of 5 reports: too few
  EXPECT_EQ(result.filled_points, 2);
  EXPECT_EQ(result.missing_rows, 1);
  EXPECT_EQ(result.station.Column("reporting"), (std::vector<double>{5, 4, 4, 1}));
  EXPECT_EQ(result.station.Column("available_mw"), (std::vector<double>{12.5, 10, 10, 2.5}));
  EXPECT_EQ(result.station.utc_offset_minutes, 480);
}

TEST(AggregateTest, WithoutCapacityThereIsNoAvailableColumnAndAStricterThresholdDrops) {
  const AggregateResult result = AggregateTurbines(Turbines(), {.min_available = 1.0});
  EXPECT_FALSE(result.station.Has("available_mw"));
  EXPECT_EQ(result.missing_rows, 3);
  EXPECT_EQ(result.filled_points, 0);
}

TEST(AggregateTest, TurbineColumnNames) {
  io::Frame frame = io::MakeFrame({0}, 0);
  for (const char* name : {"wt01_mw", "wtA-7_mw", "wt_mw", "xwt1_mw", "wt1_kw", "wt2_mw"})
    frame.Set(name, {1});
  EXPECT_EQ(TurbineColumns(frame), (std::vector<std::string>{"wt01_mw", "wtA-7_mw", "wt2_mw"}));
}

TEST(AggregateTest, NoTurbineColumnsOrBadOptions) {
  io::Frame frame = io::MakeFrame({0}, 0);
  frame.source = "station.csv";
  frame.Set("power_mw", {1});
  try {
    AggregateTurbines(frame, {});
    FAIL();
  } catch (const io::InputError& e) {
    EXPECT_EQ(e.line(), 1);
    EXPECT_NE(std::string(e.what()).find("wt<id>_mw"), std::string::npos);
  }
  EXPECT_THROW(AggregateTurbines(Turbines(), {.min_available = 0}), std::invalid_argument);
  EXPECT_THROW(AggregateTurbines(Turbines(), {.capacity_per_turbine = -1}), std::invalid_argument);
}

}  // namespace
}  // namespace seed::kernels
