// QC on a crafted series with one of each defect, and the rules that keep legitimate constant
// values (calm, rated output) from being called stuck.
#include "kernels/qc.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <set>

#include "io/input_error.h"
#include "io/time.h"
#include "kernels/synth_wind.h"

namespace seed::kernels {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr int64_t kStart = 1714492800;  // 2024-05-01T00:00:00+08:00

// Plant curve: 0 MW at 3 m/s rising linearly to 100 MW at 12 m/s, flat to 20 m/s.
PowerCurve LinearCurve() {
  return PowerCurve::FromJson(
      {{"bin_width", 0.5},
       {"bins",
        {{{"centre", 3.0}, {"wind_speed", 3.0}, {"power", 0.0}, {"count", 10}},
         {{"centre", 12.0}, {"wind_speed", 12.0}, {"power", 100.0}, {"count", 10}},
         {{"centre", 20.0}, {"wind_speed", 20.0}, {"power", 100.0}, {"count", 10}}}}});
}

io::Frame Series(size_t rows) {
  std::vector<int64_t> times;
  for (size_t i = 0; i < rows; ++i) times.push_back(kStart + static_cast<int64_t>(i) * io::kQuarterHour);
  io::Frame frame = io::MakeFrame(times, 480);
  frame.source = "measurements.csv";
  return frame;
}

// 48 quarter-hours: wind 7 + 3·sin(t/2), power on the curve, then one defect of each kind.
io::Frame CraftedSeries() {
  io::Frame frame = Series(48);
  const PowerCurve curve = LinearCurve();
  std::vector<double> wind(48), power(48);
  for (size_t t = 0; t < 48; ++t) {
    wind[t] = std::round((7 + 3 * std::sin(0.5 * static_cast<double>(t))) * 1000) / 1000;
    power[t] = std::round(curve.Predict(wind[t]) * 1000) / 1000;
  }
  power[5] = power[6] = kNaN;                                                 // short gap: 30 min
  for (size_t t = 10; t < 16; ++t) power[t] = wind[t] = kNaN;                 // long gap: 90 min
  for (size_t t = 20; t < 28; ++t) wind[t] = 8.123;                           // stuck anemometer: 2 h
  power[32] = 250;                                                            // out-of-range spike
  const double plateau[] = {40.0, 40.3, 39.8, 40.1, 39.9, 40.2, 40.0, 39.7};  // curtailed at 40 MW, 2 h
  for (size_t t = 36; t < 44; ++t) {
    wind[t] = 11 + 0.1 * static_cast<double>(t % 3);
    power[t] = plateau[t - 36];
  }
  frame.Set("power_mw", power);
  frame.Set("wind_speed", wind);
  return frame;
}

TEST(QcTest, CraftedSeriesGetsExactlyTheExpectedFlags) {
  const io::Frame input = CraftedSeries();
  QcOptions options;
  options.capacity_mw = 100;
  options.power_curve = LinearCurve();
  const QcResult result = RunQc(input, options);
  const io::Frame& clean = result.clean;
  ASSERT_EQ(clean.Rows(), 48u);
  const auto& flag = clean.Column("qc_flag");
  std::vector<int> expected(48, 0);
  expected[5] = expected[6] = kQcInterpolated;
  for (size_t t = 10; t < 16; ++t) expected[t] = kQcLongGap;
  for (size_t t = 20; t < 28; ++t)
    expected[t] = kQcStuck | kQcLongGap;           // removed, and 2 h is too long to fill
  expected[32] = kQcOutOfRange | kQcInterpolated;  // removed, then filled
  for (size_t t = 36; t < 44; ++t) expected[t] = kQcCurtailed;
  for (size_t t = 0; t < 48; ++t) EXPECT_EQ(static_cast<int>(flag[t]), expected[t]) << "row " << t;

  const auto& power = clean.Column("power_mw");
  const auto& in_power = input.Column("power_mw");
  EXPECT_NEAR(power[5], in_power[4] + (in_power[7] - in_power[4]) / 3, 1e-12);
  EXPECT_NEAR(power[6], in_power[4] + 2 * (in_power[7] - in_power[4]) / 3, 1e-12);
  EXPECT_NEAR(power[32], (in_power[31] + in_power[33]) / 2, 1e-12);
  EXPECT_TRUE(std::isnan(power[12]));
  EXPECT_TRUE(std::isnan(clean.Column("wind_speed")[24]));
  EXPECT_EQ(power[40], 39.9);  // curtailed values are kept

  EXPECT_EQ(result.interpolated, 3);
  EXPECT_EQ(result.long_gap, 14);
  EXPECT_EQ(result.stuck, 8);
  EXPECT_EQ(result.out_of_range, 1);
  EXPECT_EQ(result.curtailed, 8);
  EXPECT_DOUBLE_EQ(result.kept_fraction, 25.0 / 48.0);
  EXPECT_EQ(result.report["rows_flagged"]["curtailed"], 8);
  EXPECT_EQ(result.report["columns"]["wind_speed"]["stuck"], 8);
  EXPECT_EQ(result.report["columns"]["power_mw"]["out_of_range"], 1);
  EXPECT_EQ(result.report["first_time"], "2024-05-01T00:00:00+08:00");
  const auto& curtailed = result.report["intervals"]["curtailed"]["list"];
  ASSERT_EQ(curtailed.size(), 1u);
  EXPECT_EQ(curtailed[0]["from"], "2024-05-01T09:00:00+08:00");
  EXPECT_EQ(curtailed[0]["to"], "2024-05-01T11:00:00+08:00");
  EXPECT_EQ(result.report["power_curve"]["source"], "given");
}

TEST(QcTest, CalmZeroPowerAndRatedPowerAreNotStuck) {
  io::Frame frame = Series(40);
  std::vector<double> wind(40), power(40);
  for (size_t t = 0; t < 40; ++t) {
    if (t < 20) {
      wind[t] = 1.0 + 0.1 * static_cast<double>(t % 5);  // calm: the plant sits at exactly 0 for 5 h
      power[t] = 0;
    } else {
      wind[t] = 15.0 + 0.2 * static_cast<double>(t % 4);  // strong wind: exactly rated for 5 h
      power[t] = 100;
    }
  }
  frame.Set("power_mw", power);
  frame.Set("wind_speed", wind);
  QcOptions options;
  options.capacity_mw = 100;
  options.power_curve = LinearCurve();
  const QcResult result = RunQc(frame, options);
  for (double f : result.clean.Column("qc_flag")) EXPECT_EQ(f, 0);
}

TEST(QcTest, ZeroPowerInStrongWindIsCurtailmentAndFrozenPowerIsStuck) {
  io::Frame frame = Series(24);
  std::vector<double> wind(24), power(24);
  for (size_t t = 0; t < 24; ++t) {
    wind[t] = 10.0 + 0.3 * static_cast<double>(t % 3);
    power[t] = t < 12 ? 0.0 : 55.5;  // 3 h at 0 MW with ~78 MW expected, then 3 h frozen at 55.5
  }
  frame.Set("power_mw", power);
  frame.Set("wind_speed", wind);
  QcOptions options;
  options.capacity_mw = 100;
  options.power_curve = LinearCurve();
  const QcResult result = RunQc(frame, options);
  const auto& flag = result.clean.Column("qc_flag");
  for (size_t t = 0; t < 12; ++t) EXPECT_EQ(flag[t], kQcCurtailed) << t;
  for (size_t t = 12; t < 24; ++t) EXPECT_EQ(flag[t], kQcStuck | kQcLongGap) << t;
}

TEST(QcTest, AlignAveragesSubQuarterSamplesAndSnapsJitteredStamps) {
  // 5-min samples at :00 :05 :10 :15 and a stamp 2 s early for :30.
  io::Frame frame = io::MakeFrame({kStart, kStart + 300, kStart + 600, kStart + 900, kStart + 1798}, 480);
  frame.Set("power_mw", {1, 2, 3, 4, 7});
  frame.Set("wind_dir", {350, 10, 20, 30, 90});
  const io::Frame aligned = AlignToQuarterHour(frame);
  ASSERT_EQ(aligned.Rows(), 3u);
  EXPECT_EQ(aligned.time[0], kStart);
  EXPECT_EQ(aligned.time[2], kStart + 1800);
  // Window [q − 7.5, q + 7.5): :00 and :05 go to :00; :10 and :15 go to :15.
  EXPECT_DOUBLE_EQ(aligned.Column("power_mw")[0], 1.5);
  EXPECT_DOUBLE_EQ(aligned.Column("power_mw")[1], 3.5);
  EXPECT_DOUBLE_EQ(aligned.Column("power_mw")[2], 7.0);
  EXPECT_NEAR(aligned.Column("wind_dir")[0], 0.0, 1e-9);  // circular mean of 350 and 10
  EXPECT_NEAR(aligned.Column("wind_dir")[1], 25.0, 1e-9);
}

TEST(QcTest, DirectionGapsAreInterpolatedTheShortWayRound) {
  io::Frame frame = Series(3);
  frame.Set("power_mw", {1, 2, 3});
  frame.Set("wind_dir", {350, kNaN, 10});
  QcOptions options;
  options.capacity_mw = 100;
  const QcResult result = RunQc(frame, options);
  EXPECT_NEAR(result.clean.Column("wind_dir")[1], 0.0, 1e-9);
}

TEST(QcTest, WrongCapacityIsAnInputErrorNamingTheLine) {
  io::Frame frame = Series(10);
  frame.Set("power_mw", {0, 200, 210, 220, 230, 240, 250, 5, 6, 7});
  QcOptions options;
  options.capacity_mw = 100;
  try {
    RunQc(frame, options);
    FAIL() << "expected an InputError";
  } catch (const io::InputError& e) {
    EXPECT_EQ(e.line(), 3);
    EXPECT_NE(std::string(e.what()).find("150%"), std::string::npos);
  }
}

TEST(QcTest, FindsTheCurtailmentOfASyntheticPlantWithAFittedCurve) {
  WindSynthOptions synth;
  synth.days = 120;
  synth.seed = 7;
  const SynthPlant plant = SynthesizeWindPlant(synth);
  QcOptions options;
  options.capacity_mw = synth.capacity_mw;
  const QcResult result = RunQc(plant.measurements, options);
  ASSERT_EQ(result.report["power_curve"]["source"], "fitted");
  // Rows inside the synthetic curtailment events.
  std::set<int64_t> truth;
  for (const auto& event : plant.site["curtailment"]) {
    const int64_t from = io::ParseRfc3339(event["from"].get<std::string>()).unix_seconds;
    const int64_t to = io::ParseRfc3339(event["to"].get<std::string>()).unix_seconds;
    const double limit = event["limit_mw"].get<double>();
    // The rows where the limit actually bound (the wind allowed more).
    for (size_t r = 0; r < plant.measurements.Rows(); ++r) {
      const int64_t t = plant.measurements.time[r];
      const double p = plant.measurements.Column("power_mw")[r];
      if (t >= from && t < to && p >= limit - 0.01 * synth.capacity_mw) truth.insert(t);
    }
  }
  ASSERT_GT(truth.size(), 50u);
  long hit = 0, flagged = 0;
  const auto& flag = result.clean.Column("qc_flag");
  for (size_t r = 0; r < result.clean.Rows(); ++r) {
    if (!(static_cast<int>(flag[r]) & kQcCurtailed)) continue;
    ++flagged;
    hit += truth.count(result.clean.time[r]) ? 1 : 0;
  }
  // Measured on this seed: see the report for the figures; the bounds leave room for tuning.
  EXPECT_GT(flagged, 0);
  std::printf("curtailment: %ld flagged, %ld in events, %zu binding rows; stuck rows %ld\n", flagged, hit,
              truth.size(), result.stuck);
  EXPECT_GE(static_cast<double>(hit) / static_cast<double>(flagged), 0.9) << hit << "/" << flagged;
  EXPECT_GE(static_cast<double>(hit) / static_cast<double>(truth.size()), 0.5) << hit << "/" << truth.size();
  EXPECT_GE(result.report["columns"]["wind_speed"]["stuck"].get<long>(),
            16 * plant.site["defects"]["stuck_wind_speed"].get<long>())
      << plant.site["defects"];  // each synthetic stuck anemometer run is 16 to 40 points
}

}  // namespace
}  // namespace seed::kernels
