#include "io/time.h"

#include <gtest/gtest.h>

namespace seed::io {
namespace {

TEST(Rfc3339, ParsesOffsetsToTheSameInstant) {
  // 2024-05-01T00:15:00+08:00 is 2024-04-30T16:15:00Z = 1714493700.
  EXPECT_EQ(ParseRfc3339("2024-05-01T00:15:00+08:00").unix_seconds, 1714493700);
  EXPECT_EQ(ParseRfc3339("2024-04-30T16:15:00Z").unix_seconds, 1714493700);
  EXPECT_EQ(ParseRfc3339("2024-04-30 11:45:00-04:30").unix_seconds, 1714493700);
  EXPECT_EQ(ParseRfc3339("2024-05-01T00:15:00.750+08:00").unix_seconds, 1714493700);
  EXPECT_EQ(ParseRfc3339("2024-05-01T00:15:00+08:00").offset_minutes, 480);
  EXPECT_EQ(ParseRfc3339("1970-01-01T00:00:00Z").unix_seconds, 0);
  EXPECT_EQ(ParseRfc3339("1969-12-31T23:59:59Z").unix_seconds, -1);
}

TEST(Rfc3339, RejectsWhatIsNotATimeWithOffset) {
  for (const char* bad : {"", "2024-05-01", "2024-05-01T00:15:00", "2024-13-01T00:00:00Z", "2024-02-30T00:00:00Z",
                          "2024-05-01T24:00:00Z", "2024/05/01T00:00:00Z", "2024-05-01T00:15:00+25:00", "yesterday"}) {
    EXPECT_THROW(ParseRfc3339(bad), std::invalid_argument) << bad;
  }
  try {
    ParseRfc3339("2024-05-01T00:15:00");
    FAIL();
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("no UTC offset"), std::string::npos);
  }
}

TEST(Rfc3339, FormatsInTheGivenOffset) {
  EXPECT_EQ(FormatRfc3339(1714493700, 480), "2024-05-01T00:15:00+08:00");
  EXPECT_EQ(FormatRfc3339(1714493700, 0, true), "2024-04-30T16:15:00Z");
  EXPECT_EQ(FormatRfc3339(1714493700, -270), "2024-04-30T11:45:00-04:30");
  EXPECT_EQ(FormatRfc3339(-1, 0), "1969-12-31T23:59:59+00:00");
  for (int64_t t : {0LL, 951782400LL, 1709164800LL, 4102444799LL}) {
    EXPECT_EQ(ParseRfc3339(FormatRfc3339(t, 330)).unix_seconds, t);
  }
}

TEST(Rfc3339, FormatsEarlyLateAndFarYears) {
  EXPECT_EQ(FormatRfc3339(-62135596800, 0), "0001-01-01T00:00:00+00:00");
  EXPECT_EQ(FormatRfc3339(-30610224000, 0, true), "1000-01-01T00:00:00Z");
  EXPECT_EQ(FormatRfc3339(253402300799, 840), "10000-01-01T13:59:59+14:00");
  EXPECT_EQ(FormatRfc3339(253402300799, -720), "9999-12-31T11:59:59-12:00");
  EXPECT_EQ(FormatRfc3339(1714493700, 5), "2024-04-30T16:20:00+00:05");
}

}  // namespace
}  // namespace seed::io
