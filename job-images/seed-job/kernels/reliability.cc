#include "kernels/reliability.h"

#include <algorithm>
#include <cmath>

namespace seed::kernels {

ReliabilityTable::ReliabilityTable(std::vector<double> taus, size_t median_index)
    : taus_(std::move(taus)),
      median_(median_index),
      points_(taus_.size()),
      hits_(taus_.size()),
      below_(taus_.size()),
      active_inside_(taus_.size()) {}

void ReliabilityTable::Add(const double* values, double outcome, double capacity) {
  if (!std::isfinite(outcome)) return;
  const bool active = std::isfinite(values[median_]) && values[median_] > kActiveMedianFraction * capacity;
  active_ += active;
  for (size_t q = 0; q < taus_.size(); ++q) {
    const double v = values[q];
    if (!std::isfinite(v)) continue;
    ++points_[q];
    hits_[q] += outcome <= v;
    below_[q] += outcome < v;
    if (active && v > 0 && v < capacity) active_inside_[q].push_back(v);
  }
}

std::vector<QuantileReliability> ReliabilityTable::Finish() const {
  std::vector<QuantileReliability> out;
  for (size_t q = 0; q < taus_.size(); ++q) {
    QuantileReliability r;
    r.tau = taus_[q];
    r.points = points_[q];
    const double n = static_cast<double>(points_[q]);
    r.hit_rate = points_[q] ? static_cast<double>(hits_[q]) / n : 0;
    r.below_rate = points_[q] ? static_cast<double>(below_[q]) / n : 0;
    r.gap = std::max({0.0, r.below_rate - r.tau, r.tau - r.hit_rate});
    r.active_points = active_;
    std::vector<double> values = active_inside_[q];
    std::sort(values.begin(), values.end());
    size_t longest = 0;
    for (size_t i = 0; i < values.size();) {  // the longest run of equal values
      size_t j = i;
      while (j < values.size() && values[j] == values[i]) ++j;
      longest = std::max(longest, j - i);
      i = j;
    }
    r.constant_share = active_ ? static_cast<double>(longest) / static_cast<double>(active_) : 0;
    r.degenerate = r.constant_share > kDegenerateShare;
    out.push_back(r);
  }
  return out;
}

}  // namespace seed::kernels
