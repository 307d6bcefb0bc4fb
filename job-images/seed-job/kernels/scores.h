#pragma once
// Point and probabilistic forecast scores. Inputs are plain values; callers normalise (e.g. divide
// by capacity) before or after as they need.
#include <cstddef>
#include <vector>

namespace seed::kernels {

// Running sums for RMSE, MAE and bias (mean of actual - forecast) over points added one by one.
class ErrorStats {
 public:
  void Add(double actual, double forecast);
  size_t count() const { return n_; }
  double Rmse() const;  // NaN when empty
  double Mae() const;
  double Bias() const;  // mean(actual - forecast), the national appendix's E_me sign

 private:
  size_t n_ = 0;
  double sum_sq_ = 0, sum_abs_ = 0, sum_ = 0;
};

double Rmse(const std::vector<double>& actual, const std::vector<double>& forecast);
double Mae(const std::vector<double>& actual, const std::vector<double>& forecast);
double Bias(const std::vector<double>& actual, const std::vector<double>& forecast);

// Pinball (quantile) loss of the tau-quantile q for the outcome y (GEFCom2014 definition):
// (1 - tau)(q - y) if y < q, else tau (y - q).
double Pinball(double quantile_value, double tau, double y);

// CRPS of a predictive distribution known only by quantiles, from CRPS = 2 * integral_0^1 pinball d tau,
// integrated with the midpoint rule: each quantile stands for the tau interval between the midpoints
// to its neighbours, the first reaching down to 0 and the last up to 1. A single median gives |q - y|
// (a point forecast's CRPS); 99 evenly spaced quantiles of a normal distribution come within 1 % of
// the exact value. taus must be strictly increasing in (0, 1); values are sorted first so crossing
// quantiles cannot make the score negative. Returns NaN for empty or mismatched input.
double CrpsFromQuantiles(const std::vector<double>& taus, const std::vector<double>& values, double y);

// Ensemble CRPS: (1/M) sum |x_i - y| - 1/(2 M^2) sum_i sum_j |x_i - x_j| (computed in O(M log M)).
double CrpsEnsemble(const std::vector<double>& members, double y);

// CRPS of N(mu, sigma^2): sigma [z (2 Phi(z) - 1) + 2 phi(z) - 1/sqrt(pi)], z = (y - mu)/sigma.
// sigma <= 0 degenerates to |y - mu|.
double CrpsGaussian(double mu, double sigma, double y);

}  // namespace seed::kernels
