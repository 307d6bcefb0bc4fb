#include "kernels/quantile_set.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <limits>
#include <numbers>

#include "io/input_error.h"
#include "kernels/numeric.h"

namespace seed::kernels {
namespace {

double ParseLevel(const std::string& text, const std::string& item) {
  double value = 0;
  const auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || ec != std::errc() || ptr != text.data() + text.size()) {
    throw io::UsageError("--quantiles: '" + item +
                         "' is not a level or a range (e.g. 0.1,0.5,0.9 or 0.01:0.99:0.01)");
  }
  return value;
}

double Round12(double x) { return std::round(x * 1e12) / 1e12; }

void RequireLevel(double tau, const std::string& item) {
  if (!(tau > 0 && tau < 1)) {
    throw io::UsageError("--quantiles: '" + item + "' gives " + std::to_string(tau) +
                         ", not a probability strictly between 0 and 1");
  }
}

// The standard normal quantile by bisection on the CDF: called a few times per training, so
// exactness matters more than speed.
double NormalQuantile(double p) {
  double lo = -40, hi = 40;
  for (int i = 0; i < 200 && hi - lo > 1e-12; ++i) {
    const double mid = (lo + hi) / 2;
    (NormalCdf(mid) < p ? lo : hi) = mid;
  }
  return (lo + hi) / 2;
}

}  // namespace

std::vector<double> ParseQuantiles(const std::string& text) {
  std::vector<double> taus;
  size_t start = 0;
  while (start <= text.size()) {
    const size_t comma = std::min(text.find(',', start), text.size());
    const std::string item = text.substr(start, comma - start);
    start = comma + 1;
    const size_t colon = item.find(':');
    if (colon == std::string::npos) {
      const double tau = Round12(ParseLevel(item, item));
      RequireLevel(tau, item);
      taus.push_back(tau);
      continue;
    }
    const size_t colon2 = item.find(':', colon + 1);
    if (colon2 == std::string::npos || item.find(':', colon2 + 1) != std::string::npos) {
      throw io::UsageError("--quantiles: range '" + item + "' must be from:to:step, e.g. 0.01:0.99:0.01");
    }
    const double from = ParseLevel(item.substr(0, colon), item);
    const double to = ParseLevel(item.substr(colon + 1, colon2 - colon - 1), item);
    const double step = ParseLevel(item.substr(colon2 + 1), item);
    RequireLevel(from, item);
    RequireLevel(to, item);
    if (!(step > 0) || to < from) {
      throw io::UsageError("--quantiles: range '" + item + "' needs from <= to and a positive step");
    }
    const double count = std::floor((to - from) / step + 1e-9);
    if (count > 10000) throw io::UsageError("--quantiles: range '" + item + "' gives more than 10000 levels");
    for (int k = 0; k <= static_cast<int>(count); ++k) taus.push_back(Round12(from + k * step));
  }
  taus.push_back(0.5);
  std::sort(taus.begin(), taus.end());
  taus.erase(std::unique(taus.begin(), taus.end(), [](double a, double b) { return std::abs(a - b) < 1e-9; }),
             taus.end());
  return taus;
}

std::vector<size_t> ChooseQuantileAnchors(const std::vector<double>& levels, size_t max_models) {
  std::vector<size_t> anchors;
  if (levels.size() <= max_models || max_models < 3) {
    for (size_t i = 0; i < levels.size(); ++i) anchors.push_back(i);
    return anchors;
  }
  const double z_lo = NormalQuantile(levels.front()), z_hi = NormalQuantile(levels.back());
  auto take_nearest = [&](double target) {  // the level nearest to target not yet taken
    size_t best = levels.size();
    for (size_t i = 0; i < levels.size(); ++i) {
      if (std::find(anchors.begin(), anchors.end(), i) != anchors.end()) continue;
      if (best == levels.size() || std::abs(levels[i] - target) < std::abs(levels[best] - target)) best = i;
    }
    if (best < levels.size()) anchors.push_back(best);
  };
  take_nearest(0.5);
  // max_models - 1 targets evenly spaced in normal scores from the lowest level to the highest,
  // taken from the outside in, a pair at a time, so symmetric levels get symmetric anchors.
  const size_t targets = max_models - 1;
  auto target = [&](size_t k) {
    return NormalCdf(z_lo + (z_hi - z_lo) * static_cast<double>(k) / static_cast<double>(targets - 1));
  };
  for (size_t k = 0; k < (targets + 1) / 2; ++k) {
    take_nearest(target(k));
    if (targets - 1 - k != k) take_nearest(target(targets - 1 - k));
  }
  std::sort(anchors.begin(), anchors.end());
  return anchors;
}

void InterpolateQuantiles(const std::vector<double>& levels, const std::vector<size_t>& anchors,
                          double* anchor_values, double* out) {
  const size_t na = anchors.size();
  double* sorted = anchor_values;
  if (std::any_of(sorted, sorted + na, [](double v) { return std::isnan(v); })) {
    std::fill(out, out + levels.size(), std::numeric_limits<double>::quiet_NaN());
    return;
  }
  std::sort(sorted, sorted + na);
  size_t k = 0;  // levels[anchors[k]] <= levels[i] < levels[anchors[k + 1]]
  for (size_t i = 0; i < levels.size(); ++i) {
    while (k + 1 < na && anchors[k + 1] <= i) ++k;
    if (anchors[k] == i || k + 1 == na || i < anchors[0]) {
      out[i] = sorted[i < anchors[0] ? 0 : k];
      continue;
    }
    const double t0 = levels[anchors[k]], t1 = levels[anchors[k + 1]];
    const double w = (levels[i] - t0) / (t1 - t0);
    out[i] = sorted[k] + w * (sorted[k + 1] - sorted[k]);
  }
}

double QuantileFunctionMean(const std::vector<double>& levels, const double* values) {
  const size_t n = levels.size();
  if (n == 0) return std::nan("");
  double mean = values[0] * levels[0] + values[n - 1] * (1 - levels[n - 1]);
  for (size_t i = 0; i + 1 < n; ++i) mean += (values[i] + values[i + 1]) / 2 * (levels[i + 1] - levels[i]);
  return mean;
}

}  // namespace seed::kernels
