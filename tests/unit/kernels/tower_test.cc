// Anemometer-tower statistics: the Weibull maximum-likelihood fit against SciPy, the shear
// exponent, turbulence bins and IEC categories by hand, the wind rose, and the whole set on a
// synthetic tower whose statistics were planted.
#include "kernels/tower.h"

#include <gtest/gtest.h>

#include <cmath>

#include "io/input_error.h"
#include "kernels/synth_tower.h"

namespace seed::kernels {
namespace {

TEST(FitWeibullMle, MatchesScipy) {
  const std::vector<double> v = {2.1, 3.4, 5.0, 6.2,  7.7, 4.4, 9.1, 11.3, 3.9, 5.6,
                                 8.2, 6.8, 1.4, 12.7, 7.1, 4.9, 5.3, 10.2, 2.8, 6.0};
  const WeibullFit fit = FitWeibullMle(v);
  // The root of the likelihood equation by scipy.optimize.brentq (xtol 1e-15), SciPy 1.10.1:
  //   g = lambda k: (x**k*log(x)).sum()/(x**k).sum() - 1/k - log(x).mean(); k = brentq(g, 0.1, 50)
  //   c = ((x**k).mean())**(1/k)
  EXPECT_NEAR(fit.k, 2.2542602149480557, 1e-9);
  EXPECT_NEAR(fit.c, 7.017093127581228, 1e-9);
  // scipy.stats.weibull_min.fit(x, floc=0) (a numerical optimiser) agrees to its tolerance.
  EXPECT_NEAR(fit.k, 2.2542629311449436, 1e-4);
  EXPECT_NEAR(fit.c, 7.017060775223494, 1e-4);
  EXPECT_EQ(fit.rows, 20u);
  EXPECT_EQ(fit.zeros_excluded, 0u);
}

TEST(FitWeibullMle, CalmsAndGapsAreLeftOutAndScaleCarriesThrough) {
  std::vector<double> v = {2.1, 3.4, 5.0, 6.2,  7.7, 4.4, 9.1, 11.3, 3.9, 5.6,
                           8.2, 6.8, 1.4, 12.7, 7.1, 4.9, 5.3, 10.2, 2.8, 6.0};
  for (double& x : v) x *= 10;  // c scales, k does not
  v.push_back(0);
  v.push_back(std::nan(""));
  const WeibullFit fit = FitWeibullMle(v);
  EXPECT_NEAR(fit.k, 2.2542602149480557, 1e-9);
  EXPECT_NEAR(fit.c, 70.17093127581228, 1e-8);
  EXPECT_EQ(fit.zeros_excluded, 1u);
  EXPECT_THROW(FitWeibullMle({5.0}), std::invalid_argument);
  EXPECT_THROW(FitWeibullMle({5.0, 5.0, 5.0}), std::invalid_argument);
}

TEST(ShearExponent, PowerLaw) {
  EXPECT_NEAR(ShearExponent(5, 6, 10, 50), std::log(1.2) / std::log(5.0), 1e-15);  // 0.11328
  EXPECT_NEAR(ShearExponent(5, 5 * std::pow(7.0, 1.0 / 7), 10, 70), 1.0 / 7, 1e-12);
  EXPECT_TRUE(std::isnan(ShearExponent(0, 6, 10, 50)));
  EXPECT_TRUE(std::isnan(ShearExponent(5, 6, 10, 10)));
}

TEST(DirectionSector, NorthIsCentredOnZero) {
  EXPECT_EQ(DirectionSector(0, 12), 0);
  EXPECT_EQ(DirectionSector(14.9, 12), 0);
  EXPECT_EQ(DirectionSector(15, 12), 1);
  EXPECT_EQ(DirectionSector(345, 12), 0);
  EXPECT_EQ(DirectionSector(344.9, 12), 11);
  EXPECT_EQ(DirectionSector(360, 12), 0);
  EXPECT_EQ(DirectionSector(-10, 12), 0);
  EXPECT_EQ(DirectionSector(std::nan(""), 12), -1);
}

TEST(TurbulenceBins, RepresentativeTiIsTheNinetyPercentSigma) {
  const std::vector<double> v = {14.8, 15.2, 15.0, 4.6, 0.2};
  const std::vector<double> s = {1.5, 2.0, 2.5, 0.9, 0.1};
  const std::vector<TurbulenceBin> bins = TurbulenceBins(v, s, 1.0);
  ASSERT_EQ(bins.size(), 2u);  // 0.2 m/s is below half a bin: left out
  EXPECT_EQ(bins[0].speed, 5.0);
  EXPECT_EQ(bins[0].rows, 1u);
  EXPECT_EQ(bins[0].sigma_sd, 0.0);
  const TurbulenceBin& b = bins[1];
  EXPECT_EQ(b.speed, 15.0);
  EXPECT_EQ(b.rows, 3u);
  EXPECT_NEAR(b.sigma_mean, 2.0, 1e-12);
  EXPECT_NEAR(b.sigma_sd, 0.5, 1e-12);  // sample standard deviation
  EXPECT_NEAR(b.representative_ti, (2.0 + 1.28 * 0.5) / 15, 1e-12);
  EXPECT_NEAR(b.mean_ti, (1.5 / 14.8 + 2.0 / 15.2 + 2.5 / 15.0) / 3, 1e-12);
}

TEST(IecTurbulenceCategory, EditionThreeLimitsAtFifteen) {
  // I_ref (0.75 + 5.6 / 15): A 0.1797, B 0.1573, C 0.1348.
  EXPECT_EQ(IecTurbulenceCategory(0.13), "C");
  EXPECT_EQ(IecTurbulenceCategory(0.1348), "C");
  EXPECT_EQ(IecTurbulenceCategory(0.15), "B");
  EXPECT_EQ(IecTurbulenceCategory(0.17), "A");
  EXPECT_EQ(IecTurbulenceCategory(0.18), "above A");
}

TEST(WindRose, FrequencyAndMeanSpeedPerSector) {
  const std::vector<double> speed = {4, 6, 8, 10, 3, 5, std::nan("")};
  const std::vector<double> dir = {0, 10, 350, 15, 90, std::nan(""), 0};
  const std::vector<RoseSector> rose = WindRose(speed, dir, 12);
  ASSERT_EQ(rose.size(), 12u);
  EXPECT_EQ(rose[0].rows, 3u);  // 0, 10, 350
  EXPECT_NEAR(rose[0].frequency, 3.0 / 5, 1e-12);
  EXPECT_NEAR(rose[0].mean_speed, 6.0, 1e-12);
  EXPECT_EQ(rose[1].rows, 1u);  // 15 opens sector 1
  EXPECT_EQ(rose[3].rows, 1u);
  EXPECT_EQ(rose[3].centre_deg, 90.0);
  EXPECT_TRUE(std::isnan(rose[6].mean_speed));
}

TEST(TowerStatistics, RecoversWhatTheSyntheticTowerPlanted) {
  TowerSynthOptions options;
  options.start = 1704038400;
  options.days = 365;
  const SynthTower synth = SynthesizeTower(options);
  const nlohmann::json stats = TowerStatistics(synth.tower, {});
  EXPECT_EQ(stats["heights"], nlohmann::json({10.0, 30.0, 50.0, 70.0}));
  // Shear: 10-30, 30-50, 50-70 and 10-70; per sector of the 70 m direction the planted exponent
  // exactly (the power law holds row by row within a sector).
  ASSERT_EQ(stats["shear"].size(), 4u);
  const nlohmann::json& overall = stats["shear"][3];
  EXPECT_EQ(overall["lower"], 10.0);
  EXPECT_EQ(overall["upper"], 70.0);
  EXPECT_EQ(overall["directionHeight"], 70.0);
  const std::vector<double> planted = synth.site["shearBySector"].get<std::vector<double>>();
  size_t checked = 0;
  for (size_t s = 0; s < 12; ++s) {
    const nlohmann::json& sector = overall["bySector"][s];
    if (sector["rows"].get<size_t>() < 20) continue;
    EXPECT_NEAR(sector["alpha"].get<double>(), planted[s], 1e-9) << "sector " << s;
    ++checked;
  }
  EXPECT_GE(checked, 8u);
  const double alpha = overall["alpha"].get<double>();
  EXPECT_GT(alpha, 0.10);
  EXPECT_LT(alpha, 0.25);
  // Weibull at 70 m: the marginal is Weibull(2, 8); a year of autocorrelated rows fits within a few %.
  const nlohmann::json& w70 = stats["weibull"][3];
  EXPECT_NEAR(w70["k"].get<double>(), 2.0, 0.1);
  EXPECT_NEAR(w70["c"].get<double>(), 8.0, 0.25);
  // Turbulence: the representative TI at 15 m/s is I_ref (0.75 + 5.6 / 15) = 0.146 for I_ref 0.13.
  const nlohmann::json& ti70 = stats["turbulence"][3];
  EXPECT_GE(ti70["rows15"].get<size_t>(), 100u);
  EXPECT_NEAR(ti70["representativeTi15"].get<double>(), 0.13 * (0.75 + 5.6 / 15), 0.006);
  EXPECT_EQ(ti70["iecCategory"], "B");
  // Wind rose at 10 and 70 m; frequencies sum to one; the prevailing sector is the north-west.
  ASSERT_EQ(stats["windRose"].size(), 2u);
  double total = 0, best = 0;
  size_t prevailing = 0;
  for (size_t s = 0; s < 12; ++s) {
    const double f = stats["windRose"][1]["sectors"][s]["frequency"].get<double>();
    total += f;
    if (f > best) best = f, prevailing = s;
  }
  EXPECT_NEAR(total, 1.0, 1e-12);
  EXPECT_TRUE(prevailing == 10 || prevailing == 11) << prevailing;
}

TEST(TowerStatistics, ASchemaWithoutSpeedsIsAClearError) {
  io::Frame f = io::MakeFrame({0, 900}, 0);
  f.source = "tower.csv";
  f.Set("wind", {1, 2});
  try {
    TowerStatistics(f, {});
    FAIL();
  } catch (const io::InputError& e) {
    EXPECT_NE(std::string(e.what()).find("ws_<height>m"), std::string::npos) << e.what();
  }
  f.Set("ws_sd_70m", {1, 2});
  try {
    TowerStatistics(f, {});
    FAIL();
  } catch (const io::InputError& e) {
    EXPECT_NE(std::string(e.what()).find("ws_70m"), std::string::npos) << e.what();
  }
  // One height: no shear pair, the rest still computed.
  f.Set("ws_70m", {5, 7});
  const nlohmann::json stats = TowerStatistics(f, {});
  EXPECT_TRUE(stats["shear"].empty());
  EXPECT_EQ(stats["weibull"].size(), 1u);
}

}  // namespace
}  // namespace seed::kernels
