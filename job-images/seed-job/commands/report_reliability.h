#pragma once
// The report's reliability diagram: each quantile column's observed hit rate (the share of scored
// points whose actual is at or below it, leaving out points where every quantile is 0, such as
// nights: a sure zero says nothing about calibration) against its nominal level, and the marks of a
// degenerate quantile. Ties (an actual of exactly 0 under a quantile of 0) make a range of hit
// rates right: a quantile is calibrated when below_rate <= tau <= hit_rate (kernels/reliability.h),
// so the difference shown is tau's distance to that range. A quantile is degenerate when, on the rows where the median is above 5 % of capacity,
// it takes one value on more than 5 % of them, or equals a neighbouring quantile on more than 5 %
// of them (a flat slab or a collapsed band that a coverage figure alone hides).
#include <string>
#include <vector>

#include "io/csv.h"

namespace seed::commands {

struct QuantileReliability {
  double tau = 0;
  std::string column;                             // p<percent>
  size_t scored = 0;                              // points with an actual and this quantile
  double hit_rate = 0;                            // share with actual <= quantile; NaN when scored == 0
  double below_rate = 0;                          // share with actual < quantile (lower with ties)
  size_t busy_rows = 0;                           // rows whose median is above 5 % of capacity
  double constant_share = 0, constant_value = 0;  // the most frequent value on the busy rows, and its share
  double neighbour_share = 0;                     // share of busy rows equal to a neighbouring quantile
  bool degenerate = false;
};

// forecast: the forecast frame (forecast_mw and p<percent> columns); actual and scored: one entry
// per forecast row (the aligned measurement, and whether that point is scored). The median is the
// p50 column, or forecast_mw when there is none. Sorted by tau; empty when there are no quantile columns.
std::vector<QuantileReliability> AssessQuantiles(const io::Frame& forecast, const std::vector<double>& actual,
                                                 const std::vector<bool>& scored, double capacity);

// An HTML section (heading, SVG diagram, table); "" when there are no quantiles.
std::string ReliabilitySection(const std::vector<QuantileReliability>& quantiles);

}  // namespace seed::commands
