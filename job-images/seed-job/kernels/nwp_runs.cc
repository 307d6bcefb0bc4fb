#include "kernels/nwp_runs.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <numeric>

#include "io/input_error.h"
#include "io/time.h"
#include "kernels/numeric.h"

namespace seed::kernels {
namespace {

// The most common positive step between consecutive rows (0 for fewer than two rows).
int64_t ModeStep(const std::vector<int64_t>& time) {
  std::map<int64_t, size_t> counts;
  for (size_t r = 1; r < time.size(); ++r) ++counts[time[r] - time[r - 1]];
  int64_t best = 0;
  size_t best_count = 0;
  for (const auto& [step, count] : counts) {
    if (count > best_count) best = step, best_count = count;
  }
  return best;
}

io::Frame Resample(const io::Frame& in, int64_t max_gap, int64_t step, const std::vector<bool>& interval) {
  std::vector<int64_t> grid;
  std::vector<long> left;  // per grid point: the native row at or before it
  for (size_t r = 0; r < in.Rows(); ++r) {
    grid.push_back(in.time[r]);
    left.push_back(static_cast<long>(r));
    if (r + 1 == in.Rows() || in.time[r + 1] - in.time[r] > max_gap) continue;  // a hole: no points
    const int64_t first = (in.time[r] / step + 1) * step - (in.time[r] % step < 0 ? step : 0);
    for (int64_t t = first; t < in.time[r + 1]; t += step) {
      grid.push_back(t);
      left.push_back(static_cast<long>(r));
    }
  }
  io::Frame out = io::MakeFrame(grid, in.utc_offset_minutes);
  out.source = in.source;
  for (size_t c = 0; c < in.names.size(); ++c) {
    const std::vector<double>& v = in.columns[c];
    std::vector<double> values(grid.size());
    for (size_t k = 0; k < grid.size(); ++k) {
      const auto r = static_cast<size_t>(left[k]);
      if (grid[k] == in.time[r]) {
        values[k] = v[r];
      } else if (interval[c]) {
        values[k] = v[r + 1];  // the mean over (t_r, t_r+1] holds throughout it
      } else {
        const double w =
            static_cast<double>(grid[k] - in.time[r]) / static_cast<double>(in.time[r + 1] - in.time[r]);
        values[k] = v[r] + w * (v[r + 1] - v[r]);  // NaN when either end is missing
      }
    }
    out.Set(in.names[c], std::move(values));
  }
  return out;
}

}  // namespace

long NwpRuns::FindRun(int64_t issue) const {
  const auto it = std::lower_bound(runs.begin(), runs.end(), issue,
                                   [](const NwpRun& run, int64_t t) { return run.issue < t; });
  return it != runs.end() && it->issue == issue ? static_cast<long>(it - runs.begin()) : -1;
}

long RowAt(const io::Frame& frame, int64_t time) {
  const auto it = std::lower_bound(frame.time.begin(), frame.time.end(), time);
  return it != frame.time.end() && *it == time ? static_cast<long>(it - frame.time.begin()) : -1;
}

NwpRuns SplitRuns(io::Frame frame) {
  NwpRuns nwp;
  nwp.source = frame.source;
  const int issue_index = frame.Find(kIssueColumn);
  if (issue_index < 0) {
    nwp.native_step = ModeStep(frame.time);
    nwp.runs.push_back({kNoIssue, std::move(frame)});
    return nwp;
  }
  nwp.has_issue = true;
  const std::vector<double> issue = frame.columns[static_cast<size_t>(issue_index)];
  frame.names.erase(frame.names.begin() + issue_index);
  frame.columns.erase(frame.columns.begin() + issue_index);
  std::map<int64_t, std::vector<size_t>> rows_of;  // rows in file order: times increase (the reader checks)
  for (size_t r = 0; r < frame.Rows(); ++r) rows_of[static_cast<int64_t>(issue[r])].push_back(r);
  std::map<int64_t, size_t> steps;
  for (const auto& [run_issue, rows] : rows_of) {
    std::vector<int64_t> time;
    time.reserve(rows.size());
    for (size_t r : rows) time.push_back(frame.time[r]);
    io::Frame run = io::MakeFrame(std::move(time), frame.utc_offset_minutes);
    run.source = frame.source;
    for (size_t c = 0; c < frame.names.size(); ++c) {
      std::vector<double> values;
      values.reserve(rows.size());
      for (size_t r : rows) values.push_back(frame.columns[c][r]);
      run.Set(frame.names[c], std::move(values));
    }
    if (run.Rows() == 0) continue;
    for (size_t r = 1; r < run.Rows(); ++r) ++steps[run.time[r] - run.time[r - 1]];
    nwp.runs.push_back({run_issue, std::move(run)});
  }
  size_t best = 0;
  for (const auto& [step, count] : steps) {
    if (count > best) nwp.native_step = step, best = count;
  }
  return nwp;
}

bool IsIntervalColumn(const std::string& name, const std::vector<std::string>& extra) {
  if (std::find(extra.begin(), extra.end(), name) != extra.end()) return true;
  const size_t slash = name.rfind('/');
  std::string base = slash == std::string::npos ? name : name.substr(slash + 1);
  static const char* const kIntervals[] = {"ghi", "dni", "dhi", "gti", "swdown", "lwdown", "precip", "rain"};
  for (const char* known : kIntervals) {
    const std::string k = known;
    if (base == k) return true;
    if (base.size() > k.size() + 1 &&
        base.compare(base.size() - k.size() - 1, std::string::npos, "_" + k) == 0) {
      return true;
    }
  }
  return false;
}

void ResampleToGrid(NwpRuns& nwp, int64_t step, const std::vector<std::string>& interval_columns) {
  if (nwp.runs.empty() || nwp.native_step <= step) return;
  std::vector<bool> interval;
  for (const auto& name : nwp.Names()) interval.push_back(IsIntervalColumn(name, interval_columns));
  // Longer steps at long leads (ECMWF: 3-hourly after 90 h, 6-hourly after 144 h) are filled too.
  const int64_t max_gap = std::max<int64_t>(nwp.native_step, kMaxFilledStep);
  for (NwpRun& run : nwp.runs) run.frame = Resample(run.frame, max_gap, step, interval);
}

void JoinNeighbour(NwpRuns& nwp, const NwpRuns& neighbour, const std::string& site) {
  if (!nwp.has_issue && neighbour.has_issue) {
    throw io::InputError(neighbour.source,
                         "neighbour '" + site +
                             "' has an issue_time column but the site's own NWP has none; give "
                             "both files runs, or neither");
  }
  for (const auto& name : neighbour.Names()) {
    const std::string joined = site + "/" + name;
    if (nwp.runs.front().frame.Has(joined)) {
      throw io::InputError(neighbour.source, "column '" + joined +
                                                 "' is given twice; give each neighbour a different "
                                                 "site name (name=path)");
    }
  }
  for (NwpRun& run : nwp.runs) {
    const long other = neighbour.has_issue ? neighbour.FindRun(run.issue) : 0;
    for (size_t c = 0; c < neighbour.Names().size(); ++c) {
      std::vector<double> values(run.frame.Rows(), kNaN);
      if (other >= 0) {
        const io::Frame& from = neighbour.runs[static_cast<size_t>(other)].frame;
        size_t m = 0;  // both sorted by time: one merge pass
        for (size_t r = 0; r < run.frame.Rows(); ++r) {
          while (m < from.Rows() && from.time[m] < run.frame.time[r]) ++m;
          if (m == from.Rows()) break;
          if (from.time[m] == run.frame.time[r]) values[r] = from.columns[c][m];
        }
      }
      run.frame.Set(site + "/" + neighbour.Names()[c], std::move(values));
    }
  }
}

std::vector<RunRow> ChooseRuns(const NwpRuns& nwp, const std::vector<int64_t>& targets, int64_t issue,
                               int64_t min_lead, int64_t max_lead) {
  std::vector<RunRow> out(targets.size());
  for (size_t k = 0; k < targets.size(); ++k) {
    if (!nwp.has_issue) {
      out[k] = {0, RowAt(nwp.runs.front().frame, targets[k])};
      if (out[k].row < 0) out[k].run = -1;
      continue;
    }
    for (size_t i = nwp.runs.size(); i-- > 0;) {  // latest first
      const NwpRun& run = nwp.runs[i];
      if (issue != kNoIssue && run.issue > issue) continue;
      const int64_t lead = targets[k] - run.issue;
      if (lead < min_lead || lead > max_lead) continue;
      const long row = RowAt(run.frame, targets[k]);
      if (row < 0) continue;
      out[k] = {static_cast<long>(i), row};
      break;
    }
  }
  return out;
}

}  // namespace seed::kernels
