#include "commands/fetch_watermark.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <cmath>
#include <filesystem>
#include <fstream>

#include "io/input_error.h"
#include "io/url_download.h"

namespace seed::commands::fetch {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

io::Frame FrameOf(std::vector<int64_t> times, std::vector<double> values,
                  const std::string& name = "power_mw") {
  io::Frame f = io::MakeFrame(std::move(times), 0);
  f.Set(name, std::move(values));
  return f;
}

TEST(FetchWatermark, FreshRowsReplaceOldOnesAtTheSameTimeAndTheRestIsKept) {
  const io::Frame merged = MergeByTime(FrameOf({0, 900, 1800}, {1, 2, 3}), FrameOf({1800, 2700}, {30, 40}));
  EXPECT_THAT(merged.time, ElementsAre(0, 900, 1800, 2700));
  EXPECT_THAT(merged.Column("power_mw"), ElementsAre(1, 2, 30, 40));
}

TEST(FetchWatermark, DifferentColumnsAreAnError) {
  try {
    MergeByTime(FrameOf({0}, {1}, "power_mw"), FrameOf({900}, {2}, "p"));
    FAIL();
  } catch (const io::InputError& e) {
    EXPECT_THAT(e.what(), HasSubstr("has the columns power_mw, the fetch returns p"));
  }
}

TEST(FetchWatermark, StateFileRoundTripAndAbsentAndBadFiles) {
  const std::string path = (std::filesystem::temp_directory_path() /
                            ("seed_watermark_test_" + std::to_string(::getpid()) + ".json"))
                               .string();
  std::filesystem::remove(path);
  EXPECT_FALSE(ReadWatermark(path).has_value());
  WriteWatermark(path, {1704067200, "out/power.csv"}, 1704067260);
  const auto w = ReadWatermark(path);
  ASSERT_TRUE(w.has_value());
  EXPECT_EQ(w->time, 1704067200);
  EXPECT_EQ(w->output, "out/power.csv");
  std::ofstream(path) << "{\"watermark\": 5}";
  try {
    ReadWatermark(path);
    FAIL();
  } catch (const io::InputError& e) {
    EXPECT_THAT(e.what(), HasSubstr("delete the file to start over"));
  }
  std::filesystem::remove(path);
}

}  // namespace
}  // namespace seed::commands::fetch

namespace seed::commands::fetch {
namespace {

TEST(FetchWatermark, WithRunsTheKeyIsIssueTimeAndTime) {
  io::Frame old = FrameOf({3600, 7200}, {1, 2}, "ec_ws");
  old.Set("issue_time", {0, 0});
  io::Frame fresh = FrameOf({7200, 3600}, {20, 5}, "ec_ws");
  fresh.Set("issue_time", {0, 43200});
  const io::Frame merged = MergeByTime(old, fresh);
  EXPECT_THAT(merged.time, ElementsAre(3600, 7200, 3600));
  EXPECT_THAT(merged.Column("ec_ws"), ElementsAre(1, 20, 5));
  EXPECT_THAT(merged.Column("issue_time"), ElementsAre(0, 0, 43200));
}

}  // namespace
}  // namespace seed::commands::fetch
