// The text `seed-job fetch` reads before it talks to a database: connection strings (a mounted
// Secret), query templates with {{placeholders}} (the scanner of literals, quoted identifiers and
// comments that keeps every value bound), and the timestamps servers print. The first byte picks
// the parser. An sql::Error is an answer; a crash or sanitizer report is a bug. One property: a
// parsed DSN's description never holds its password.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "sql/db_time.h"
#include "sql/dsn.h"
#include "sql/error.h"
#include "sql/query_template.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const uint8_t which = data[0] % 3;
  std::string_view text(reinterpret_cast<const char*>(data + 1), size - 1);
  try {
    if (which == 0) {
      auto dsn = seed::sql::ParseDsn(text, "fuzz");
      // Everything a description may show, to tell a leak from a password that is also a host name.
      std::string shown = "mysql://mariadb://postgresql://postgres://" + dsn.user + "@" + dsn.host + ":" +
                          std::to_string(dsn.port) + "/" + dsn.database;
      for (const auto& [key, value] : dsn.options) shown += key + "=" + value;
      if (dsn.password.size() >= 4 && shown.find(dsn.password) == std::string::npos &&
          seed::sql::Describe(dsn).find(dsn.password) != std::string::npos) {
        __builtin_trap();  // the password leaked into a message
      }
    } else if (which == 1) {
      for (auto engine : {seed::sql::Engine::kMySql, seed::sql::Engine::kPostgres}) {
        (void)seed::sql::BindPlaceholders(text, engine, {"from", "to", "station"}, "fuzz");
      }
    } else {
      (void)seed::sql::ParseDbTime(text, 480);
      (void)seed::sql::ParseDbTime(text, -300);
    }
  } catch (const seed::sql::Error&) {
  }
  return 0;
}
