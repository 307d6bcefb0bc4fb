#pragma once
// Time-indexed numeric tables: the one CSV shape every seed-job subcommand reads and writes.
// First column `time` (RFC 3339 with offset), then named numeric columns. An empty cell is a
// missing value (NaN in memory, empty again when written); text such as "nan" or "inf" is an
// input error, so a NaN can only enter through a cell that is visibly empty.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace seed::io {

struct Frame {
  std::string source;                        // file name, for error messages
  std::vector<int64_t> time;                 // Unix seconds, strictly increasing (per run: see run_column)
  int utc_offset_minutes = 0;                // offset of the first row, reused when writing
  std::vector<std::string> names;            // column names, without `time`
  std::vector<std::vector<double>> columns;  // columns[i][row]; NaN = missing

  size_t Rows() const { return time.size(); }
  // Index of a column, or -1.
  int Find(std::string_view name) const;
  bool Has(std::string_view name) const { return Find(name) >= 0; }
  // The column, or an InputError naming the file and listing the columns it has.
  const std::vector<double>& Column(std::string_view name) const;
  std::vector<double>& Column(std::string_view name);
  // Adds (or replaces) a column; returns it.
  std::vector<double>& Set(std::string_view name, std::vector<double> values);
};

struct CsvReadOptions {
  std::vector<std::string> required;  // columns that must be present
  bool allow_empty_cells = true;      // false: an empty cell is an error
  bool allow_no_rows = false;         // false: a header with no data rows is an error
  // A second RFC 3339 column, e.g. an NWP run's `issue_time`. When the header has it, its cells
  // are read as Unix seconds (a column of the frame like any other), and times need only increase
  // strictly among the rows that share its value (many runs overlap in valid time).
  std::string run_column;
};

// Reads and validates a CSV file; throws InputError with file, line and column on any problem.
Frame ReadCsv(const std::string& path, const CsvReadOptions& options = {});
// The same, from text already in memory (source names it in messages).
Frame ParseCsv(std::string_view text, const std::string& source, const CsvReadOptions& options = {});

// Writes atomically. Numbers keep `decimals` digits after the point (trailing zeros dropped).
void WriteCsv(const std::string& path, const Frame& frame, int decimals = 4);
std::string FormatCsv(const Frame& frame, int decimals = 4);
// The same, with `time_column` (an NWP run's `issue_time`, held as Unix seconds as
// CsvReadOptions::run_column reads it) written as RFC 3339 at the frame's offset.
std::string FormatCsv(const Frame& frame, int decimals, const std::string& time_column);

// A new frame with the given times and offset and no columns.
Frame MakeFrame(std::vector<int64_t> time, int utc_offset_minutes);

}  // namespace seed::io
