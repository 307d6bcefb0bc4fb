// The synthetic wind plant: reproducible, in the documented shapes, and physically plausible.
#include "kernels/synth_wind.h"

#include <gtest/gtest.h>

#include <cmath>
#include <stdexcept>

#include "io/csv.h"

namespace seed::kernels {
namespace {

double Mean(const std::vector<double>& v) {
  double sum = 0;
  long n = 0;
  for (double x : v) {
    if (!std::isnan(x)) sum += x, ++n;
  }
  return sum / static_cast<double>(n);
}

TEST(SynthWindTest, SameSeedSameBytesOtherSeedOtherData) {
  WindSynthOptions options;
  options.days = 3;
  options.turbines = 5;
  options.capacity_mw = 10;
  const SynthPlant a = SynthesizeWindPlant(options);
  const SynthPlant b = SynthesizeWindPlant(options);
  EXPECT_EQ(io::FormatCsv(a.measurements), io::FormatCsv(b.measurements));
  EXPECT_EQ(io::FormatCsv(a.nwp), io::FormatCsv(b.nwp));
  EXPECT_EQ(io::FormatCsv(a.turbines), io::FormatCsv(b.turbines));
  EXPECT_EQ(a.site, b.site);
  options.seed = 43;
  EXPECT_NE(io::FormatCsv(SynthesizeWindPlant(options).measurements), io::FormatCsv(a.measurements));
}

TEST(SynthWindTest, ColumnsAndShapes) {
  WindSynthOptions options;
  options.days = 2;
  options.turbines = 4;
  options.nwp_sources = {"ec", "gfs"};
  const SynthPlant plant = SynthesizeWindPlant(options);
  EXPECT_EQ(plant.measurements.Rows(), 192u);
  EXPECT_EQ(plant.measurements.names,
            (std::vector<std::string>{"power_mw", "wind_speed", "wind_dir", "temperature_c", "pressure_hpa",
                                      "available_mw"}));
  EXPECT_EQ(plant.nwp.names,
            (std::vector<std::string>{"ec_ws", "ec_wd", "ec_t2m", "gfs_ws", "gfs_wd", "gfs_t2m"}));
  EXPECT_EQ(plant.turbines.names, (std::vector<std::string>{"wt1_mw", "wt2_mw", "wt3_mw", "wt4_mw"}));
  EXPECT_EQ(plant.measurements.time[1] - plant.measurements.time[0], 900);
  EXPECT_EQ(plant.measurements.utc_offset_minutes, 480);
  EXPECT_EQ(plant.site["kind"], "wind");
  EXPECT_EQ(plant.site["start"], "2024-01-01T00:00:00+08:00");
}

TEST(SynthWindTest, AYearLooksLikeAWindPlant) {
  WindSynthOptions options;  // 365 days, 100 MW, 40 turbines, 1400 m
  const SynthPlant plant = SynthesizeWindPlant(options);
  const auto& power = plant.measurements.Column("power_mw");
  const auto& wind = plant.measurements.Column("wind_speed");
  const double mean_wind = Mean(wind);
  EXPECT_GT(mean_wind, 6.5);  // Weibull k = 2, c ≈ 8 with a diurnal cycle: mean ≈ 7.1
  EXPECT_LT(mean_wind, 8.0);
  const double capacity_factor = Mean(power) / options.capacity_mw;
  EXPECT_GT(capacity_factor, 0.2);
  EXPECT_LT(capacity_factor, 0.45);
  for (double p : power) {
    if (!std::isnan(p)) EXPECT_LE(p, options.capacity_mw);
  }
  EXPECT_GT(plant.site["curtailment"].size(), 10u);
  EXPECT_GT(plant.site["outage_turbine_days"].get<long>(), 0);
  EXPECT_GT(plant.site["defects"]["long_gaps"].get<int>(), 0);
  // At 1400 m the air is thin: mean density about 1.08 kg/m³ (from the site's temperature and pressure).
  const double mean_pressure = Mean(plant.measurements.Column("pressure_hpa"));
  EXPECT_GT(mean_pressure, 840);
  EXPECT_LT(mean_pressure, 870);
  // The NWP sources carry their documented biases: ec reads low, gfs high.
  EXPECT_LT(Mean(plant.nwp.Column("ec_ws")), Mean(plant.nwp.Column("gfs_ws")));
  // The turbines' sum is the station before the 3 % collection loss (and curtailment, equally applied).
  double turbines = 0, station = 0;
  for (size_t r = 0; r < plant.turbines.Rows(); ++r) {
    double sum = 0;
    bool complete = !std::isnan(power[r]);
    for (const auto& c : plant.turbines.columns) {
      complete = complete && !std::isnan(c[r]);
      sum += c[r];
    }
    if (complete) {
      turbines += sum;
      station += power[r];
    }
  }
  EXPECT_NEAR(station / turbines, 0.97, 0.002);
}

TEST(SynthWindTest, PowerCurveAndBadOptions) {
  EXPECT_EQ(SynthTurbinePowerFraction(2.9), 0.0);
  EXPECT_EQ(SynthTurbinePowerFraction(3.0), 0.0);
  EXPECT_NEAR(SynthTurbinePowerFraction(8.25), (0.407 + 0.485) / 2, 1e-12);
  EXPECT_EQ(SynthTurbinePowerFraction(12.0), 1.0);
  EXPECT_EQ(SynthTurbinePowerFraction(24.9), 1.0);
  EXPECT_EQ(SynthTurbinePowerFraction(25.0), 0.0);
  WindSynthOptions options;
  options.days = 0;
  EXPECT_THROW(SynthesizeWindPlant(options), std::invalid_argument);
  options.days = 1;
  options.capacity_mw = -5;
  EXPECT_THROW(SynthesizeWindPlant(options), std::invalid_argument);
  options.capacity_mw = 5;
  options.nwp_sources = {"EC"};
  EXPECT_THROW(SynthesizeWindPlant(options), std::invalid_argument);
}

}  // namespace
}  // namespace seed::kernels
