#include "api/time_format.h"

#include <date/date.h>
#include <date/tz.h>
#include <gtest/gtest.h>

#include <random>

namespace seed::api {
namespace {

Seconds At(int y, unsigned m, unsigned d, int hh, int mm, int ss) {
  return date::sys_days(date::year{y} / m / d) + std::chrono::hours(hh) + std::chrono::minutes(mm) +
         std::chrono::seconds(ss);
}

TEST(TimeFormat, ParsesUtcOffsetsFractionsAndTheOtherSeparators) {
  EXPECT_EQ(ParseRfc3339("2026-11-22T00:15:00Z"), At(2026, 11, 22, 0, 15, 0));
  EXPECT_EQ(ParseRfc3339("2026-11-22t00:15:00z"), At(2026, 11, 22, 0, 15, 0));
  EXPECT_EQ(ParseRfc3339("2026-11-22 00:15:00Z"), At(2026, 11, 22, 0, 15, 0));
  EXPECT_EQ(ParseRfc3339("2026-11-22T08:15:00+08:00"), At(2026, 11, 22, 0, 15, 0));
  EXPECT_EQ(ParseRfc3339("2026-11-21T19:45:00-04:30"), At(2026, 11, 22, 0, 15, 0));
  EXPECT_EQ(ParseRfc3339("2026-11-22T00:15:00.999999Z"), At(2026, 11, 22, 0, 15, 0));  // truncated
  EXPECT_EQ(ParseRfc3339("2024-02-29T23:59:60Z"), At(2024, 3, 1, 0, 0, 0));             // leap second
}

TEST(TimeFormat, RejectsAnythingElse) {
  for (const char* bad : {"", "2026-11-22", "2026-11-22T00:15Z", "2026-11-22T00:15:00", "2026-11-22T00:15:00+08",
                          "2026-11-22T00:15:00+0800", "2026-11-22T00:15:00.Z", "2026-11-22T00:15:00Zx",
                          " 2026-11-22T00:15:00Z", "2026-11-22T00:15:00 Z", "2026/11/22T00:15:00Z",
                          "2026-11-22X00:15:00Z", "2026-13-01T00:00:00Z", "2026-02-29T00:00:00Z",
                          "2026-11-31T00:00:00Z", "2026-11-22T24:00:00Z", "2026-11-22T00:60:00Z",
                          "2026-11-22T00:00:61Z", "2026-1a-22T00:00:00Z", "+026-11-22T00:00:00Z",
                          "2026-11-22T00:15:00+0a:00"}) {
    EXPECT_FALSE(ParseRfc3339(bad).has_value()) << bad;
  }
}

TEST(TimeFormat, FormatsAsTheDateLibraryAndParsesBack) {
  std::mt19937_64 random(7);
  std::uniform_int_distribution<int64_t> seconds(-2208988800, 7258118400);  // 1900 to 2200
  for (int i = 0; i < 20000; ++i) {
    const Seconds t{std::chrono::seconds(seconds(random))};
    const std::string text = FormatRfc3339(t);
    ASSERT_EQ(text, date::format("%Y-%m-%dT%H:%M:%SZ", t));
    ASSERT_EQ(ParseRfc3339(text), t) << text;
  }
}

TEST(TimeFormat, FormatsInAZoneWithItsOffset) {
  const Seconds t = At(2026, 11, 22, 0, 15, 0);
  EXPECT_EQ(FormatRfc3339In(t, date::locate_zone("Asia/Shanghai")), "2026-11-22T08:15:00+08:00");
  EXPECT_EQ(FormatRfc3339In(t, date::locate_zone("America/St_Johns")), "2026-11-21T20:45:00-03:30");
  EXPECT_EQ(FormatRfc3339In(At(2026, 7, 1, 12, 0, 0), date::locate_zone("Europe/Berlin")), "2026-07-01T14:00:00+02:00");
  EXPECT_EQ(FormatRfc3339In(t, date::locate_zone("UTC")), "2026-11-22T00:15:00Z");
  EXPECT_EQ(FormatRfc3339In(t, nullptr), "2026-11-22T00:15:00Z");
  EXPECT_EQ(ParseRfc3339(FormatRfc3339In(t, date::locate_zone("America/St_Johns"))), t);
}

}  // namespace
}  // namespace seed::api
