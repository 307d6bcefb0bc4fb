// The text `seed-job fetch` reads before it talks to a database: connection strings (a mounted
// Secret), query templates with {{placeholders}} (the scanner of literals, quoted identifiers and
// comments that keeps every value bound), and the timestamps servers print. The first byte picks
// the parser. An sql::Error is an answer; a crash or sanitizer report is a bug. One property: a
// parsed DSN's description does not depend on its password.
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
      // The description must not depend on the password at all: comparing texts would mistake a
      // password that also occurs in the host, the port or the brackets around them for a leak.
      const std::string described = seed::sql::Describe(dsn);
      dsn.password = dsn.password.empty() ? "x" : "";
      if (seed::sql::Describe(dsn) != described) __builtin_trap();  // the password leaked into a message
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
