// The synthetic PV plant: shape, reproducibility, physical plausibility, and that the physical model
// recovers its power from its own measured weather.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <stdexcept>

#include "kernels/solar_model.h"
#include "kernels/synth_solar.h"

namespace seed::kernels {
namespace {

SolarSynthOptions Summer() {
  SolarSynthOptions o;
  o.start = 1717171200;  // 2024-06-01T00:00:00+08:00
  o.days = 30;
  o.seed = 7;
  return o;
}

bool SameValues(const std::vector<double>& a, const std::vector<double>& b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (std::isnan(a[i]) != std::isnan(b[i]) || (!std::isnan(a[i]) && a[i] != b[i])) return false;
  }
  return true;
}

TEST(SynthesizeSolarPlant, ShapeAndColumns) {
  const SynthPlant p = SynthesizeSolarPlant(Summer());
  ASSERT_EQ(p.measurements.Rows(), 30u * 96);
  EXPECT_EQ(p.measurements.time[0], 1717171200);
  EXPECT_EQ(p.measurements.time[1] - p.measurements.time[0], 900);
  EXPECT_EQ(p.measurements.utc_offset_minutes, 480);
  for (const char* c : {"power_mw", "ghi", "dni", "dhi", "temperature_c", "available_mw"}) {
    EXPECT_TRUE(p.measurements.Has(c)) << c;
  }
  for (const char* c : {"ec_ghi", "ec_t2m", "gfs_ghi", "gfs_t2m"}) EXPECT_TRUE(p.nwp.Has(c)) << c;
  EXPECT_EQ(p.nwp.Rows(), p.measurements.Rows());
  EXPECT_EQ(p.turbines.Rows(), 0u);
  EXPECT_EQ(p.site["kind"], "solar");
  EXPECT_EQ(p.site["capacity_mw"], 50.0);
}

TEST(SynthesizeSolarPlant, SameSeedSameValuesOtherSeedOtherValues) {
  const SynthPlant a = SynthesizeSolarPlant(Summer());
  const SynthPlant b = SynthesizeSolarPlant(Summer());
  for (size_t c = 0; c < a.measurements.columns.size(); ++c) {
    EXPECT_TRUE(SameValues(a.measurements.columns[c], b.measurements.columns[c])) << a.measurements.names[c];
  }
  EXPECT_TRUE(SameValues(a.nwp.Column("ec_ghi"), b.nwp.Column("ec_ghi")));
  SolarSynthOptions other = Summer();
  other.seed = 8;
  EXPECT_FALSE(SameValues(a.measurements.Column("power_mw"), SynthesizeSolarPlant(other).measurements.Column("power_mw")));
}

TEST(SynthesizeSolarPlant, PowerIsPhysical) {
  const SynthPlant p = SynthesizeSolarPlant(Summer());
  const auto& power = p.measurements.Column("power_mw");
  const auto& ghi = p.measurements.Column("ghi");
  const auto& avail = p.measurements.Column("available_mw");
  double max_power = 0, max_ghi = 0;
  size_t night = 0;
  for (size_t i = 0; i < power.size(); ++i) {
    if (std::isnan(power[i])) continue;
    EXPECT_LE(power[i], avail[i] + 1e-9);
    EXPECT_GE(power[i], -0.05 - 1e-9);
    if (ghi[i] == 0) {
      ++night;
      EXPECT_LT(power[i], 0.0);  // auxiliary consumption at night
    }
    max_power = std::max(max_power, power[i]);
    max_ghi = std::max(max_ghi, ghi[i]);
  }
  EXPECT_GT(night, 30u * 30);           // June nights at 38.5 N: about 9 hours
  EXPECT_GT(max_power, 0.85 * 50);      // hot June cells keep a 1.2 DC/AC plant just under its rating
  EXPECT_GT(max_ghi, 900.0);
  EXPECT_LT(max_ghi, 1300.0);
}

TEST(SynthesizeSolarPlant, InverterClipsAnOversizedArray) {
  SolarSynthOptions o = Summer();
  o.dc_ac_ratio = 1.6;
  o.defects = false;
  const SynthPlant plant = SynthesizeSolarPlant(o);
  const auto& power = plant.measurements.Column("power_mw");
  size_t at_limit = 0;
  for (double v : power) {
    EXPECT_LE(v, 50.0);
    if (v >= 49.99) ++at_limit;
  }
  EXPECT_GT(at_limit, 20u);
}

TEST(SynthesizeSolarPlant, PhysicalModelRecoversPowerFromMeasuredWeather) {
  const SolarSynthOptions o = Summer();
  const SynthPlant p = SynthesizeSolarPlant(o);
  PvSystem sys;
  sys.latitude = o.latitude;
  sys.longitude = o.longitude;
  sys.altitude_m = o.altitude;
  sys.tilt = o.tilt;
  sys.azimuth = o.azimuth;
  sys.dc_capacity = o.capacity_mw * o.dc_ac_ratio;
  sys.ac_capacity = o.capacity_mw;
  const auto& m = p.measurements;
  double abs_err = 0;
  size_t count = 0;
  for (size_t i = 0; i < m.Rows(); ++i) {
    if (std::isnan(m.Column("power_mw")[i]) || m.Column("available_mw")[i] < o.capacity_mw) continue;
    SolarWeather w;
    w.unix_seconds = m.time[i];
    w.ghi = m.Column("ghi")[i];
    w.dni = m.Column("dni")[i];
    w.dhi = m.Column("dhi")[i];
    w.air_temp_c = m.Column("temperature_c")[i];
    w.wind_speed = 2;
    abs_err += std::abs(RunSolarModel(sys, w).pac - std::max(m.Column("power_mw")[i], 0.0));
    ++count;
  }
  ASSERT_GT(count, 1000u);
  EXPECT_LT(abs_err / count / o.capacity_mw, 0.01);  // sensor noise only
}

TEST(SynthesizeSolarPlant, NwpIsBiasedAndNoisyButInformative) {
  const SynthPlant p = SynthesizeSolarPlant(Summer());
  const auto& g = p.measurements.Column("ghi");
  const auto& f = p.nwp.Column("ec_ghi");
  double sxy = 0, sxx = 0, syy = 0, mx = 0, my = 0;
  size_t n = 0, differ = 0;
  for (size_t i = 0; i < g.size(); ++i) {
    if (std::isnan(g[i])) continue;
    mx += g[i];
    my += f[i];
    ++n;
    if (std::abs(g[i] - f[i]) > 20) ++differ;
  }
  mx /= n;
  my /= n;
  for (size_t i = 0; i < g.size(); ++i) {
    if (std::isnan(g[i])) continue;
    sxy += (g[i] - mx) * (f[i] - my);
    sxx += (g[i] - mx) * (g[i] - mx);
    syy += (f[i] - my) * (f[i] - my);
  }
  const double r = sxy / std::sqrt(sxx * syy);
  EXPECT_GT(r, 0.7);
  EXPECT_LT(r, 0.995);
  EXPECT_GT(differ, n / 5);
}

TEST(SynthesizeSolarPlant, RejectsBadOptions) {
  SolarSynthOptions o = Summer();
  o.days = 0;
  EXPECT_THROW(SynthesizeSolarPlant(o), std::invalid_argument);
  o = Summer();
  o.capacity_mw = 0;
  EXPECT_THROW(SynthesizeSolarPlant(o), std::invalid_argument);
  o = Summer();
  o.latitude = 80;
  EXPECT_THROW(SynthesizeSolarPlant(o), std::invalid_argument);
  o = Summer();
  o.nwp_sources = {"EC"};
  EXPECT_THROW(SynthesizeSolarPlant(o), std::invalid_argument);
}

}  // namespace
}  // namespace seed::kernels
