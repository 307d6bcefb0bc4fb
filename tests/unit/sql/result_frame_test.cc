#include "sql/result_frame.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>

#include "io/input_error.h"

namespace seed::sql {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

ResultSet Power() {
  ResultSet r;
  r.columns = {{"ts", ValueKind::kLocalTime, "datetime"},
               {"active_power", ValueKind::kNumber, "double"},
               {"note", ValueKind::kText, "varchar"}};
  r.rows = {{"2024-01-01 08:30:00", "1250.5", "x"},
            {"2024-01-01 08:00:00", std::nullopt, "3.5"},
            {"2024-01-01 08:15:00", "-0.25", std::nullopt}};
  return r;
}

std::string ErrorOf(const ResultSet& r, const ColumnMap& map) {
  try {
    ResultToFrame(r, map, 480, 0, "query result");
  } catch (const io::InputError& e) {
    return e.what();
  }
  return "";
}

TEST(ResultFrame, MapsScalesSortsAndKeepsNullsEmpty) {
  const ColumnMap map = ParseColumnMap("time=ts,power_mw=active_power", {"power_mw=0.001"});
  const io::Frame f = ResultToFrame(Power(), map, 480, 480, "query result");
  // Local +08:00 wall times, sorted: 08:00, 08:15, 08:30 at +08:00 are 00:00, 00:15, 00:30 UTC.
  EXPECT_THAT(f.time, ElementsAre(1704067200, 1704067200 + 900, 1704067200 + 1800));
  EXPECT_EQ(f.utc_offset_minutes, 480);
  EXPECT_THAT(f.names, ElementsAre("power_mw"));
  EXPECT_TRUE(std::isnan(f.Column("power_mw")[0]));
  EXPECT_DOUBLE_EQ(f.Column("power_mw")[1], -0.00025);
  EXPECT_DOUBLE_EQ(f.Column("power_mw")[2], 1.2505);
}

TEST(ResultFrame, TextHoldingNumbersIsANumber) {
  ResultSet r = Power();
  r.rows[0][2] = " 4.5 ";
  const io::Frame f = ResultToFrame(r, ParseColumnMap("time=ts,x=note", {}), 0, 0, "q");
  EXPECT_DOUBLE_EQ(f.Column("x")[0], 3.5);
  EXPECT_DOUBLE_EQ(f.Column("x")[2], 4.5);
  EXPECT_TRUE(std::isnan(f.Column("x")[1]));
}

TEST(ResultFrame, WithoutColumnsTheResultsNamesAreUsed) {
  ResultSet r;
  r.columns = {{"time", ValueKind::kZonedTime, "timestamptz"}, {"ws", ValueKind::kNumber, "real"}};
  r.rows = {{"2024-01-01 00:00:00+00", "7.5"}};
  const io::Frame f = ResultToFrame(r, ParseColumnMap("", {}), 0, 0, "q");
  EXPECT_THAT(f.names, ElementsAre("ws"));
  EXPECT_EQ(f.time[0], 1704067200);
}

TEST(ResultFrame, AMissingMappedColumnListsWhatTheResultHas) {
  EXPECT_THAT(ErrorOf(Power(), ParseColumnMap("time=ts,power_mw=p_kw", {})),
              HasSubstr("column `p_kw` not in the result; the result has: ts, active_power, note"));
  EXPECT_THAT(ErrorOf(Power(), ParseColumnMap("", {})), HasSubstr("the result has no `time` column"));
}

TEST(ResultFrame, TextInANumericColumnNamesRowTimeColumnAndValue) {
  EXPECT_THAT(ErrorOf(Power(), ParseColumnMap("time=ts,power_mw=note", {})),
              HasSubstr("row 1 (time 2024-01-01T00:30:00Z), column `note` (varchar): 'x' is not a number"));
}

TEST(ResultFrame, BadTimesAndDuplicateTimesAreErrors) {
  ResultSet r = Power();
  r.rows[1][0] = std::nullopt;
  EXPECT_THAT(ErrorOf(r, ParseColumnMap("time=ts,p=active_power", {})),
              HasSubstr("row 2, column `ts`: the time is NULL"));
  r.rows[1][0] = "yesterday";
  EXPECT_THAT(ErrorOf(r, ParseColumnMap("time=ts,p=active_power", {})),
              HasSubstr("'yesterday' is not a time"));
  r.rows[1][0] = "2024-01-01 08:30:00";
  EXPECT_THAT(ErrorOf(r, ParseColumnMap("time=ts,p=active_power", {})),
              HasSubstr("rows 1 and 2 have the same time 2024-01-01T00:30:00Z"));
  r.columns[0].kind = ValueKind::kNumber;
  r.columns[0].type_name = "bigint";
  EXPECT_THAT(ErrorOf(r, ParseColumnMap("time=ts,p=active_power", {})), HasSubstr("is a number, not a time"));
}

TEST(ResultFrame, FlagErrors) {
  auto usage = [](const std::string& columns, std::vector<std::string> scales) {
    try {
      ParseColumnMap(columns, scales);
    } catch (const io::UsageError& e) {
      return std::string(e.what());
    }
    return std::string();
  };
  EXPECT_THAT(usage("power_mw=active_power", {}), HasSubstr("must map the `time` column"));
  EXPECT_THAT(usage("time=ts,power_mw", {}), HasSubstr("expected CSV_NAME=VALUE"));
  EXPECT_THAT(usage("time=ts,p=a,p=b", {}), HasSubstr("named twice"));
  EXPECT_THAT(usage("time=ts,p=a", {"p=kilo"}), HasSubstr("the factor is not a number"));
  EXPECT_THAT(usage("time=ts,p=a", {"q=2"}), HasSubstr("no such CSV column"));
}

}  // namespace
}  // namespace seed::sql

namespace seed::sql {
namespace {

// NWP archives: several runs (issue times) overlap in valid time.
TEST(ResultFrameRuns, IssueTimeIsATimeAndRowsSortByRunThenTime) {
  ResultSet r;
  r.columns = {{"valid", ValueKind::kLocalTime, "datetime"},
               {"issued", ValueKind::kLocalTime, "datetime"},
               {"ws", ValueKind::kNumber, "double"}};
  r.rows = {{"2024-01-01 02:00:00", "2024-01-01 00:00:00", "7"},
            {"2024-01-01 01:00:00", "2024-01-01 12:00:00", "8"},
            {"2024-01-01 01:00:00", "2024-01-01 00:00:00", "6"}};
  const io::Frame f =
      ResultToFrame(r, ParseColumnMap("time=valid,issue_time=issued,ec_ws=ws", {}), 0, 0, "q");
  EXPECT_THAT(f.time, ElementsAre(1704070800, 1704074400, 1704070800));
  EXPECT_THAT(f.Column("ec_ws"), ElementsAre(6, 7, 8));
  const std::string csv = io::FormatCsv(f, 4, "issue_time");
  EXPECT_EQ(csv,
            "time,issue_time,ec_ws\n"
            "2024-01-01T01:00:00+00:00,2024-01-01T00:00:00+00:00,6\n"
            "2024-01-01T02:00:00+00:00,2024-01-01T00:00:00+00:00,7\n"
            "2024-01-01T01:00:00+00:00,2024-01-01T12:00:00+00:00,8\n");
  // What fetch writes, the NWP readers read back as runs.
  io::CsvReadOptions read;
  read.run_column = "issue_time";
  EXPECT_EQ(io::ParseCsv(csv, "nwp.csv", read).Rows(), 3u);
  r.rows[1][1] = "2024-01-01 00:00:00";
  r.rows[1][0] = "2024-01-01 02:00:00";
  EXPECT_THAT(ErrorOf(r, ParseColumnMap("time=valid,issue_time=issued,ec_ws=ws", {})),
              HasSubstr("in the same issue_time"));
}

}  // namespace
}  // namespace seed::sql
