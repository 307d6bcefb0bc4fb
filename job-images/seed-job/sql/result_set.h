#pragma once
// What a query returned, engine-neutral: every cell as the text the server sent (NULL as
// nullopt) and, per column, the kind of value its SQL type holds, so the mapping to the CSV
// schema (result_frame.h) can convert and check it the same way for MySQL and PostgreSQL.
#include <optional>
#include <string>
#include <vector>

namespace seed::sql {

enum class ValueKind {
  kNumber,     // integer, decimal or floating-point types
  kZonedTime,  // a timestamp whose text carries its offset (timestamptz)
  kLocalTime,  // a timestamp without offset (DATETIME, TIMESTAMP, timestamp, date)
  kText,       // character types and anything else
};

struct ResultColumn {
  std::string name;
  ValueKind kind = ValueKind::kText;
  std::string type_name;  // the SQL type, for messages ("varchar", "timestamptz")
};

struct ResultSet {
  std::vector<ResultColumn> columns;
  std::vector<std::vector<std::optional<std::string>>> rows;  // rows[r][c]
};

}  // namespace seed::sql
