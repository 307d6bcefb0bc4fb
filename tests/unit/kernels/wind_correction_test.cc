// NWP wind correction: a known linear bias per direction sector is recovered exactly, the
// fallback hierarchy is honoured, flagged rows are ignored and every NWP row is corrected.
#include "kernels/wind_correction.h"

#include <gtest/gtest.h>

#include <cmath>

#include "io/input_error.h"
#include "io/time.h"

namespace seed::kernels {
namespace {

constexpr int64_t kStart = 1714492800;  // 2024-05-01T00:00:00+08:00

// 600 fit rows (NWP and measurements) plus 96 future NWP rows. Directions alternate between north
// (sector 0) and south (sector 4 of 8); the truth is 0.5 + 0.8·f from the north and −1 + 1.2·f from
// the south.
struct Case {
  io::Frame nwp;
  io::Frame measurements;
};

Case MakeCase() {
  const size_t fit = 600, total = 696;
  std::vector<int64_t> times;
  for (size_t i = 0; i < total; ++i) times.push_back(kStart + static_cast<int64_t>(i) * io::kQuarterHour);
  Case c{io::MakeFrame(times, 480), io::MakeFrame({times.begin(), times.begin() + fit}, 480)};
  std::vector<double> ws(total), wd(total), measured(fit), flag(fit, 0);
  for (size_t i = 0; i < total; ++i) {
    ws[i] = 2 + std::fmod(static_cast<double>(i) * 0.37, 12.0);
    wd[i] = i % 2 == 0 ? 350 + static_cast<double>(i % 7) : 175 + static_cast<double>(i % 9);
    if (i < fit) measured[i] = i % 2 == 0 ? 0.5 + 0.8 * ws[i] : -1 + 1.2 * ws[i];
  }
  for (size_t i = 0; i < fit; i += 50) {
    measured[i] = 99;  // garbage the QC flagged: must not be fitted
    flag[i] = 4;
  }
  c.nwp.source = "nwp.csv";
  c.nwp.Set("ec_ws", ws);
  c.nwp.Set("ec_wd", wd);
  c.measurements.source = "clean.csv";
  c.measurements.Set("wind_speed", measured);
  c.measurements.Set("qc_flag", flag);
  return c;
}

TEST(WindCorrectionTest, RecoversAKnownLinearBiasPerSector) {
  const Case c = MakeCase();
  const WindCorrection model = FitWindCorrection(c.nwp, c.measurements, {.sectors = 8, .min_samples = 50});
  ASSERT_EQ(model.sources.size(), 1u);
  const SourceCorrection& ec = model.sources[0];
  EXPECT_EQ(ec.fit_rows, 588);  // 600 minus the 12 flagged rows
  EXPECT_NEAR(ec.sector[0].intercept, 0.5, 1e-9);
  EXPECT_NEAR(ec.sector[0].slope, 0.8, 1e-9);
  EXPECT_NEAR(ec.sector[4].intercept, -1.0, 1e-9);
  EXPECT_NEAR(ec.sector[4].slope, 1.2, 1e-9);
  EXPECT_EQ(ec.sector[2].samples, 0);
  // About 290 rows per sector over 24 hours: about 12 per (sector, hour), below 50: the sector level is used.
  EXPECT_EQ(ec.used_sector, 588);
  EXPECT_EQ(ec.used_sector_hour, 0);
  EXPECT_NEAR(ec.rmse_after, 0.0, 1e-9);
  EXPECT_GT(ec.rmse_before, 0.3);

  const io::Frame corrected = ApplyWindCorrection(c.nwp, model);
  const auto& ws = c.nwp.Column("ec_ws");
  const auto& out = corrected.Column("ec_ws");
  for (size_t i : {1u, 2u, 650u, 695u}) {  // fit rows and future rows alike
    const double expected = i % 2 == 0 ? 0.5 + 0.8 * ws[i] : -1 + 1.2 * ws[i];
    EXPECT_NEAR(out[i], expected, 1e-9) << i;
  }
  EXPECT_EQ(corrected.Column("ec_wd"), c.nwp.Column("ec_wd"));
}

TEST(WindCorrectionTest, SectorHourGroupsAreUsedWhenTheyHaveEnoughRows) {
  const Case c = MakeCase();
  const WindCorrection model = FitWindCorrection(c.nwp, c.measurements, {.sectors = 8, .min_samples = 5});
  EXPECT_EQ(model.sources[0].used_sector_hour, 588);
  const LinearMap& m = model.MapFor(model.sources[0], 355, 3);
  EXPECT_NEAR(m.slope, 0.8, 1e-9);
  EXPECT_GE(m.samples, 5);
}

TEST(WindCorrectionTest, FallsBackToTheGlobalFit) {
  const Case c = MakeCase();
  const WindCorrection model = FitWindCorrection(c.nwp, c.measurements, {.sectors = 8, .min_samples = 1000});
  const SourceCorrection& ec = model.sources[0];
  EXPECT_EQ(ec.used_global, 588);
  EXPECT_EQ(&model.MapFor(ec, 0, 0), &ec.global);
  EXPECT_EQ(ec.global.samples, 588);
  EXPECT_GT(ec.rmse_after, 0.1);  // one line cannot fit two sectors
}

TEST(WindCorrectionTest, SectorBoundaries) {
  WindCorrection model;
  model.sectors = 8;
  EXPECT_EQ(model.Sector(0), 0);
  EXPECT_EQ(model.Sector(22.49), 0);
  EXPECT_EQ(model.Sector(22.5), 1);
  EXPECT_EQ(model.Sector(337.5), 0);
  EXPECT_EQ(model.Sector(180), 4);
  EXPECT_EQ(model.Sector(359.99), 0);
}

TEST(WindCorrectionTest, FitLineGuardsDegenerateInput) {
  const LinearMap flat = FitLine({5, 5, 5, 5}, {6, 6, 7, 7});
  EXPECT_DOUBLE_EQ(flat.slope, 1.0);
  EXPECT_DOUBLE_EQ(flat.intercept, 1.5);
  const LinearMap steep = FitLine({1, 2, 3, 4}, {0, 10, 20, 30});
  EXPECT_DOUBLE_EQ(steep.slope, 3.0);  // clamped
}

TEST(WindCorrectionTest, NoOverlapOrNoSourceIsAnInputError) {
  Case c = MakeCase();
  for (auto& t : c.measurements.time) t += 100 * io::kDay;
  EXPECT_THROW(FitWindCorrection(c.nwp, c.measurements, {}), io::InputError);
  io::Frame no_source = io::MakeFrame({kStart}, 0);
  no_source.Set("temperature", {1});
  EXPECT_THROW(FitWindCorrection(no_source, c.measurements, {}), io::InputError);
}

}  // namespace
}  // namespace seed::kernels
