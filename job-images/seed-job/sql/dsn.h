#pragma once
// Connection strings ("DSN"s) for the SQL sources of `seed-job fetch`, in URL form:
//   mysql://user:password@host:3306/database?ssl-mode=REQUIRED&ssl-ca=/etc/ca.pem   (or mariadb://)
//   postgresql://user:password@host:5432/database?sslmode=verify-full               (or postgres://)
// User and password are percent-decoded. A PostgreSQL DSN is handed to libpq as written (every
// libpq URI parameter works); a MySQL one is parsed here (options below). Parsing never echoes
// the password: errors and Describe() show user@host:port/database only.
#include <map>
#include <string>
#include <string_view>

namespace seed::sql {

enum class Engine { kMySql, kPostgres };

struct Dsn {
  Engine engine = Engine::kMySql;
  std::string user, password, host, database;
  int port = 0;                                // 0: the engine's default
  std::map<std::string, std::string> options;  // the query string, decoded
  std::string text;                            // as given (libpq parses PostgreSQL DSNs itself)
};

// MySQL options understood: socket, ssl-mode (DISABLED | PREFERRED | REQUIRED | VERIFY_CA |
// VERIFY_IDENTITY), ssl-ca, connect-timeout (seconds). Others are an error (a typo would
// otherwise be silently ignored). `source` names where the text came from, for messages.
// Throws sql::Error (not transient) saying what is wrong and which shape is expected.
Dsn ParseDsn(std::string_view text, const std::string& source);

// "mysql://seed@127.0.0.1:3306/plant": for messages; never the password.
std::string Describe(const Dsn& dsn);

}  // namespace seed::sql
