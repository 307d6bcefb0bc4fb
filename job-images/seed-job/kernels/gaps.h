#pragma once
// Missing forecasts to backfill: which issues of a forecast product never arrived, and which
// 15-min points of a period no forecast covers.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace seed::kernels {

enum class ForecastKind {
  kShortTerm,       // one issue per local day
  kUltraShortTerm,  // one issue every 15 minutes
};

// One issued forecast file.
struct ForecastIssue {
  std::string name;             // for messages
  int64_t issue_time = 0;       // Unix seconds
  std::vector<int64_t> points;  // times with a forecast value
};

struct GapsOptions {
  int64_t from = 0;  // [from, to), Unix seconds
  int64_t to = 0;
  ForecastKind kind = ForecastKind::kShortTerm;
  int utc_offset_minutes = 0;  // local days (short-term issues) are days in this offset
};

struct TimeInterval {
  int64_t from = 0;  // [from, to)
  int64_t to = 0;
  long points = 0;
};

struct GapsResult {
  std::vector<int64_t> expected_issues;
  std::vector<int64_t> missing_issues;
  long issues_found = 0;                        // expected issues that have a file
  std::vector<TimeInterval> missing_intervals;  // merged runs of uncovered 15-min points
  long expected_points = 0;
  long missing_points = 0;
};

// The issue slot an issue time belongs to: its local day's first instant (short-term) or its
// quarter-hour (ultra-short-term).
int64_t IssueSlot(int64_t issue_time, const GapsOptions& options);

// From issue files: expected issues are the slots whose start lies in [from, to); an issue is
// missing when no file's issue time falls in its slot. Points are the 15-min grid of [from, to)
// (from rounded up to the quarter); a point is missing when no file has a value for it.
// Throws std::invalid_argument when to <= from or the period is longer than 10 years.
GapsResult FindForecastGaps(const std::vector<ForecastIssue>& issues, const GapsOptions& options);

// From one archive whose rows should cover every point: missing points as above; the missing
// issues are the slots that contain a missing point (the issues a backfill must re-run).
GapsResult FindArchiveGaps(const std::vector<int64_t>& points, const GapsOptions& options);

// The issue time written in a file name stem, if any: RFC 3339 (`2024-05-01T08:00:00+08:00`),
// also with the colons removed or replaced by '-' or '_' in the time and offset
// (`2024-05-01T080000+0800`, `2024-05-01T08-00-00+08-00`), or `Z`.
std::optional<int64_t> ParseIssueTimeFromName(std::string_view stem);

}  // namespace seed::kernels
