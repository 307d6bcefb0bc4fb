// BMA: the known-answer case of a sharp and a blunt member, monotone EM, and the mixture's
// moments and quantiles.
#include "kernels/bma.h"

#include <gtest/gtest.h>

#include <cmath>
#include <numbers>
#include <random>
#include <stdexcept>

namespace seed::kernels {
namespace {

// Normal deviates by Box-Muller on mt19937_64, so the data are the same with any standard library.
class Gauss {
 public:
  explicit Gauss(uint64_t seed) : engine_(seed) {}
  double operator()() {
    const double u1 = 1.0 - static_cast<double>(engine_() >> 11) * 0x1.0p-53;
    const double u2 = static_cast<double>(engine_() >> 11) * 0x1.0p-53;
    return std::sqrt(-2 * std::log(u1)) * std::cos(2 * std::numbers::pi * u2);
  }

 private:
  std::mt19937_64 engine_;
};

TEST(BmaTest, SharpMemberTakesTheWeightAndSigmaFindsItsSpread) {
  Gauss gauss(2024);
  const size_t n = 3000;
  std::vector<double> truth(n), sharp(n), blunt(n);
  for (size_t t = 0; t < n; ++t) {
    truth[t] = 8 + 3 * std::sin(static_cast<double>(t) / 20) + gauss();
    sharp[t] = truth[t] + 0.1 * gauss();
    blunt[t] = truth[t] + 1.0 * gauss();
  }
  const BmaModel model = FitBma({sharp, blunt}, truth);
  EXPECT_TRUE(model.converged);
  EXPECT_GT(model.weight[0], 0.95);
  EXPECT_NEAR(model.weight[0] + model.weight[1], 1.0, 1e-12);
  EXPECT_NEAR(model.sigma, 0.1, 0.01);
  EXPECT_NEAR(model.slope[0], 1.0, 0.01);
  EXPECT_EQ(model.training_rows, 3000);
  ASSERT_GE(model.log_likelihood_trace.size(), 2u);
  for (size_t i = 1; i < model.log_likelihood_trace.size(); ++i) {
    EXPECT_GE(model.log_likelihood_trace[i], model.log_likelihood_trace[i - 1] - 1e-9) << "iteration " << i;
  }
  EXPECT_EQ(model.log_likelihood, model.log_likelihood_trace.back());
}

TEST(BmaTest, RowsWithAMissingValueAreLeftOutAndTooFewRowsRejected) {
  std::vector<double> y(20), f(20);
  for (size_t t = 0; t < 20; ++t) y[t] = f[t] = static_cast<double>(t % 7) + 0.01 * static_cast<double>(t);
  f[3] = std::nan("");
  y[4] = std::nan("");
  EXPECT_EQ(FitBma({f}, y).training_rows, 18);
  EXPECT_THROW(FitBma({std::vector<double>(5, 1.0)}, std::vector<double>(5, 1.0)), std::invalid_argument);
  EXPECT_THROW(FitBma({}, y), std::invalid_argument);
  EXPECT_THROW(FitBma({f, std::vector<double>(3)}, y), std::invalid_argument);
}

TEST(BmaTest, PredictionMomentsAndMixtureQuantiles) {
  BmaModel model;
  model.intercept = {0, 1};
  model.slope = {1, 1};
  model.weight = {0.5, 0.5};
  model.sigma = 1;
  // Members at 10 and 11 + 1 = 12: mean 11, variance 1 + 0.5·1 + 0.5·1 = 2.
  const BmaPrediction p = PredictBma(model, {10, 11}, {0.1, 0.5, 0.9});
  EXPECT_DOUBLE_EQ(p.mean, 11);
  EXPECT_NEAR(p.sd, std::sqrt(2.0), 1e-12);
  EXPECT_NEAR(p.quantiles[1], 11, 1e-7);  // symmetric mixture
  EXPECT_NEAR(p.quantiles[0] + p.quantiles[2], 22, 1e-7);
  // Check the 0.9 quantile through the CDF: 0.5·Φ(q − 10) + 0.5·Φ(q − 12) = 0.9.
  const auto phi = [](double x) { return 0.5 * std::erfc(-x / std::sqrt(2.0)); };
  EXPECT_NEAR(0.5 * phi(p.quantiles[2] - 10) + 0.5 * phi(p.quantiles[2] - 12), 0.9, 1e-9);

  // A single member: N(f, 1) quantiles; the 10 % quantile near zero is clipped at 0.
  const BmaPrediction one = PredictBma(model, {0.5, std::nan("")}, {0.1, 0.9});
  EXPECT_DOUBLE_EQ(one.mean, 0.5);
  EXPECT_DOUBLE_EQ(one.sd, 1.0);
  EXPECT_EQ(one.quantiles[0], 0.0);
  EXPECT_NEAR(one.quantiles[1], 0.5 + 1.2815515655446004, 1e-7);

  const BmaPrediction none = PredictBma(model, {std::nan(""), std::nan("")}, {0.5});
  EXPECT_TRUE(std::isnan(none.mean));
  EXPECT_TRUE(std::isnan(none.quantiles[0]));
}

}  // namespace
}  // namespace seed::kernels
