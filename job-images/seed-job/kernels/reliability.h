#pragma once
// Calibration of a quantile forecast, one quantile at a time: an aggregate (the band coverage of
// P10-P90, say) can look right while one quantile is a constant slab, so each level is checked on
// its own.
#include <cstddef>
#include <vector>

namespace seed::kernels {

// Where the outcome has a point mass (no output in a calm: often 10-15 % of the hours of a wind
// farm) the true quantile sits on it for a whole range of levels, and then P(Y <= q) exceeds tau
// while P(Y < q) falls short of it. A quantile q is right for tau exactly when
// P(Y < q) <= tau <= P(Y <= q) (its definition as the smallest q with F(q) >= tau), so the
// calibration gap is tau's distance to that interval, not |P(Y <= q) - tau|.
struct QuantileReliability {
  double tau = 0;
  size_t points = 0;         // points where this quantile and the outcome are known
  double hit_rate = 0;       // share of those points with outcome <= quantile
  double below_rate = 0;     // share with outcome < quantile (equal to hit_rate without ties)
  double gap = 0;            // tau's distance to [below_rate, hit_rate]; 0 when calibrated
  size_t active_points = 0;  // of those, points where the median is above 5 % of capacity
  double constant_share =
      0;                    // largest share of active points sharing one value strictly inside (0, capacity)
  bool degenerate = false;  // constant_share above kDegenerateShare
};

// A quantile is degenerate when one value strictly inside (0, capacity) covers more than this
// share of the points where the median is above 5 % of capacity. Values at the bounds are physical
// limits (no output in a calm, full output in a gale), not a flat model.
constexpr double kDegenerateShare = 0.05;
constexpr double kActiveMedianFraction = 0.05;

// Accumulates points; Finish() gives one entry per level.
class ReliabilityTable {
 public:
  // taus: the levels, increasing; median_index: which of them is 0.5 (or the point forecast).
  ReliabilityTable(std::vector<double> taus, size_t median_index);
  // One point: the quantile values (NaN where a column is empty), the outcome and the capacity,
  // all in the same unit.
  void Add(const double* values, double outcome, double capacity);
  std::vector<QuantileReliability> Finish() const;

 private:
  std::vector<double> taus_;
  size_t median_;
  std::vector<size_t> points_, hits_, below_;
  std::vector<std::vector<double>>
      active_inside_;  // per level: values at active points strictly inside the bounds
  size_t active_ = 0;
};

}  // namespace seed::kernels
