// CSV files of NWP runs: an issue_time column beside the valid time, order checked per run.
#include <gtest/gtest.h>

#include <cmath>
#include <string>

#include "io/csv.h"
#include "io/input_error.h"
#include "io/time.h"

namespace seed::io {
namespace {

const CsvReadOptions kRuns{.run_column = "issue_time"};

TEST(CsvRuns, OverlappingRunsAreReadWithTheirIssueTimes) {
  const Frame f = ParseCsv(
      "time,issue_time,ws\n"
      "2024-05-01T01:00:00Z,2024-05-01T00:00:00Z,5\n"
      "2024-05-01T13:00:00Z,2024-05-01T00:00:00Z,6\n"
      "2024-05-01T13:00:00Z,2024-05-01T12:00:00Z,7\n"
      "2024-05-01T14:00:00Z,2024-05-01T12:00:00Z,\n",
      "runs.csv", kRuns);
  ASSERT_EQ(f.Rows(), 4u);
  EXPECT_EQ(f.Column("issue_time")[2],
            static_cast<double>(ParseRfc3339("2024-05-01T12:00:00Z").unix_seconds));
  EXPECT_EQ(f.time[1], f.time[2]);
  EXPECT_TRUE(std::isnan(f.Column("ws")[3]));
}

TEST(CsvRuns, OrderAndIssueTimesAreCheckedPerRun) {
  auto error = [](const std::string& text) -> std::string {
    try {
      ParseCsv(text, "runs.csv", kRuns);
    } catch (const InputError& e) {
      return std::to_string(e.line()) + ": " + e.what();
    }
    return "no error";
  };
  const std::string header = "time,issue_time,ws\n";
  EXPECT_NE(
      error(header + "2024-05-01T01:00:00Z,2024-05-01T00:00:00Z,5\n" +
            "2024-05-01T13:00:00Z,2024-05-01T12:00:00Z,7\n" + "2024-05-01T01:00:00Z,2024-05-01T00:00:00Z,5\n")
          .find("4: runs.csv:4:1: duplicate time '2024-05-01T01:00:00Z' in the same run (also on line 2)"),
      std::string::npos);
  EXPECT_NE(error(header + "2024-05-01T02:00:00Z,2024-05-01T00:00:00Z,5\n" +
                  "2024-05-01T01:00:00Z,2024-05-01T00:00:00Z,5\n")
                .find("earlier than the row before of the same run (line 2)"),
            std::string::npos);
  EXPECT_NE(error(header + "2024-05-01T02:00:00Z,,5\n").find("bad issue_time"), std::string::npos);
  // Without the option the column is an ordinary one, and a text cell is not a number.
  EXPECT_THROW(ParseCsv(header + "2024-05-01T02:00:00Z,2024-05-01T00:00:00Z,5\n", "runs.csv"), InputError);
}

}  // namespace
}  // namespace seed::io
