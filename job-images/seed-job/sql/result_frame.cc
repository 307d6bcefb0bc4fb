#include "sql/result_frame.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <limits>
#include <numeric>
#include <set>

#include "io/input_error.h"
#include "io/time.h"
#include "sql/db_time.h"

namespace seed::sql {
namespace {

bool ValidCsvName(const std::string& name) {
  return !name.empty() && std::all_of(name.begin(), name.end(), [](unsigned char c) {
    return std::isalnum(c) || c == '_' || c == '.' || c == '-';
  });
}

std::string Trim(std::string_view text) {
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.front()))) text.remove_prefix(1);
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back()))) text.remove_suffix(1);
  return std::string(text);
}

// Splits "a=b,c=d" into pairs; `flag` names the flag in errors.
std::vector<std::pair<std::string, std::string>> Pairs(const std::string& text, const std::string& flag) {
  std::vector<std::pair<std::string, std::string>> pairs;
  size_t start = 0;
  while (start <= text.size()) {
    const size_t comma = std::min(text.find(',', start), text.size());
    const std::string item = Trim(std::string_view(text).substr(start, comma - start));
    start = comma + 1;
    if (item.empty()) continue;
    const size_t eq = item.find('=');
    if (eq == std::string::npos || eq == 0 || eq + 1 == item.size()) {
      throw io::UsageError(flag + " '" + item + "': expected CSV_NAME=VALUE, e.g. " +
                           (flag == "--scale" ? "power_mw=0.001" : "time=ts,power_mw=active_power"));
    }
    pairs.emplace_back(Trim(item.substr(0, eq)), Trim(item.substr(eq + 1)));
  }
  return pairs;
}

std::optional<double> ParseNumber(std::string_view text) {
  const std::string trimmed = Trim(text);
  if (trimmed.empty()) return std::nullopt;
  const char* begin = trimmed.data();
  if (*begin == '+') ++begin;
  double value = 0;
  const auto [end, ec] = std::from_chars(begin, trimmed.data() + trimmed.size(), value);
  if (ec != std::errc() || end != trimmed.data() + trimmed.size() || !std::isfinite(value))
    return std::nullopt;
  return value;
}

std::string Quote(std::string_view value) {
  std::string shown(value.substr(0, 60));
  if (value.size() > 60) shown += "...";
  return "'" + shown + "'";
}

}  // namespace

ColumnMap ParseColumnMap(const std::string& columns, const std::vector<std::string>& scales) {
  ColumnMap map;
  std::set<std::string> seen;
  for (auto& [csv, result] : Pairs(columns, "--columns")) {
    if (!ValidCsvName(csv))
      throw io::UsageError("--columns: '" + csv + "' is not a CSV column name (letters, digits, _ . -)");
    if (!seen.insert(csv).second) throw io::UsageError("--columns: CSV column '" + csv + "' is named twice");
    map.columns.emplace_back(csv, result);
  }
  if (!map.columns.empty() && !seen.count("time")) {
    throw io::UsageError("--columns must map the `time` column, e.g. time=ts,power_mw=active_power");
  }
  for (const auto& flag : scales) {
    for (auto& [csv, factor_text] : Pairs(flag, "--scale")) {
      const auto factor = ParseNumber(factor_text);
      if (!factor)
        throw io::UsageError("--scale " + csv + "=" + factor_text + ": the factor is not a number");
      if (csv == "time" || csv == "issue_time")
        throw io::UsageError("--scale: the `" + csv + "` column cannot be scaled");
      if (!map.columns.empty() && !seen.count(csv)) {
        throw io::UsageError("--scale " + csv + ": no such CSV column in --columns");
      }
      map.scale[csv] = *factor;
    }
  }
  return map;
}

io::Frame ResultToFrame(const ResultSet& result, const ColumnMap& map, int local_offset_minutes,
                        int output_offset_minutes, const std::string& source) {
  std::vector<std::pair<std::string, std::string>> mapping = map.columns;
  if (mapping.empty()) {
    for (const auto& column : result.columns) mapping.emplace_back(column.name, column.name);
  }
  auto has = [&](const std::string& name) {
    return std::any_of(result.columns.begin(), result.columns.end(),
                       [&](const auto& c) { return c.name == name; });
  };
  std::string available;
  for (const auto& column : result.columns) available += (available.empty() ? "" : ", ") + column.name;
  // Indices into the result: time first, then the value columns in output order.
  int time_index = -1;
  std::vector<std::pair<std::string, int>> values;
  for (const auto& [csv, name] : mapping) {
    if (!has(name)) {
      throw io::InputError(source, "column `" + name + "` not in the result; the result has: " + available +
                                       " (fix --columns or the query's SELECT list)");
    }
    int index = 0;
    while (result.columns[static_cast<size_t>(index)].name != name) ++index;
    if (csv == "time") {
      time_index = index;
    } else {
      if (!ValidCsvName(csv)) {
        throw io::InputError(
            source, "result column `" + csv +
                        "` is not a CSV column name: alias it in the query (AS power_mw) or use --columns");
      }
      values.emplace_back(csv, index);
    }
  }
  if (time_index < 0) {
    throw io::InputError(
        source, "the result has no `time` column; the result has: " + available +
                    " (alias the time column AS time in the query, or map it with --columns time=...)");
  }
  for (const auto& scaled : map.scale) {
    const std::string& csv = scaled.first;  // named, not a structured binding: clang 14 cannot capture those
    if (std::none_of(values.begin(), values.end(), [&](const auto& v) { return v.first == csv; })) {
      throw io::InputError(source, "--scale " + csv + ": no such column in the output");
    }
  }

  // The time column, and an NWP run's `issue_time` when mapped: both read as times.
  const size_t rows = result.rows.size();
  auto read_times = [&](int index) {
    const ResultColumn& column = result.columns[static_cast<size_t>(index)];
    if (column.kind == ValueKind::kNumber) {
      throw io::InputError(source,
                           "column `" + column.name + "` (" + column.type_name +
                               ") is a number, not a time: select a DATETIME / timestamp / ISO text, e.g. "
                               "FROM_UNIXTIME(x) in MySQL or to_timestamp(x) in PostgreSQL");
    }
    std::vector<int64_t> times(rows);
    for (size_t r = 0; r < rows; ++r) {
      const auto& cell = result.rows[r][static_cast<size_t>(index)];
      const std::string where = "row " + std::to_string(r + 1) + ", column `" + column.name + "`";
      if (!cell)
        throw io::InputError(
            source, where + ": the time is NULL (filter it out in the query: WHERE ... IS NOT NULL)");
      const auto parsed = ParseDbTime(*cell, local_offset_minutes);
      if (!parsed) {
        throw io::InputError(source,
                             where + " (" + column.type_name + "): " + Quote(*cell) +
                                 " is not a time (expected YYYY-MM-DD HH:MM:SS, optionally with an offset)");
      }
      times[r] = *parsed;
    }
    return times;
  };
  const std::vector<int64_t> times = read_times(time_index);
  const auto run_entry =
      std::find_if(values.begin(), values.end(), [](const auto& v) { return v.first == "issue_time"; });
  const std::vector<int64_t> runs =
      run_entry == values.end() ? std::vector<int64_t>(rows, 0) : read_times(run_entry->second);
  // Sorted by run, then time: the order a CSV with runs is read in (times increase within a run).
  std::vector<size_t> order(rows);
  std::iota(order.begin(), order.end(), size_t{0});
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) {
    return std::pair(runs[a], times[a]) < std::pair(runs[b], times[b]);
  });
  for (size_t k = 1; k < rows; ++k) {
    if (times[order[k]] == times[order[k - 1]] && runs[order[k]] == runs[order[k - 1]]) {
      throw io::InputError(
          source, "rows " + std::to_string(order[k - 1] + 1) + " and " + std::to_string(order[k] + 1) +
                      " have the same time " + io::FormatRfc3339(times[order[k]], 0, true) +
                      (run_entry == values.end() ? "" : " in the same issue_time") +
                      ": the CSV has one row per time (GROUP BY the time, or filter in the query)");
    }
  }

  std::vector<int64_t> sorted_times(rows);
  for (size_t k = 0; k < rows; ++k) sorted_times[k] = times[order[k]];
  io::Frame frame = io::MakeFrame(std::move(sorted_times), output_offset_minutes);
  frame.source = source;
  for (const auto& [csv, index] : values) {
    const ResultColumn& column = result.columns[static_cast<size_t>(index)];
    if (csv == "issue_time") {
      std::vector<double> data(rows);
      for (size_t k = 0; k < rows; ++k) data[k] = static_cast<double>(runs[order[k]]);
      frame.Set(csv, std::move(data));
      continue;
    }
    const auto scale = map.scale.find(csv);
    const double factor = scale == map.scale.end() ? 1.0 : scale->second;
    std::vector<double> data(rows, std::numeric_limits<double>::quiet_NaN());
    for (size_t k = 0; k < rows; ++k) {
      const auto& cell = result.rows[order[k]][static_cast<size_t>(index)];
      if (!cell) continue;
      const auto number = ParseNumber(*cell);
      if (!number) {
        throw io::InputError(source, "row " + std::to_string(order[k] + 1) + " (time " +
                                         io::FormatRfc3339(frame.time[k], 0, true) + "), column `" +
                                         column.name + "` (" + column.type_name + "): " + Quote(*cell) +
                                         " is not a number (fix the data, or NULLIF/CAST it in the query)");
      }
      data[k] = *number * factor;
    }
    frame.Set(csv, std::move(data));
  }
  return frame;
}

}  // namespace seed::sql
