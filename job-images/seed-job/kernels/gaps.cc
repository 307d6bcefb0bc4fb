#include "kernels/gaps.h"

#include <algorithm>
#include <stdexcept>
#include <unordered_set>

#include "io/time.h"

namespace seed::kernels {
namespace {

constexpr int64_t kMaxPeriod = int64_t{3660} * io::kDay;

int64_t FloorTo(int64_t t, int64_t step) { return t / step * step - ((t % step < 0) ? step : 0); }
int64_t CeilTo(int64_t t, int64_t step) { return -FloorTo(-t, step); }

void CheckPeriod(const GapsOptions& options) {
  if (options.to <= options.from) throw std::invalid_argument("--to must be later than --from");
  if (options.to - options.from > kMaxPeriod)
    throw std::invalid_argument("the period is longer than 10 years");
}

std::vector<int64_t> ExpectedIssues(const GapsOptions& options) {
  const int64_t step = options.kind == ForecastKind::kShortTerm ? io::kDay : io::kQuarterHour;
  const int64_t offset = int64_t{options.utc_offset_minutes} * 60;
  std::vector<int64_t> slots;
  for (int64_t t = CeilTo(options.from + offset, step) - offset; t < options.to; t += step)
    slots.push_back(t);
  return slots;
}

std::vector<int64_t> Grid(const GapsOptions& options) {
  std::vector<int64_t> grid;
  for (int64_t t = CeilTo(options.from, io::kQuarterHour); t < options.to; t += io::kQuarterHour)
    grid.push_back(t);
  return grid;
}

void MissingPoints(const std::vector<int64_t>& grid, const std::unordered_set<int64_t>& covered,
                   GapsResult& result) {
  result.expected_points = static_cast<long>(grid.size());
  for (const int64_t t : grid) {
    if (covered.count(t)) continue;
    ++result.missing_points;
    if (!result.missing_intervals.empty() && result.missing_intervals.back().to == t) {
      result.missing_intervals.back().to += io::kQuarterHour;
      ++result.missing_intervals.back().points;
    } else {
      result.missing_intervals.push_back({t, t + io::kQuarterHour, 1});
    }
  }
}

}  // namespace

int64_t IssueSlot(int64_t issue_time, const GapsOptions& options) {
  const int64_t step = options.kind == ForecastKind::kShortTerm ? io::kDay : io::kQuarterHour;
  const int64_t offset = int64_t{options.utc_offset_minutes} * 60;
  return FloorTo(issue_time + offset, step) - offset;
}

GapsResult FindForecastGaps(const std::vector<ForecastIssue>& issues, const GapsOptions& options) {
  CheckPeriod(options);
  GapsResult result;
  result.expected_issues = ExpectedIssues(options);
  std::unordered_set<int64_t> issued, covered;
  for (const auto& issue : issues) {
    issued.insert(IssueSlot(issue.issue_time, options));
    covered.insert(issue.points.begin(), issue.points.end());
  }
  for (const int64_t slot : result.expected_issues) {
    if (issued.count(slot)) {
      ++result.issues_found;
    } else {
      result.missing_issues.push_back(slot);
    }
  }
  MissingPoints(Grid(options), covered, result);
  return result;
}

GapsResult FindArchiveGaps(const std::vector<int64_t>& points, const GapsOptions& options) {
  CheckPeriod(options);
  GapsResult result;
  result.expected_issues = ExpectedIssues(options);
  const std::unordered_set<int64_t> covered(points.begin(), points.end());
  MissingPoints(Grid(options), covered, result);
  std::unordered_set<int64_t> needed;
  for (const auto& interval : result.missing_intervals) {
    for (int64_t t = interval.from; t < interval.to; t += io::kQuarterHour)
      needed.insert(IssueSlot(t, options));
  }
  for (const int64_t slot : result.expected_issues) {
    if (needed.count(slot)) {
      result.missing_issues.push_back(slot);
    } else {
      ++result.issues_found;
    }
  }
  return result;
}

std::optional<int64_t> ParseIssueTimeFromName(std::string_view stem) {
  // Normalise "2024-05-01T080000+0800" and "2024-05-01T08-00-00+08-00" to RFC 3339.
  if (stem.size() < 11 || stem[4] != '-' || stem[7] != '-' ||
      (stem[10] != 'T' && stem[10] != 't' && stem[10] != '_')) {
    return std::nullopt;
  }
  std::string date(stem.substr(0, 10));
  std::string rest(stem.substr(11));
  std::string digits;
  size_t i = 0;
  for (; i < rest.size() && digits.size() < 6; ++i) {
    const char c = rest[i];
    if (c >= '0' && c <= '9') {
      digits += c;
    } else if (c != ':' && c != '-' && c != '_') {
      break;
    }
  }
  if (digits.size() != 6) return std::nullopt;
  std::string zone(rest.substr(i));
  if (zone != "Z" && zone != "z") {
    if (zone.size() < 5 || (zone[0] != '+' && zone[0] != '-')) return std::nullopt;
    std::string zd;
    for (char c : zone.substr(1)) {
      if (c >= '0' && c <= '9') {
        zd += c;
      } else if (c != ':' && c != '-' && c != '_') {
        return std::nullopt;
      }
    }
    if (zd.size() != 4) return std::nullopt;
    zone = std::string(1, zone[0]) + zd.substr(0, 2) + ":" + zd.substr(2, 2);
  }
  const std::string text =
      date + "T" + digits.substr(0, 2) + ":" + digits.substr(2, 2) + ":" + digits.substr(4, 2) + zone;
  try {
    return io::ParseRfc3339(text).unix_seconds;
  } catch (const std::invalid_argument&) {
    return std::nullopt;
  }
}

}  // namespace seed::kernels
