#include "io/csv.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <fstream>
#include <limits>
#include <sstream>
#include <unordered_map>

#include "io/atomic_file.h"
#include "io/input_error.h"
#include "io/time.h"

namespace seed::io {
namespace {

constexpr double kMissing = std::numeric_limits<double>::quiet_NaN();

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
  return s;
}

// Splits one line on commas; records the 1-based column where each field starts.
void SplitLine(std::string_view line, std::vector<std::string_view>& fields, std::vector<long>& starts) {
  fields.clear();
  starts.clear();
  size_t begin = 0;
  while (true) {
    const size_t comma = line.find(',', begin);
    const size_t end = comma == std::string_view::npos ? line.size() : comma;
    fields.push_back(line.substr(begin, end - begin));
    starts.push_back(static_cast<long>(begin) + 1);
    if (comma == std::string_view::npos) break;
    begin = comma + 1;
  }
}

std::string Quote(std::string_view s) {
  std::string shown(s.substr(0, 40));
  if (s.size() > 40) shown += "...";
  return "'" + shown + "'";
}

double ParseNumber(std::string_view cell, const std::string& source, long line, long column,
                   std::string_view column_name) {
  double value = 0;
  const char* first = cell.data();
  const char* last = cell.data() + cell.size();
  if (first != last && *first == '+') ++first;  // from_chars rejects a leading '+'
  const auto [ptr, ec] = std::from_chars(first, last, value);
  if (ec == std::errc::result_out_of_range) {
    throw InputError(source, line, column, "number out of range in column '" + std::string(column_name) + "': " + Quote(cell));
  }
  if (ec != std::errc() || ptr != last) {
    throw InputError(source, line, column,
                     "not a number in column '" + std::string(column_name) + "': " + Quote(cell) +
                         " (use digits like 12.5; leave the cell empty for a missing value)");
  }
  if (!std::isfinite(value)) {
    throw InputError(source, line, column,
                     "non-finite value " + Quote(cell) + " in column '" + std::string(column_name) +
                         "'; leave the cell empty for a missing value");
  }
  return value;
}

}  // namespace

int Frame::Find(std::string_view name) const {
  for (size_t i = 0; i < names.size(); ++i) {
    if (names[i] == name) return static_cast<int>(i);
  }
  return -1;
}

const std::vector<double>& Frame::Column(std::string_view name) const {
  const int index = Find(name);
  if (index < 0) {
    std::string have;
    for (const auto& n : names) have += (have.empty() ? "" : ", ") + n;
    throw InputError(source, 1, 0, "missing column '" + std::string(name) + "' (the header has: time, " + have + ")");
  }
  return columns[static_cast<size_t>(index)];
}

std::vector<double>& Frame::Column(std::string_view name) {
  return const_cast<std::vector<double>&>(static_cast<const Frame&>(*this).Column(name));
}

std::vector<double>& Frame::Set(std::string_view name, std::vector<double> values) {
  values.resize(Rows(), kMissing);
  const int index = Find(name);
  if (index >= 0) {
    columns[static_cast<size_t>(index)] = std::move(values);
    return columns[static_cast<size_t>(index)];
  }
  names.emplace_back(name);
  columns.push_back(std::move(values));
  return columns.back();
}

Frame MakeFrame(std::vector<int64_t> time, int utc_offset_minutes) {
  Frame frame;
  frame.time = std::move(time);
  frame.utc_offset_minutes = utc_offset_minutes;
  return frame;
}

Frame ParseCsv(std::string_view text, const std::string& source, const CsvReadOptions& options) {
  Frame frame;
  frame.source = source;
  if (text.size() >= 3 && static_cast<unsigned char>(text[0]) == 0xEF &&
      static_cast<unsigned char>(text[1]) == 0xBB && static_cast<unsigned char>(text[2]) == 0xBF) {
    text.remove_prefix(3);  // UTF-8 byte-order mark, as spreadsheet exports write it
  }
  if (text.find_first_not_of(" \t\r\n") == std::string_view::npos) {
    throw InputError(source, 1, 0, "file is empty; expected a header line starting with 'time'");
  }

  std::vector<std::string_view> fields;
  std::vector<long> starts;
  size_t pos = 0;
  long line_no = 0;
  auto next_line = [&](std::string_view& line) {
    if (pos >= text.size()) return false;
    const size_t nl = text.find('\n', pos);
    const size_t end = nl == std::string_view::npos ? text.size() : nl;
    line = text.substr(pos, end - pos);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    pos = end + 1;
    ++line_no;
    return true;
  };

  std::string_view header;
  next_line(header);
  SplitLine(header, fields, starts);
  if (Trim(fields[0]) != "time") {
    throw InputError(source, 1, 1, "first column must be 'time', found " + Quote(Trim(fields[0])));
  }
  std::unordered_map<std::string, long> seen;
  for (size_t i = 1; i < fields.size(); ++i) {
    const std::string name(Trim(fields[i]));
    if (name.empty()) throw InputError(source, 1, starts[i], "empty column name in header");
    if (name == "time" || !seen.emplace(name, starts[i]).second) {
      throw InputError(source, 1, starts[i], "duplicate column '" + name + "' in header");
    }
    frame.names.push_back(name);
  }
  for (const auto& required : options.required) {
    if (!seen.count(required)) frame.Column(required);  // throws the "missing column" error
  }
  frame.columns.assign(frame.names.size(), {});
  const int run_index = options.run_column.empty() ? -1 : frame.Find(options.run_column);
  std::unordered_map<int64_t, std::pair<int64_t, long>> run_last;  // run -> (last time, its line)
  const size_t expected_fields = fields.size();
  // Room for every line that follows, counted up front (a fast scan): the columns are then never
  // regrown, which would copy them and touch twice the fresh pages.
  const std::string_view rest = text.substr(std::min(pos, text.size()));
  const auto lines_left = static_cast<size_t>(std::count(rest.begin(), rest.end(), '\n')) + 1;
  frame.time.reserve(lines_left);
  for (auto& column : frame.columns) column.reserve(lines_left);

  std::string_view line;
  long previous_line = 0;
  while (next_line(line)) {
    if (Trim(line).empty()) continue;  // blank lines (e.g. a trailing one) carry no data
    SplitLine(line, fields, starts);
    if (fields.size() != expected_fields) {
      const long column = fields.size() > expected_fields ? starts[expected_fields] : static_cast<long>(line.size()) + 1;
      throw InputError(source, line_no, column,
                       "expected " + std::to_string(expected_fields) + " fields like the header, found " +
                           std::to_string(fields.size()));
    }
    ParsedTime parsed;
    try {
      parsed = ParseRfc3339(Trim(fields[0]));
    } catch (const std::invalid_argument& e) {
      throw InputError(source, line_no, 1, std::string("bad time ") + Quote(Trim(fields[0])) + ": " + e.what());
    }
    int64_t last_time = frame.time.empty() ? 0 : frame.time.back();
    bool has_last = !frame.time.empty();
    if (frame.time.empty()) frame.utc_offset_minutes = parsed.offset_minutes;
    if (run_index >= 0) {  // order is checked within the row's run
      const std::string_view cell = Trim(fields[static_cast<size_t>(run_index) + 1]);
      int64_t run = 0;
      try {
        run = ParseRfc3339(cell).unix_seconds;
      } catch (const std::invalid_argument& e) {
        throw InputError(source, line_no, starts[static_cast<size_t>(run_index) + 1],
                         "bad " + options.run_column + " " + Quote(cell) + ": " + e.what() +
                             " (every row needs the run's issue time)");
      }
      const auto [it, fresh] = run_last.try_emplace(run, parsed.unix_seconds, line_no);
      has_last = !fresh;
      last_time = it->second.first;
      previous_line = it->second.second;
      it->second = {parsed.unix_seconds, line_no};
    }
    if (has_last && parsed.unix_seconds == last_time) {
      throw InputError(source, line_no, 1,
                       "duplicate time " + Quote(Trim(fields[0])) +
                           (run_index >= 0 ? " in the same run" : "") + " (also on line " +
                           std::to_string(previous_line) + ")");
    } else if (has_last && parsed.unix_seconds < last_time) {
      throw InputError(source, line_no, 1,
                       "time " + Quote(Trim(fields[0])) + " is earlier than the row before" +
                           (run_index >= 0 ? " of the same run" : "") + " (line " +
                           std::to_string(previous_line) + "); rows must be in increasing time order");
    }
    frame.time.push_back(parsed.unix_seconds);
    previous_line = line_no;
    for (size_t i = 1; i < fields.size(); ++i) {
      const std::string_view cell = Trim(fields[i]);
      if (static_cast<long>(i) == run_index + 1) {
        frame.columns[i - 1].push_back(static_cast<double>(ParseRfc3339(cell).unix_seconds));
        continue;
      }
      if (cell.empty()) {
        if (!options.allow_empty_cells) {
          throw InputError(source, line_no, starts[i], "empty cell in column '" + frame.names[i - 1] + "'");
        }
        frame.columns[i - 1].push_back(kMissing);
      } else {
        frame.columns[i - 1].push_back(ParseNumber(cell, source, line_no, starts[i], frame.names[i - 1]));
      }
    }
  }
  if (frame.time.empty() && !options.allow_no_rows) {
    throw InputError(source, 2, 0, "no data rows after the header");
  }
  return frame;
}

Frame ReadCsv(const std::string& path, const CsvReadOptions& options) {
  return ParseCsv(ReadFile(path), path, options);
}

std::string FormatCsv(const Frame& frame, int decimals) { return FormatCsv(frame, decimals, ""); }

std::string FormatCsv(const Frame& frame, int decimals, const std::string& time_column) {
  const int time_index = time_column.empty() ? -1 : frame.Find(time_column);
  std::string out = "time";
  for (const auto& name : frame.names) out += "," + name;
  out += '\n';
  out.reserve(out.size() + frame.Rows() * (26 + frame.names.size() * 10));
  char buf[64];
  for (size_t r = 0; r < frame.Rows(); ++r) {
    out += FormatRfc3339(frame.time[r], frame.utc_offset_minutes);
    for (size_t c = 0; c < frame.columns.size(); ++c) {
      out += ',';
      const double v = frame.columns[c][r];
      if (std::isnan(v)) continue;
      if (static_cast<int>(c) == time_index) {
        out += FormatRfc3339(static_cast<int64_t>(v), frame.utc_offset_minutes);
        continue;
      }
      auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v, std::chars_format::fixed, decimals);
      if (ec != std::errc()) end = std::to_chars(buf, buf + sizeof buf, v).ptr;
      std::string_view text(buf, static_cast<size_t>(end - buf));
      if (text.find('.') != std::string_view::npos) {
        while (text.back() == '0') text.remove_suffix(1);
        if (text.back() == '.') text.remove_suffix(1);
      }
      if (text == "-0") text = "0";
      out += text;
    }
    out += '\n';
  }
  return out;
}

void WriteCsv(const std::string& path, const Frame& frame, int decimals) {
  WriteFileAtomic(path, FormatCsv(frame, decimals));
}

}  // namespace seed::io
