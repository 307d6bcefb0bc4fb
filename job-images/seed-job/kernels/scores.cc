#include "kernels/scores.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numbers>

#include "kernels/numeric.h"

namespace seed::kernels {
namespace {
}

void ErrorStats::Add(double actual, double forecast) {
  const double e = actual - forecast;
  ++n_;
  sum_sq_ += e * e;
  sum_abs_ += std::abs(e);
  sum_ += e;
}

double ErrorStats::Rmse() const { return n_ ? std::sqrt(sum_sq_ / static_cast<double>(n_)) : kNaN; }
double ErrorStats::Mae() const { return n_ ? sum_abs_ / static_cast<double>(n_) : kNaN; }
double ErrorStats::Bias() const { return n_ ? sum_ / static_cast<double>(n_) : kNaN; }

namespace {
ErrorStats Collect(const std::vector<double>& actual, const std::vector<double>& forecast) {
  ErrorStats stats;
  const size_t n = std::min(actual.size(), forecast.size());
  for (size_t i = 0; i < n; ++i) stats.Add(actual[i], forecast[i]);
  return stats;
}
}  // namespace

double Rmse(const std::vector<double>& actual, const std::vector<double>& forecast) { return Collect(actual, forecast).Rmse(); }
double Mae(const std::vector<double>& actual, const std::vector<double>& forecast) { return Collect(actual, forecast).Mae(); }
double Bias(const std::vector<double>& actual, const std::vector<double>& forecast) { return Collect(actual, forecast).Bias(); }

double Pinball(double quantile_value, double tau, double y) {
  return y < quantile_value ? (1.0 - tau) * (quantile_value - y) : tau * (y - quantile_value);
}

double CrpsFromQuantiles(const std::vector<double>& taus, const std::vector<double>& values, double y) {
  const size_t k = taus.size();
  if (k == 0 || values.size() != k) return kNaN;
  std::vector<double> q(values);
  std::sort(q.begin(), q.end());
  double sum = 0;
  for (size_t i = 0; i < k; ++i) {
    const double lower = i == 0 ? 0.0 : (taus[i - 1] + taus[i]) / 2.0;
    const double upper = i + 1 == k ? 1.0 : (taus[i] + taus[i + 1]) / 2.0;
    sum += (upper - lower) * Pinball(q[i], taus[i], y);
  }
  return 2.0 * sum;
}

double CrpsEnsemble(const std::vector<double>& members, double y) {
  const size_t m = members.size();
  if (m == 0) return kNaN;
  std::vector<double> x(members);
  std::sort(x.begin(), x.end());
  double abs_y = 0, pair_sum = 0;
  // For sorted x, sum_i sum_j |x_i - x_j| = 2 sum_i (2i - m + 1) x_i (0-based i).
  for (size_t i = 0; i < m; ++i) {
    abs_y += std::abs(x[i] - y);
    pair_sum += (2.0 * static_cast<double>(i) - static_cast<double>(m) + 1.0) * x[i];
  }
  const double md = static_cast<double>(m);
  return abs_y / md - pair_sum / (md * md);
}

double CrpsGaussian(double mu, double sigma, double y) {
  if (!(sigma > 0)) return std::abs(y - mu);
  const double z = (y - mu) / sigma;
  const double cdf = 0.5 * std::erfc(-z / std::numbers::sqrt2);
  const double pdf = std::exp(-0.5 * z * z) / std::sqrt(2.0 * std::numbers::pi);
  return sigma * (z * (2.0 * cdf - 1.0) + 2.0 * pdf - 1.0 / std::sqrt(std::numbers::pi));
}

}  // namespace seed::kernels
