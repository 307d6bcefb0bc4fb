#pragma once
// Real database servers for the fetch tests, from the Debian packages (mariadb-server,
// postgresql), each started once per test binary in a temporary data directory, listening on
// 127.0.0.1 at a free port and on a Unix socket in that directory; stopped by the destructor.
// Administration (schema, data, KILL) goes through the packages' command-line clients over the
// socket as the server's superuser; seed-job connects over TCP as the user `seed` with a password.
#include <memory>
#include <string>

#include "process.h"

namespace seed::fetch_test {

class DbServer {
 public:
  virtual ~DbServer() = default;
  // Runs SQL as the superuser; returns the client's tab-separated output. Throws with the
  // client's error output when it fails.
  virtual std::string Admin(const std::string& sql) = 0;
  // The DSN of the test user (password `seed-pw`) on TCP, for `database`.
  virtual std::string Dsn(const std::string& password = "seed-pw") const = 0;
  int port() const { return port_; }
  // What the server logged: every statement it prepared or executed (MariaDB's general log,
  // PostgreSQL's log_statement=all), to see what reached it.
  virtual std::string StatementLog() const = 0;

 protected:
  std::string dir_;
  int port_ = 0;
};

// Start* return nullptr with `why` set when the server's programs are not installed.
std::unique_ptr<DbServer> StartMariaDb(std::string& why);
std::unique_ptr<DbServer> StartPostgres(std::string& why);

}  // namespace seed::fetch_test
