#pragma once
// NWP as archives hold it: one or many runs (an `issue_time` column beside the valid `time`), on
// the model's 15-min grid, with other sites' columns joined in. Pure: frames in, frames out.
//
// Grid rule (hourly or coarser NWP onto 15 min), per run:
//   - state variables (wind, temperature, pressure, humidity, ...) are interpolated linearly in
//     time between two native rows;
//   - interval fields (IsIntervalColumn: a mean over the native step ending at the stamp, e.g.
//     hourly GHI) keep that mean over the whole interval: grid points in (t - step, t] get the
//     value stamped t;
//   - accumulations (ECMWF: J/m2 since the run start) are interpolated linearly, which is exact
//     for an integral whose rate is constant over the interval; feature `acc(x)` turns them into
//     interval means.
// Rows further apart than both the native step and kMaxFilledStep (6 h: the longest step of
// ECMWF's long leads) are a hole in the file: no grid points in between.
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "io/csv.h"

namespace seed::kernels {

inline constexpr int64_t kNoIssue = std::numeric_limits<int64_t>::min();  // a file without runs
inline constexpr const char* kIssueColumn = "issue_time";
inline constexpr int64_t kMaxFilledStep = 6 * 3600;

struct NwpRun {
  int64_t issue = kNoIssue;  // Unix seconds of the run's issue (analysis) time
  io::Frame frame;           // valid times strictly increasing; no issue_time column
};

struct NwpRuns {
  std::string source;        // the file, for messages
  bool has_issue = false;    // the file had an issue_time column
  std::vector<NwpRun> runs;  // sorted by issue time; exactly one when !has_issue
  int64_t native_step = 0;   // seconds between rows before resampling (the most common step)

  // Every column name (of the first run; all runs share them).
  const std::vector<std::string>& Names() const { return runs.front().frame.names; }
  // The run issued at `issue`, or -1.
  long FindRun(int64_t issue) const;
};

// A frame read with CsvReadOptions::run_column = kIssueColumn split into its runs (the frame is
// moved into a single run when it has no issue_time column).
NwpRuns SplitRuns(io::Frame frame);

// True for the columns holding interval means (radiation and precipitation fluxes), by name: the
// part after an optional `<source>_` prefix is one of ghi, dni, dhi, gti, swdown, lwdown, ssrd_mean,
// precip, rain, or `extra` names it exactly.
bool IsIntervalColumn(const std::string& name, const std::vector<std::string>& extra);

// Puts each run on the `step`-second grid (see the grid rule above) when its native step is
// coarser; finer or equal data is left as it is.
void ResampleToGrid(NwpRuns& nwp, int64_t step, const std::vector<std::string>& interval_columns);

// Adds `site`'s columns as `<site>/<column>` to every run of `nwp`, matched on (run, valid time):
// a neighbour with runs is joined run by run (NaN where it lacks the run or the time); one
// without runs by valid time alone. Throws io::InputError when `nwp` has no runs but the
// neighbour has, or a name clashes.
void JoinNeighbour(NwpRuns& nwp, const NwpRuns& neighbour, const std::string& site);

// The rows a forecast reads: for each target time, the run issued latest at or before `issue`
// (kNoIssue: no limit) that has a row at the target, at most max_lead seconds before it and at
// least min_lead seconds before it (leads measured from the run's issue). Element k is
// {run, row}, or {-1, -1} when no run qualifies. Without runs the single run's row at the time.
struct RunRow {
  long run = -1, row = -1;
};
std::vector<RunRow> ChooseRuns(const NwpRuns& nwp, const std::vector<int64_t>& targets, int64_t issue,
                               int64_t min_lead, int64_t max_lead);

// Row of `time` in a frame whose times strictly increase, or -1.
long RowAt(const io::Frame& frame, int64_t time);

}  // namespace seed::kernels
