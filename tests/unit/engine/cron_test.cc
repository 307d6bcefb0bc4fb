#include "engine/cron.h"

#include <date/tz.h>
#include <gtest/gtest.h>

#include "api/time_format.h"

namespace seed::engine {
namespace {

Seconds T(const std::string& text) {
  auto time = api::ParseRfc3339(text);
  EXPECT_TRUE(time.has_value()) << text;
  return time.value_or(Seconds{});
}

std::string NextIn(const std::string& cron, const std::string& zone, const std::string& after) {
  std::string error;
  auto schedule = CronSchedule::Parse(cron, &error);
  EXPECT_TRUE(schedule.has_value()) << error;
  if (!schedule) return "";
  auto next = schedule->Next(T(after), date::locate_zone(zone));
  return next ? api::FormatRfc3339(*next) : "never";
}

std::string ParseError(const std::string& cron) {
  std::string error;
  auto schedule = CronSchedule::Parse(cron, &error);
  return schedule ? "" : error;
}

struct Case {
  const char* cron;
  const char* zone;
  const char* after;
  const char* expected;
};

class CronNextTest : public ::testing::TestWithParam<Case> {};

TEST_P(CronNextTest, ExactInstant) {
  const Case& c = GetParam();
  EXPECT_EQ(NextIn(c.cron, c.zone, c.after), c.expected)
      << c.cron << " in " << c.zone << " after " << c.after;
}

INSTANTIATE_TEST_SUITE_P(
    Dst, CronNextTest,
    ::testing::Values(
        // America/New_York: spring forward 2026-03-08 02:00 EST -> 03:00 EDT (07:00Z).
        Case{"30 2 * * *", "America/New_York", "2026-03-07T12:00:00Z",
             "2026-03-08T07:00:00Z"},  // skipped: first valid instant
        Case{"30 2 * * *", "America/New_York", "2026-03-08T07:00:00Z", "2026-03-09T06:30:00Z"},
        Case{"*/15 * * * *", "America/New_York", "2026-03-08T06:45:00Z",
             "2026-03-08T07:00:00Z"},  // 02:00..02:45 collapse
        Case{"*/15 * * * *", "America/New_York", "2026-03-08T07:00:00Z",
             "2026-03-08T07:15:00Z"},  // ...into one run
        // Fall back 2026-11-01 02:00 EDT -> 01:00 EST: 01:30 repeats, runs at the first (EDT) one.
        Case{"30 1 * * *", "America/New_York", "2026-10-31T12:00:00Z", "2026-11-01T05:30:00Z"},
        Case{"30 1 * * *", "America/New_York", "2026-11-01T05:30:00Z", "2026-11-02T06:30:00Z"},
        Case{"*/15 * * * *", "America/New_York", "2026-11-01T05:45:00Z",
             "2026-11-01T07:00:00Z"},  // no second 01:xx
        Case{"0 * * * *", "America/New_York", "2026-11-01T05:00:00Z", "2026-11-01T07:00:00Z"},
        // Europe/Berlin: spring forward 2026-03-29 02:00 CET -> 03:00 CEST (01:00Z).
        Case{"30 2 * * *", "Europe/Berlin", "2026-03-28T12:00:00Z", "2026-03-29T01:00:00Z"},
        Case{"30 2 * * *", "Europe/Berlin", "2026-03-29T01:00:00Z", "2026-03-30T00:30:00Z"},
        // Fall back 2026-10-25 03:00 CEST -> 02:00 CET: 02:30 once, at 00:30Z (kubernetes#121594 ran it
        // twice).
        Case{"30 2 * * *", "Europe/Berlin", "2026-10-24T12:00:00Z", "2026-10-25T00:30:00Z"},
        Case{"30 2 * * *", "Europe/Berlin", "2026-10-25T00:30:00Z", "2026-10-26T01:30:00Z"},
        Case{"0 3 * * *", "Europe/Berlin", "2026-10-24T12:00:00Z", "2026-10-25T02:00:00Z"},
        // Australia/Sydney: DST starts 2026-10-04 02:00 AEST -> 03:00 AEDT (2026-10-03T16:00Z).
        Case{"30 2 * * *", "Australia/Sydney", "2026-10-03T00:00:00Z", "2026-10-03T16:00:00Z"},
        Case{"30 2 * * *", "Australia/Sydney", "2026-10-03T16:00:00Z", "2026-10-04T15:30:00Z"},
        // DST ends 2026-04-05 03:00 AEDT -> 02:00 AEST: 02:30 once, at 02:30 AEDT.
        Case{"30 2 * * *", "Australia/Sydney", "2026-04-04T00:00:00Z", "2026-04-04T15:30:00Z"},
        Case{"30 2 * * *", "Australia/Sydney", "2026-04-04T15:30:00Z", "2026-04-05T16:30:00Z"},
        // Asia/Shanghai (UTC+8, no DST): the day-ahead schedule.
        Case{"15 0 * * *", "Asia/Shanghai", "2026-11-22T00:00:00Z", "2026-11-22T16:15:00Z"},
        Case{"15 0 * * *", "Asia/Shanghai", "2026-11-22T16:15:00Z", "2026-11-23T16:15:00Z"},
        Case{"*/15 * * * *", "Asia/Shanghai", "2026-11-22T16:14:59Z", "2026-11-22T16:15:00Z"}));

INSTANTIATE_TEST_SUITE_P(
    Syntax, CronNextTest,
    ::testing::Values(
        Case{"0 9 * * MON-FRI", "UTC", "2026-11-20T09:00:00Z", "2026-11-23T09:00:00Z"},  // Fri -> Mon
        Case{"0 0 1 JAN,JUL *", "UTC", "2026-02-01T00:00:00Z", "2026-07-01T00:00:00Z"},
        Case{"5-10/5 * * * *", "UTC", "2026-01-01T00:05:00Z", "2026-01-01T00:10:00Z"},
        Case{"0 12 * * 7", "UTC", "2026-11-22T12:00:00Z", "2026-11-29T12:00:00Z"},  // 7 is Sunday
        Case{"0 0 13 * 5", "UTC", "2026-11-01T00:00:00Z", "2026-11-06T00:00:00Z"},  // dom OR dow
        Case{"0 0 29 2 *", "UTC", "2026-01-01T00:00:00Z", "2028-02-29T00:00:00Z"},
        Case{"@hourly", "UTC", "2026-01-01T00:00:00Z", "2026-01-01T01:00:00Z"},
        Case{"@daily", "UTC", "2026-01-01T00:00:00Z", "2026-01-02T00:00:00Z"},
        Case{"@midnight", "UTC", "2026-01-01T00:00:01Z", "2026-01-02T00:00:00Z"},
        Case{"@weekly", "UTC", "2026-11-22T00:00:00Z", "2026-11-29T00:00:00Z"},
        Case{"@monthly", "UTC", "2026-11-22T00:00:00Z", "2026-12-01T00:00:00Z"},
        Case{"@yearly", "UTC", "2026-11-22T00:00:00Z", "2027-01-01T00:00:00Z"},
        Case{"@annually", "UTC", "2026-11-22T00:00:00Z", "2027-01-01T00:00:00Z"},
        Case{"0 0 30 2 *", "UTC", "2026-01-01T00:00:00Z", "never"}));

TEST(CronParseTest, RejectsWithActionableMessages) {
  EXPECT_NE(ParseError("0 */15 * * * *").find("6 fields given"), std::string::npos);
  EXPECT_NE(ParseError("* * *").find("has 3 fields"), std::string::npos);
  EXPECT_NE(ParseError("60 * * * *").find("\"60\" is not a valid minute: use 0-59"), std::string::npos);
  EXPECT_NE(ParseError("0 0 * FOO *").find("is not a valid month"), std::string::npos);
  EXPECT_NE(ParseError("*/0 * * * *").find("bad step"), std::string::npos);
  EXPECT_NE(ParseError("5-1 * * * *").find("runs backwards"), std::string::npos);
  EXPECT_NE(ParseError("@every 5m").find("unknown descriptor"), std::string::npos);
  EXPECT_NE(ParseError("TZ=UTC 0 * * * *").find("set schedule.timeZone"), std::string::npos);
  EXPECT_EQ(ParseError("0 0 * * sun,Mon"), "");
}

}  // namespace
}  // namespace seed::engine
