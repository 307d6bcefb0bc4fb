#include "sql/db_time.h"

#include <gtest/gtest.h>

namespace seed::sql {
namespace {

constexpr int64_t k20240101 = 1704067200;  // 2024-01-01T00:00:00Z

TEST(DbTime, ServerSpellingsWithAndWithoutOffsets) {
  EXPECT_EQ(ParseDbTime("2024-01-01 00:15:00", 0), k20240101 + 900);
  EXPECT_EQ(ParseDbTime("2024-01-01T00:15:00", 0), k20240101 + 900);
  EXPECT_EQ(ParseDbTime("2024-01-01 00:15:00.750", 0), k20240101 + 900);  // truncated
  EXPECT_EQ(ParseDbTime("2024-01-01 00:15", 0), k20240101 + 900);
  EXPECT_EQ(ParseDbTime("2024-01-01", 0), k20240101);
  // Without an offset, the local offset applies: 08:00 at +08:00 is midnight UTC.
  EXPECT_EQ(ParseDbTime("2024-01-01 08:00:00", 480), k20240101);
  // PostgreSQL's timestamptz: "+08", and the other offset spellings; an offset beats the local one.
  EXPECT_EQ(ParseDbTime("2024-01-01 08:00:00+08", 0), k20240101);
  EXPECT_EQ(ParseDbTime("2024-01-01 08:00:00+08:00", -300), k20240101);
  EXPECT_EQ(ParseDbTime("2024-01-01 05:30:00+0530", 0), k20240101);
  EXPECT_EQ(ParseDbTime("2023-12-31 19:00:00-05", 0), k20240101);
  EXPECT_EQ(ParseDbTime("2024-01-01T00:00:00Z", 480), k20240101);
  EXPECT_EQ(ParseDbTime("2024-02-29 00:00:00", 0), k20240101 + 59 * 86400);
}

TEST(DbTime, AnythingElseIsNoTime) {
  for (const char* bad :
       {"", "n/a", "2024-13-01 00:00:00", "2024-02-30", "2024-01-01 24:00:00", "2024-01-01 00:00:00+",
        "2024-01-01 00:00:00 UTC", "2024/01/01 00:00:00", "1704067200", "2024-01-01 00:00:00+19"}) {
    EXPECT_FALSE(ParseDbTime(bad, 0).has_value()) << bad;
  }
}

}  // namespace
}  // namespace seed::sql
