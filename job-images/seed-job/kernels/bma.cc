#include "kernels/bma.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numbers>
#include <stdexcept>

#include "kernels/numeric.h"

namespace seed::kernels {
namespace {

constexpr long kMinRows = 10;

// Plain least squares y ≈ a + b·x; with no spread in x only the mean bias is corrected.
void FitMember(const std::vector<double>& x, const std::vector<double>& y, double& a, double& b) {
  const double n = static_cast<double>(x.size());
  double mx = 0, my = 0;
  for (size_t i = 0; i < x.size(); ++i) mx += x[i], my += y[i];
  mx /= n, my /= n;
  double sxx = 0, sxy = 0;
  for (size_t i = 0; i < x.size(); ++i) {
    sxx += (x[i] - mx) * (x[i] - mx);
    sxy += (x[i] - mx) * (y[i] - my);
  }
  b = sxx / n > 1e-12 ? sxy / sxx : 1.0;
  a = my - b * mx;
}

// Σ_t log Σ_k w_k N(y_t; μ_kt, σ²), and (when z is given) the responsibilities z[k][t].
double LogLikelihood(const std::vector<std::vector<double>>& mu, const std::vector<double>& y,
                     const std::vector<double>& w, double sigma, std::vector<std::vector<double>>* z) {
  const size_t k_count = mu.size();
  const double log_norm = -0.5 * std::log(2 * std::numbers::pi * sigma * sigma);
  std::vector<double> terms(k_count);
  double total = 0;
  for (size_t t = 0; t < y.size(); ++t) {
    double top = -std::numeric_limits<double>::infinity();
    for (size_t k = 0; k < k_count; ++k) {
      const double r = (y[t] - mu[k][t]) / sigma;
      terms[k] =
          w[k] > 0 ? std::log(w[k]) + log_norm - 0.5 * r * r : -std::numeric_limits<double>::infinity();
      top = std::max(top, terms[k]);
    }
    double sum = 0;
    for (size_t k = 0; k < k_count; ++k) sum += std::exp(terms[k] - top);
    const double lse = top + std::log(sum);
    total += lse;
    if (z) {
      for (size_t k = 0; k < k_count; ++k) (*z)[k][t] = std::exp(terms[k] - lse);
    }
  }
  return total;
}

}  // namespace

BmaModel FitBma(const std::vector<std::vector<double>>& forecasts, const std::vector<double>& observed,
                const BmaOptions& options) {
  const size_t k_count = forecasts.size();
  if (k_count == 0) throw std::invalid_argument("BMA needs at least one member forecast");
  for (const auto& f : forecasts) {
    if (f.size() != observed.size())
      throw std::invalid_argument("BMA: member and observation lengths differ");
  }
  if (options.max_iterations < 1 || !(options.tolerance > 0) || !(options.min_sigma > 0)) {
    throw std::invalid_argument("BMA: max iterations, tolerance and min sigma must be positive");
  }
  // Complete rows only.
  std::vector<std::vector<double>> f(k_count);
  std::vector<double> y;
  for (size_t t = 0; t < observed.size(); ++t) {
    bool complete = !std::isnan(observed[t]);
    for (size_t k = 0; k < k_count && complete; ++k) complete = !std::isnan(forecasts[k][t]);
    if (!complete) continue;
    y.push_back(observed[t]);
    for (size_t k = 0; k < k_count; ++k) f[k].push_back(forecasts[k][t]);
  }
  const size_t n = y.size();
  if (static_cast<long>(n) < kMinRows) {
    throw std::invalid_argument("BMA needs at least " + std::to_string(kMinRows) +
                                " training rows where every member and the observation are present, found " +
                                std::to_string(n));
  }
  BmaModel model;
  model.training_rows = static_cast<long>(n);
  model.intercept.resize(k_count);
  model.slope.resize(k_count);
  std::vector<std::vector<double>> mu(k_count, std::vector<double>(n));
  double residual = 0;
  for (size_t k = 0; k < k_count; ++k) {
    FitMember(f[k], y, model.intercept[k], model.slope[k]);
    for (size_t t = 0; t < n; ++t) {
      mu[k][t] = model.intercept[k] + model.slope[k] * f[k][t];
      residual += (y[t] - mu[k][t]) * (y[t] - mu[k][t]);
    }
  }
  model.weight.assign(k_count, 1.0 / static_cast<double>(k_count));
  double sigma = std::max(options.min_sigma, std::sqrt(residual / static_cast<double>(n * k_count)));

  std::vector<std::vector<double>> z(k_count, std::vector<double>(n));
  double ll = LogLikelihood(mu, y, model.weight, sigma, &z);
  for (int iteration = 1; iteration <= options.max_iterations; ++iteration) {
    // M-step from the responsibilities of the current parameters.
    double weighted = 0;
    for (size_t k = 0; k < k_count; ++k) {
      double sum_z = 0;
      for (size_t t = 0; t < n; ++t) {
        sum_z += z[k][t];
        weighted += z[k][t] * (y[t] - mu[k][t]) * (y[t] - mu[k][t]);
      }
      model.weight[k] = sum_z / static_cast<double>(n);
    }
    sigma = std::max(options.min_sigma, std::sqrt(weighted / static_cast<double>(n)));
    // E-step at the new parameters; its log-likelihood is the one they achieve.
    const double next = LogLikelihood(mu, y, model.weight, sigma, &z);
    model.log_likelihood_trace.push_back(next);
    model.iterations = iteration;
    const bool done = next - ll < options.tolerance * (1 + std::abs(next));
    ll = next;
    if (done) {
      model.converged = true;
      break;
    }
  }
  model.sigma = sigma;
  model.log_likelihood = ll;
  return model;
}

BmaPrediction PredictBma(const BmaModel& model, const std::vector<double>& member_forecasts,
                         const std::vector<double>& probabilities) {
  BmaPrediction out;
  std::vector<double> mu, w;
  double total_w = 0;
  for (size_t k = 0; k < model.weight.size() && k < member_forecasts.size(); ++k) {
    if (std::isnan(member_forecasts[k])) continue;
    mu.push_back(model.intercept[k] + model.slope[k] * member_forecasts[k]);
    w.push_back(model.weight[k]);
    total_w += model.weight[k];
  }
  if (mu.empty() || !(total_w > 0)) {
    out.mean = out.sd = kMissing;
    out.quantiles.assign(probabilities.size(), kMissing);
    return out;
  }
  for (auto& x : w) x /= total_w;
  double mean = 0;
  for (size_t k = 0; k < mu.size(); ++k) mean += w[k] * mu[k];
  double variance = model.sigma * model.sigma;
  for (size_t k = 0; k < mu.size(); ++k) variance += w[k] * (mu[k] - mean) * (mu[k] - mean);
  out.mean = mean;
  out.sd = std::sqrt(variance);
  const double s = model.sigma;
  const auto cdf = [&](double x) {
    double c = 0;
    for (size_t k = 0; k < mu.size(); ++k) c += w[k] * NormalCdf((x - mu[k]) / s);
    return c;
  };
  const double lo0 = *std::min_element(mu.begin(), mu.end()) - 10 * s;
  const double hi0 = *std::max_element(mu.begin(), mu.end()) + 10 * s;
  const double precision = 1e-9 * (hi0 - lo0);
  for (double p : probabilities) {
    double lo = lo0, hi = hi0;
    for (int i = 0; i < 200 && hi - lo > precision; ++i) {
      const double mid = 0.5 * (lo + hi);
      (cdf(mid) < p ? lo : hi) = mid;
    }
    out.quantiles.push_back(std::max(0.0, 0.5 * (lo + hi)));
  }
  // Bisection to a tolerance can leave neighbours a hair out of order; quantiles must not cross.
  for (size_t i = 1; i < out.quantiles.size(); ++i) {
    if (probabilities[i] >= probabilities[i - 1])
      out.quantiles[i] = std::max(out.quantiles[i], out.quantiles[i - 1]);
  }
  return out;
}

}  // namespace seed::kernels
