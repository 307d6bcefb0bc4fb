#pragma once
// A fetch query with `{{name}}` placeholders, turned into the engine's parameter markers so every
// value is BOUND (server-side prepared statement), never pasted into the SQL text.
//   SELECT ts, p FROM power WHERE station = {{station}} AND ts >= {{from}} AND ts < {{to}}
//   MySQL:      ... station = ? AND ts >= ? AND ts < ?      parameters: station, from, to
//   PostgreSQL: ... station = $1 AND ts >= $2 AND ts < $3   parameters: station, from, to
// The scanner knows string literals, quoted identifiers and comments: a placeholder inside
// quotes is an error (it would be the literal text, not a value), one inside a comment is left
// alone, and a raw `?` or `$1` marker is an error (parameters are only written as placeholders).
#include <string>
#include <string_view>
#include <vector>

#include "sql/dsn.h"

namespace seed::sql {

struct BoundQuery {
  std::string sql;                      // with the engine's markers
  std::vector<std::string> parameters;  // the placeholder name of marker 1, 2, ...
};

// `known` lists the names a placeholder may use; `source` names the query in messages
// ("--query", or the --query-file path). Throws sql::Error (not transient) naming the line.
BoundQuery BindPlaceholders(std::string_view query, Engine engine, const std::vector<std::string>& known,
                            const std::string& source);

}  // namespace seed::sql
