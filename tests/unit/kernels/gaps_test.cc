// Forecast gaps: missing issues per product and missing points as merged intervals.
#include "kernels/gaps.h"

#include <gtest/gtest.h>

#include <stdexcept>

#include "io/time.h"

namespace seed::kernels {
namespace {

int64_t T(const char* text) { return io::ParseRfc3339(text).unix_seconds; }

std::vector<int64_t> Points(int64_t from, int64_t to) {
  std::vector<int64_t> points;
  for (int64_t t = from; t < to; t += io::kQuarterHour) points.push_back(t);
  return points;
}

TEST(GapsTest, ShortTermMissingDaysAndPoints) {
  GapsOptions options{T("2024-05-01T00:00:00+08:00"), T("2024-05-05T00:00:00+08:00"),
                      ForecastKind::kShortTerm, 480};
  // Issues on May 1, 2 and 4 (local), each covering its own day; May 3 never arrived, and the
  // May 4 file lacks its last hour.
  std::vector<ForecastIssue> issues = {
      {"a", T("2024-05-01T08:00:00+08:00"),
       Points(T("2024-05-01T00:00:00+08:00"), T("2024-05-02T00:00:00+08:00"))},
      {"b", T("2024-05-02T08:00:00+08:00"),
       Points(T("2024-05-02T00:00:00+08:00"), T("2024-05-03T00:00:00+08:00"))},
      {"d", T("2024-05-04T07:45:00+08:00"),
       Points(T("2024-05-04T00:00:00+08:00"), T("2024-05-04T23:00:00+08:00"))},
  };
  const GapsResult result = FindForecastGaps(issues, options);
  EXPECT_EQ(result.expected_issues.size(), 4u);
  ASSERT_EQ(result.missing_issues.size(), 1u);
  EXPECT_EQ(result.missing_issues[0], T("2024-05-03T00:00:00+08:00"));
  EXPECT_EQ(result.issues_found, 3);
  EXPECT_EQ(result.expected_points, 384);
  EXPECT_EQ(result.missing_points, 96 + 4);
  ASSERT_EQ(result.missing_intervals.size(), 2u);
  EXPECT_EQ(result.missing_intervals[0].from, T("2024-05-03T00:00:00+08:00"));
  EXPECT_EQ(result.missing_intervals[0].to, T("2024-05-04T00:00:00+08:00"));
  EXPECT_EQ(result.missing_intervals[0].points, 96);
  EXPECT_EQ(result.missing_intervals[1].from, T("2024-05-04T23:00:00+08:00"));
  EXPECT_EQ(result.missing_intervals[1].to, T("2024-05-05T00:00:00+08:00"));
}

TEST(GapsTest, UltraShortTermIssuesEveryQuarterHour) {
  GapsOptions options{T("2024-05-01T10:00:00+08:00"), T("2024-05-01T12:00:00+08:00"),
                      ForecastKind::kUltraShortTerm, 480};
  std::vector<ForecastIssue> issues;
  for (int k = 0; k < 8; ++k) {
    if (k == 2 || k == 3 || k == 6) continue;
    const int64_t issue = options.from + k * io::kQuarterHour + 60;  // issued a minute past the quarter
    issues.push_back(
        {"i", issue,
         Points(options.from + k * io::kQuarterHour, options.from + (k + 16) * io::kQuarterHour)});
  }
  const GapsResult result = FindForecastGaps(issues, options);
  EXPECT_EQ(result.expected_issues.size(), 8u);
  EXPECT_EQ(result.missing_issues,
            (std::vector<int64_t>{options.from + 2 * io::kQuarterHour, options.from + 3 * io::kQuarterHour,
                                  options.from + 6 * io::kQuarterHour}));
  EXPECT_EQ(result.missing_points, 0);  // the 4-hour horizons overlap
}

TEST(GapsTest, ArchiveMissingPointsMergeIntoIntervalsAndNameTheIssuesToRerun) {
  GapsOptions options{T("2024-05-01T00:00:00+08:00"), T("2024-05-03T00:00:00+08:00"),
                      ForecastKind::kShortTerm, 480};
  std::vector<int64_t> points = Points(options.from, options.to);
  // Drop 01:00-01:45 on May 2 (4 points) and the single point 05:00 on May 2.
  std::erase_if(points, [](int64_t t) {
    return (t >= T("2024-05-02T01:00:00+08:00") && t < T("2024-05-02T02:00:00+08:00")) ||
           t == T("2024-05-02T05:00:00+08:00");
  });
  const GapsResult result = FindArchiveGaps(points, options);
  EXPECT_EQ(result.missing_points, 5);
  ASSERT_EQ(result.missing_intervals.size(), 2u);
  EXPECT_EQ(result.missing_intervals[0].points, 4);
  EXPECT_EQ(result.missing_intervals[1].from, T("2024-05-02T05:00:00+08:00"));
  EXPECT_EQ(result.missing_issues, (std::vector<int64_t>{T("2024-05-02T00:00:00+08:00")}));
  EXPECT_EQ(result.issues_found, 1);
}

TEST(GapsTest, PeriodStartIsRoundedUpToTheGridAndBadPeriodsRejected) {
  GapsOptions options{T("2024-05-01T00:07:00+08:00"), T("2024-05-01T01:00:00+08:00"),
                      ForecastKind::kUltraShortTerm, 480};
  const GapsResult result = FindArchiveGaps({}, options);
  EXPECT_EQ(result.expected_points, 3);
  EXPECT_EQ(result.missing_intervals.front().from, T("2024-05-01T00:15:00+08:00"));
  options.to = options.from;
  EXPECT_THROW(FindArchiveGaps({}, options), std::invalid_argument);
}

TEST(GapsTest, IssueTimeFromFileName) {
  const int64_t expected = T("2024-05-01T08:00:00+08:00");
  EXPECT_EQ(ParseIssueTimeFromName("2024-05-01T08:00:00+08:00"), expected);
  EXPECT_EQ(ParseIssueTimeFromName("2024-05-01T080000+0800"), expected);
  EXPECT_EQ(ParseIssueTimeFromName("2024-05-01T08-00-00+08-00"), expected);
  EXPECT_EQ(ParseIssueTimeFromName("2024-05-01T00:00:00Z"), T("2024-05-01T00:00:00Z"));
  EXPECT_FALSE(ParseIssueTimeFromName("forecast"));
  EXPECT_FALSE(ParseIssueTimeFromName("2024-05-01"));
  EXPECT_FALSE(ParseIssueTimeFromName("2024-05-01T08:00:00"));  // no offset: ambiguous
  EXPECT_FALSE(ParseIssueTimeFromName("2024-13-01T08:00:00+08:00"));
}

}  // namespace
}  // namespace seed::kernels
