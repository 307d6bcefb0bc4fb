#pragma once
// Runs one fetch query against a MySQL/MariaDB (libmariadb) or PostgreSQL (libpq) server: connect,
// set the session's time zone, prepare, bind every parameter, execute, read all rows, disconnect.
// libmariadb and libpq are used only behind this header.
//
// Times: the session's time zone is set to `local_offset_minutes`, times without an offset are
// read in it, and a time parameter is bound in it (MySQL: a DATETIME value; PostgreSQL: text
// with the offset), so `ts >= {{from}}` means the same instant for DATETIME, TIMESTAMP,
// timestamp and timestamptz columns.
//
// Errors: sql::Error. transient() for what a retry may cure (cannot reach the server, the
// connection dropped, a statement timeout); otherwise the user's to fix (a refused login naming
// the user and host, an unknown database, table or column with the server's message).
#include <cstdint>
#include <map>
#include <string>

#include "sql/dsn.h"
#include "sql/query_template.h"
#include "sql/result_set.h"

namespace seed::sql {

struct Parameter {
  bool is_time = false;
  int64_t unix_seconds = 0;  // when is_time
  std::string text;          // otherwise, bound as a string
};

struct Session {
  int local_offset_minutes = 0;
  int connect_timeout_seconds = 10;
  int query_timeout_seconds = 300;
};

ResultSet RunQuery(const Dsn& dsn, const BoundQuery& query,
                   const std::map<std::string, Parameter>& parameters, const Session& session);

// The two engines (one file each); RunQuery picks by dsn.engine.
ResultSet RunMySqlQuery(const Dsn& dsn, const BoundQuery& query,
                        const std::map<std::string, Parameter>& parameters, const Session& session);
ResultSet RunPostgresQuery(const Dsn& dsn, const BoundQuery& query,
                           const std::map<std::string, Parameter>& parameters, const Session& session);

// "+08:00": the offset as SQL session settings and bound parameters spell it.
std::string OffsetText(int offset_minutes);

}  // namespace seed::sql
