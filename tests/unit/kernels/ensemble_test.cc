#include "kernels/ensemble.h"

#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <stdexcept>

namespace seed::kernels {
namespace {

const std::vector<double> kLevels = {0.1, 0.5, 0.9};

// A member that knows the outcome up to its own Gaussian error of standard deviation sigma: its
// quantiles are the outcome + its error + the normal quantiles of sigma (a calibrated forecast).
std::vector<double> NoisyMember(const std::vector<double>& y, double sigma, unsigned seed) {
  std::mt19937 random(seed);
  std::normal_distribution<double> noise(0, sigma);
  std::vector<double> out;
  for (double outcome : y) {
    const double centre = outcome + noise(random);
    for (double z : {-1.2816, 0.0, 1.2816}) out.push_back(centre + z * sigma);
  }
  return out;
}

std::vector<double> Outcomes(size_t n) {
  std::mt19937 random(7);
  std::uniform_real_distribution<double> uniform(0, 100);
  std::vector<double> y;
  for (size_t r = 0; r < n; ++r) y.push_back(uniform(random));
  return y;
}

TEST(Ensemble, TwoMembersWithIndependentErrorsShareTheWeightAndScoreBetterTogether) {
  const std::vector<double> y = Outcomes(4000);
  const std::vector<std::vector<double>> members = {NoisyMember(y, 5, 1), NoisyMember(y, 5, 2)};
  const EnsembleWeights w = FitEnsembleWeights(members, y, kLevels);
  ASSERT_EQ(w.weights.size(), 2u);
  EXPECT_NEAR(w.weights[0], 0.5, 0.1);
  EXPECT_NEAR(w.weights[0] + w.weights[1], 1.0, 1e-12);
  EXPECT_EQ(w.rows, y.size());
  // Averaging two independent errors shrinks them by sqrt(2): the pinball loss drops clearly.
  EXPECT_LT(w.loss, 0.9 * std::min(w.member_loss[0], w.member_loss[1]));
}

TEST(Ensemble, AMemberThatAddsNothingGetsNoWeightAndTheBestAloneWinsWhenItIsBest) {
  const std::vector<double> y = Outcomes(4000);
  std::vector<double> constant;
  for (size_t r = 0; r < y.size(); ++r) constant.insert(constant.end(), {10.0, 50.0, 90.0});
  const EnsembleWeights w = FitEnsembleWeights({constant, NoisyMember(y, 2, 3)}, y, kLevels);
  EXPECT_EQ(w.weights[0], 0.0);
  EXPECT_EQ(w.weights[1], 1.0);
  EXPECT_DOUBLE_EQ(w.loss, w.member_loss[1]);
}

TEST(Ensemble, AWorseButIndependentMemberStillEarnsSomeWeight) {
  const std::vector<double> y = Outcomes(4000);
  const EnsembleWeights w = FitEnsembleWeights({NoisyMember(y, 4, 4), NoisyMember(y, 6, 5)}, y, kLevels);
  // Inverse-variance weights would be 36 / 52 = 0.69 and 0.31.
  EXPECT_GT(w.weights[0], w.weights[1]);
  EXPECT_GT(w.weights[1], 0.1);
  EXPECT_LT(w.loss, w.member_loss[0]);
}

TEST(Ensemble, RowsAMemberCannotPredictAreLeftOutOfTheSearch) {
  const std::vector<double> y = Outcomes(500);
  std::vector<double> a = NoisyMember(y, 5, 1), b = NoisyMember(y, 5, 2);
  for (size_t q = 0; q < 3; ++q) b[q] = std::nan("");  // row 0
  const EnsembleWeights w = FitEnsembleWeights({a, b}, y, kLevels);
  EXPECT_EQ(w.rows, y.size() - 1);
  EXPECT_TRUE(std::isfinite(w.loss));
}

TEST(Ensemble, BadShapesAreRefused) {
  const std::vector<double> y = Outcomes(10);
  EXPECT_THROW(FitEnsembleWeights({}, y, kLevels), std::invalid_argument);
  EXPECT_THROW(FitEnsembleWeights({std::vector<double>(29)}, y, kLevels), std::invalid_argument);
  const std::vector<double> ok = NoisyMember(y, 1, 1);
  EXPECT_THROW(FitEnsembleWeights({ok, ok, ok, ok, ok}, y, kLevels), std::invalid_argument);
}

TEST(Ensemble, CombiningAveragesEachLevelAndNeverCrosses) {
  const double a[] = {0, 10, 40}, b[] = {20, 30, 35};
  double out[3];
  CombineQuantiles({a, b}, {0.25, 0.75}, 3, out);
  EXPECT_DOUBLE_EQ(out[0], 15);
  EXPECT_DOUBLE_EQ(out[1], 25);
  EXPECT_DOUBLE_EQ(out[2], 36.25);
  EXPECT_LE(out[0], out[1]);
  EXPECT_LE(out[1], out[2]);
}

TEST(Ensemble, AMemberThatCannotPredictLeavesTheRowToTheOthers) {
  const double a[] = {0, 10, 40}, missing[] = {std::nan(""), std::nan(""), std::nan("")};
  double out[3];
  CombineQuantiles({a, missing}, {0.25, 0.75}, 3, out);
  EXPECT_DOUBLE_EQ(out[1], 10);  // a's weight is scaled to 1
  CombineQuantiles({missing, missing}, {0.5, 0.5}, 3, out);
  for (double v : out) EXPECT_TRUE(std::isnan(v));
  CombineQuantiles({a, missing}, {0.0, 1.0}, 3, out);  // the one member with weight cannot predict
  for (double v : out) EXPECT_TRUE(std::isnan(v));
}

}  // namespace
}  // namespace seed::kernels
