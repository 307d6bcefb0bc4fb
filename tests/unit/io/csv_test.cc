#include "io/csv.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cmath>
#include <filesystem>

#include "io/atomic_file.h"
#include "io/input_error.h"

namespace seed::io {
namespace {

// Expects ParseCsv to fail at line:column with a message containing `fragment`.
void ExpectError(const std::string& text, long line, long column, const std::string& fragment,
                 const CsvReadOptions& options = {}) {
  try {
    ParseCsv(text, "in.csv", options);
    FAIL() << "no error for:\n" << text;
  } catch (const InputError& e) {
    EXPECT_EQ(e.file(), "in.csv");
    EXPECT_EQ(e.line(), line) << e.what();
    EXPECT_EQ(e.column(), column) << e.what();
    EXPECT_NE(std::string(e.what()).find(fragment), std::string::npos) << e.what();
  }
}

TEST(Csv, ReadsTimesColumnsAndMissingCells) {
  const Frame f = ParseCsv(
      "\xEF\xBB\xBFtime,power_mw,wind_speed\r\n"
      "2024-01-01T00:00:00+08:00,1.5,7\r\n"
      "2024-01-01T00:15:00+08:00,,+8.25\r\n"
      "\n",
      "in.csv", {.required = {"power_mw"}});
  ASSERT_EQ(f.Rows(), 2u);
  EXPECT_EQ(f.utc_offset_minutes, 480);
  EXPECT_EQ(f.time[1] - f.time[0], 900);
  EXPECT_EQ(f.names, (std::vector<std::string>{"power_mw", "wind_speed"}));
  EXPECT_DOUBLE_EQ(f.Column("power_mw")[0], 1.5);
  EXPECT_TRUE(std::isnan(f.Column("power_mw")[1]));
  EXPECT_DOUBLE_EQ(f.Column("wind_speed")[1], 8.25);
}

TEST(Csv, NamesFileLineAndColumnForEveryKindOfBadInput) {
  ExpectError("", 1, 0, "file is empty");
  ExpectError("date,power_mw\n", 1, 1, "first column must be 'time'");
  ExpectError("time,power_mw\n", 2, 0, "no data rows");
  ExpectError("time,a,a\n2024-01-01T00:00:00Z,1,2\n", 1, 8, "duplicate column 'a'");
  CsvReadOptions needs_power;
  needs_power.required = {"power_mw"};
  ExpectError("time,a\n2024-01-01T00:00:00Z,1\n", 1, 0, "missing column 'power_mw'", needs_power);
  ExpectError("time,a\n2024-01-01 00:00,1\n", 2, 1, "bad time");
  ExpectError("time,a\n2024-01-01T00:00:00,1\n", 2, 1, "no UTC offset");
  ExpectError("time,a,b\n2024-01-01T00:00:00Z,1,abc\n", 2, 24, "not a number in column 'b'");
  ExpectError("time,a\n2024-01-01T00:00:00Z,1.2.3\n", 2, 22, "not a number");
  ExpectError("time,a\n2024-01-01T00:00:00Z,nan\n", 2, 22, "non-finite value 'nan'");
  ExpectError("time,a\n2024-01-01T00:00:00Z,-inf\n", 2, 22, "non-finite value '-inf'");
  ExpectError("time,a\n2024-01-01T00:00:00Z,1e999\n", 2, 22, "out of range");
  ExpectError("time,a\n2024-01-01T00:00:00Z,1,2\n", 2, 24, "expected 2 fields");
  ExpectError("time,a,b\n2024-01-01T00:00:00Z,1\n", 2, 23, "expected 3 fields");
  ExpectError("time,a\n2024-01-01T00:15:00Z,1\n2024-01-01T00:00:00Z,2\n", 3, 1, "earlier than the row before (line 2)");
  ExpectError("time,a\n2024-01-01T00:15:00Z,1\n2024-01-01T08:15:00+08:00,2\n", 3, 1, "duplicate time");
  CsvReadOptions strict;
  strict.allow_empty_cells = false;
  ExpectError("time,a\n2024-01-01T00:00:00Z,\n", 2, 22, "empty cell", strict);
}

TEST(Csv, MissingFileIsAnInputError) {
  EXPECT_THROW(ReadCsv("/nonexistent/seed/file.csv"), InputError);
}

TEST(Csv, ReadFileGivesRegularFilesAndPipesWhole) {
  // Larger than one read chunk, and a directory reads as empty (the CSV reader then says so).
  std::string text;
  for (int i = 0; text.size() < 200000; ++i) text += std::to_string(i) + ",";
  const auto path = std::filesystem::temp_directory_path() / ("seed-read-" + std::to_string(::getpid()));
  WriteFileAtomic(path.string(), text);
  EXPECT_EQ(ReadFile(path.string()), text);
  std::filesystem::remove(path);
  EXPECT_EQ(ReadFile(std::filesystem::temp_directory_path().string()), "");
  int fds[2];
  ASSERT_EQ(::pipe(fds), 0);
  ASSERT_EQ(::write(fds[1], "time\n", 5), 5);
  ::close(fds[1]);
  EXPECT_EQ(ReadFile("/dev/fd/" + std::to_string(fds[0])), "time\n");
  ::close(fds[0]);
}

TEST(Csv, WritesAtomicallyAndRoundTrips) {
  Frame f = MakeFrame({1704038400, 1704039300}, 480);
  f.Set("power_mw", {1.25, std::nan("")});
  f.Set("flag", {0, 16});
  f.Set("tiny", {-0.00001, 123456.789});
  const std::string text = FormatCsv(f);
  EXPECT_EQ(text,
            "time,power_mw,flag,tiny\n"
            "2024-01-01T00:00:00+08:00,1.25,0,0\n"
            "2024-01-01T00:15:00+08:00,,16,123456.789\n");
  const auto dir = std::filesystem::temp_directory_path() / ("seed-csv-" + std::to_string(::getpid()));
  const std::string path = (dir / "sub" / "out.csv").string();
  WriteCsv(path, f);
  const Frame back = ReadCsv(path);
  EXPECT_EQ(back.time, f.time);
  EXPECT_EQ(back.names, f.names);
  EXPECT_TRUE(std::isnan(back.Column("power_mw")[1]));
  // No temporary file is left beside the output.
  size_t files = 0;
  for ([[maybe_unused]] const auto& entry : std::filesystem::directory_iterator(dir / "sub")) ++files;
  EXPECT_EQ(files, 1u);
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace seed::io
