#include "commands/training_rows.h"

#include <algorithm>
#include <cmath>

#include "io/input_error.h"
#include "io/time.h"
#include "kernels/features.h"

namespace seed::commands {

MeasuredRows AlignRuns(const kernels::NwpRuns& nwp, const io::Frame& measured, int exclude_flags,
                       double capacity, const std::string& measurements_path) {
  struct Candidate {
    int64_t time;
    kernels::RunRow where;
    double power;
  };
  std::vector<Candidate> candidates;
  for (size_t run = 0; run < nwp.runs.size(); ++run) {
    const io::Frame& frame = nwp.runs[run].frame;
    const std::vector<double> aligned =
        kernels::AlignMeasurements(frame, measured, "power_mw", exclude_flags);
    for (size_t r = 0; r < aligned.size(); ++r) {
      if (std::isnan(aligned[r])) continue;
      if (aligned[r] > 1.5 * capacity) {
        throw io::InputError(measurements_path,
                             "power " + std::to_string(aligned[r]) + " MW at " +
                                 io::FormatRfc3339(frame.time[r], frame.utc_offset_minutes) +
                                 " exceeds 150% of --capacity " + std::to_string(capacity) +
                                 " MW; is the capacity right?");
      }
      candidates.push_back({frame.time[r], {static_cast<long>(run), static_cast<long>(r)}, aligned[r]});
    }
  }
  std::stable_sort(candidates.begin(), candidates.end(),
                   [](const Candidate& a, const Candidate& b) { return a.time < b.time; });
  MeasuredRows rows;
  for (const Candidate& c : candidates) {
    rows.where.push_back(c.where);
    rows.power.push_back(c.power);
    rows.time.push_back(c.time);
  }
  return rows;
}

}  // namespace seed::commands
