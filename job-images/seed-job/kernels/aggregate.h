#pragma once
// Turbines to station: the plant's power as the sum of its turbines' `wt<id>_mw` columns, with
// turbines that did not report at a time filled from those that did.
#include <limits>
#include <string>
#include <vector>

#include "io/csv.h"

namespace seed::kernels {

struct AggregateOptions {
  // Nameplate of one turbine (MW); when set, `available_mw` = reporting turbines × this.
  double capacity_per_turbine = std::numeric_limits<double>::quiet_NaN();
  // Share of turbines that must report at a time for the station value to be filled in; below it
  // the station value is missing rather than a guess from a few turbines.
  double min_available = 0.8;
};

struct AggregateResult {
  io::Frame station;  // power_mw, reporting (turbines with a value), available_mw (optional)
  int turbines = 0;
  long filled_points = 0;  // turbine values filled from the others
  long missing_rows = 0;   // rows left missing (too few turbines reported)
};

// Columns named wt<id>_mw (id: letters, digits, '-' or '_'), in file order.
std::vector<std::string> TurbineColumns(const io::Frame& frame);

// At each time with m of N turbines reporting: power = (sum of the m) × N / m when m/N ≥
// min_available (each missing turbine counts as the mean of those reporting), else missing.
// Throws io::InputError when the frame has no wt<id>_mw column; std::invalid_argument for options.
AggregateResult AggregateTurbines(const io::Frame& turbines, const AggregateOptions& options);

}  // namespace seed::kernels
