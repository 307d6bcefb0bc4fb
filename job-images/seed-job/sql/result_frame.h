#pragma once
// From a query's result to the documented CSV schema (a `time` column, then numeric columns):
// which result column feeds which CSV column, a scale factor per CSV column, and the checks that
// make a bad result a clear error instead of a wrong file. Pure: no I/O.
//
//   --columns time=ts,power_mw=active_power   CSV name = result column name, in output order
//   --scale power_mw=0.001                    the result's kW written as MW
// Without --columns the result's own names are the CSV names (one must be `time`).
//
// Conversion: a time column may be DATETIME / TIMESTAMP / timestamp / date (read at the session's
// offset), timestamptz, or text holding an ISO time (with or without an offset); numeric columns
// may be any numeric type or text holding a number; NULL becomes an empty cell. Rows are sorted
// by time; two rows with the same time are an error (the CSV has one row per time).
// NWP runs: a CSV column named `issue_time` is read as a time too (held as Unix seconds, written
// by io::FormatCsv(frame, decimals, "issue_time")); rows are then sorted by issue time, then
// time, and only a repeated (issue_time, time) pair is an error.
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "io/csv.h"
#include "sql/result_set.h"

namespace seed::sql {

struct ColumnMap {
  std::vector<std::pair<std::string, std::string>> columns;  // CSV name -> result column; empty: as named
  std::map<std::string, double> scale;                       // CSV name -> factor
};

// Parses the flags' values; throws io::UsageError naming the flag and the bad item.
ColumnMap ParseColumnMap(const std::string& columns, const std::vector<std::string>& scales);

// `source` names the result in messages (e.g. "query result from mysql://seed@db/plant").
// Throws io::InputError: a mapped column missing from the result (listing the columns it has),
// a NULL or unreadable time (row and value), text that is no number in a numeric column (row,
// column and value), a duplicate time.
io::Frame ResultToFrame(const ResultSet& result, const ColumnMap& map, int local_offset_minutes,
                        int output_offset_minutes, const std::string& source);

}  // namespace seed::sql
