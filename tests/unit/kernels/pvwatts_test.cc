// PVWatts known answers from pvlib's test_pvsystem.py (forecasting notes §4.3), and the chain of the
// physical model on simple cases whose answers follow from the formulas.
#include "kernels/pvwatts.h"

#include <gtest/gtest.h>

#include <cmath>

#include "kernels/irradiance.h"
#include "kernels/solar_model.h"

namespace seed::kernels {
namespace {

TEST(PvwattsDc, PvlibValue) { EXPECT_NEAR(PvwattsDc(900, 30, 100, -0.003), 88.65, 1e-12); }

TEST(PvwattsAc, PvlibValues) {
  EXPECT_NEAR(PvwattsAc(90, 100, 0.95), 85.58556604752516, 1e-10);
  EXPECT_NEAR(PvwattsAc(50, 100, 0.95), 47.60843624, 1e-8);
  EXPECT_NEAR(PvwattsAc(100, 100, 0.95), 95.0, 1e-12);  // clipped at eta_nom * pdc0
  EXPECT_EQ(PvwattsAc(0.001, 1), 0.0);                   // negative efficiency is clipped (pvlib GH 541)
  EXPECT_EQ(PvwattsAc(0, 1), 0.0);
}

TEST(CellTemperatureSapm, OpenRackGlassCell) {
  // 1000 W/m2, 25 degC air, 1 m/s: module = 1000 exp(-3.56 - 0.075) + 25, cell = module + 3.
  EXPECT_NEAR(CellTemperatureSapm(1000, 25, 1), 1000 * std::exp(-3.635) + 25 + 3, 1e-12);
  EXPECT_NEAR(CellTemperatureSapm(0, 12, 3), 12.0, 1e-12);
}

TEST(Erbs, ThreeRegimes) {
  // kt = ghi / (dni_extra cos z) with z = 0: 0.1, 0.5, 0.9 of 1000.
  Decomposition low = DecomposeErbs(100, 0, 1000);
  EXPECT_NEAR(low.kt, 0.1, 1e-12);
  EXPECT_NEAR(low.dhi, 100 * (1 - 0.009), 1e-9);
  Decomposition mid = DecomposeErbs(500, 0, 1000);
  const double kd = 0.9511 - 0.1604 * 0.5 + 4.388 * 0.25 - 16.638 * 0.125 + 12.336 * 0.0625;
  EXPECT_NEAR(mid.dhi, 500 * kd, 1e-9);
  EXPECT_NEAR(mid.dni, 500 * (1 - kd), 1e-9);
  Decomposition high = DecomposeErbs(900, 0, 1000);
  EXPECT_NEAR(high.dhi, 900 * 0.165, 1e-9);
  EXPECT_EQ(DecomposeErbs(50, 88, 1000).dni, 0.0);  // beyond 87 degrees
}

TEST(PlaneOfArray, HorizontalPlaneSeesGhi) {
  // A flat plane: beam DNI cos z + all of DHI, no ground view, for both sky models.
  const double z = 30, dni = 800, dhi = 100, ghi = dni * std::cos(z * M_PI / 180) + dhi;
  for (SkyModel m : {SkyModel::kIsotropic, SkyModel::kHayDavies}) {
    const PlaneOfArray poa = PlaneOfArrayIrradiance(m, 0, 180, z, 180, dni, ghi, dhi, 1367, 0.2);
    EXPECT_NEAR(poa.global, ghi, 1e-9);
  }
}

TEST(PlaneOfArray, IsotropicAndHayDaviesTilted) {
  // Sun due south at z = 40 on a south-facing 40 degree plane: aoi = 0.
  const double dni = 700, dhi = 150, ghi = 700 * std::cos(40 * M_PI / 180) + 150, ext = 1400;
  const double cos_t = std::cos(40 * M_PI / 180);
  const PlaneOfArray iso = PlaneOfArrayIrradiance(SkyModel::kIsotropic, 40, 180, 40, 180, dni, ghi, dhi, ext, 0.2);
  EXPECT_NEAR(iso.beam, 700, 1e-9);
  EXPECT_NEAR(iso.sky_diffuse, 150 * (1 + cos_t) / 2, 1e-9);
  EXPECT_NEAR(iso.ground_diffuse, ghi * 0.2 * (1 - cos_t) / 2, 1e-9);
  const PlaneOfArray hd = PlaneOfArrayIrradiance(SkyModel::kHayDavies, 40, 180, 40, 180, dni, ghi, dhi, ext, 0.2);
  const double a = 700.0 / 1400.0, rb = 1.0 / std::cos(40 * M_PI / 180);
  EXPECT_NEAR(hd.sky_diffuse, 150 * (a * rb + (1 - a) * (1 + cos_t) / 2), 1e-9);
}

TEST(SolarModel, NightGivesZeroAndClearNoonIsClipped) {
  PvSystem sys;
  sys.latitude = 40;
  sys.longitude = 116;
  sys.tilt = 35;
  sys.dc_capacity = 60;
  sys.ac_capacity = 50;
  SolarWeather night;
  night.unix_seconds = 1561996800;  // 2019-07-01T16:00:00Z = midnight in Beijing
  EXPECT_EQ(RunSolarModel(sys, night).pac, 0.0);
  SolarWeather noon;
  noon.unix_seconds = 1561953600;  // 2019-07-01T04:00:00Z, near solar noon at 116 E
  noon.ghi = 1000;
  noon.air_temp_c = 10;
  const SolarModelOutput out = RunSolarModel(sys, noon);
  EXPECT_GT(out.sun.apparent_elevation, 70);
  EXPECT_GT(out.poa_global, 900);
  EXPECT_LE(out.pac, 50.0 + 1e-12);
  EXPECT_GT(out.pac, 40.0);
}

TEST(SolarModel, MeasuredPlaneOfArrayUsedAsIs) {
  PvSystem sys;
  sys.dc_capacity = 1;
  sys.ac_capacity = 10;  // no clipping
  sys.losses = 0;
  SolarWeather w;
  w.unix_seconds = 0;
  w.poa = 1000;
  w.air_temp_c = 25 - 1000 * std::exp(-3.635) - 3;  // makes the cell exactly 25 degC
  w.wind_speed = 1;
  const SolarModelOutput out = RunSolarModel(sys, w);
  EXPECT_NEAR(out.cell_temp_c, 25, 1e-9);
  EXPECT_NEAR(out.pdc, 1.0, 1e-9);
  EXPECT_NEAR(out.pac, PvwattsAc(1.0, 10 / 0.96), 1e-12);
}

}  // namespace
}  // namespace seed::kernels
