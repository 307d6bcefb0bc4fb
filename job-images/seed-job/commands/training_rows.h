#pragma once
// The rows `train` learns from: one per (NWP run, valid time) with a measured, unflagged power, in
// valid-time order (with runs, each measured time is seen at every lead that covers it).
#include <cstdint>
#include <string>
#include <vector>

#include "io/csv.h"
#include "kernels/nwp_runs.h"

namespace seed::commands {

struct MeasuredRows {
  std::vector<kernels::RunRow> where;  // the NWP row of each training row
  std::vector<double> power;           // measured power_mw
  std::vector<int64_t> time;           // valid time, non-decreasing
};

// Throws io::InputError (naming `measurements_path`) for power above 150 % of `capacity`: a likely
// unit or capacity error.
MeasuredRows AlignRuns(const kernels::NwpRuns& nwp, const io::Frame& measured, int exclude_flags,
                       double capacity, const std::string& measurements_path);

}  // namespace seed::commands
