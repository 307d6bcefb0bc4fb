// MySQL / MariaDB through libmariadb's prepared-statement API (mysql_stmt_*): the query is
// prepared on the server and every parameter is bound, so no value ever becomes SQL text.
#include <date/date.h>
#include <mysql.h>

#include <chrono>
#include <cstring>
#include <memory>
#include <set>

#include "sql/client.h"
#include "sql/error.h"
#include "sql/mariadb_library.h"

namespace seed::sql {
namespace {

// Error numbers a retry may cure: cannot reach the server, it went away or killed the
// connection, it is shutting down or full, a statement timeout, a deadlock.
bool IsTransient(unsigned int code) {
  static const std::set<unsigned int> kTransient = {
      2002, 2003, 2006, 2013,
      2055,                    // CR_CONNECTION_ERROR, CR_CONN_HOST_ERROR, gone away, lost, lost (extended)
      1040, 1053, 1205, 1213,  // too many connections, shutdown in progress, lock wait, deadlock
      1927, 1969, 3024,        // connection killed, statement time exceeded (MariaDB, MySQL)
  };
  return kTransient.count(code) > 0;
}

std::string Hint(unsigned int code) {
  switch (code) {
    case 1045:
    case 1698:
      return " (check the user and password in the DSN, and that this user may connect from this host)";
    case 1044:
    case 1049:
      return " (check the database name in the DSN and the user's grants)";
    case 2005:
      return " (check the host name in the DSN)";
    case 1054:
    case 1146:
    case 1064:
    case 1142:
    case 1143:
      return " (check the query: --query / --query-file)";
    case 2002:
    case 2003:
      return " (is the server running and reachable at this host and port?)";
    default:
      return "";
  }
}

struct MysqlCloser {
  void operator()(MYSQL* db) const { MariaDb().close(db); }
};
struct StmtCloser {
  void operator()(MYSQL_STMT* stmt) const { MariaDb().stmt_close(stmt); }
};
struct ResultFreer {
  void operator()(MYSQL_RES* res) const { MariaDb().free_result(res); }
};

[[noreturn]] void Throw(const std::string& where, unsigned int code, const char* message) {
  throw Error(where + ": " + message + " [MySQL error " + std::to_string(code) + "]" + Hint(code),
              IsTransient(code));
}

ValueKind KindOf(enum_field_types type, unsigned int flags) {
  switch (type) {
    case MYSQL_TYPE_TINY:
    case MYSQL_TYPE_SHORT:
    case MYSQL_TYPE_LONG:
    case MYSQL_TYPE_LONGLONG:
    case MYSQL_TYPE_INT24:
    case MYSQL_TYPE_FLOAT:
    case MYSQL_TYPE_DOUBLE:
    case MYSQL_TYPE_DECIMAL:
    case MYSQL_TYPE_NEWDECIMAL:
    case MYSQL_TYPE_YEAR:
      return ValueKind::kNumber;
    case MYSQL_TYPE_DATETIME:
    case MYSQL_TYPE_TIMESTAMP:
    case MYSQL_TYPE_DATE:
    case MYSQL_TYPE_NEWDATE:
      return ValueKind::kLocalTime;
    default:
      (void)flags;
      return ValueKind::kText;
  }
}

std::string TypeName(enum_field_types type) {
  switch (type) {
    case MYSQL_TYPE_TINY:
      return "tinyint";
    case MYSQL_TYPE_SHORT:
      return "smallint";
    case MYSQL_TYPE_LONG:
      return "int";
    case MYSQL_TYPE_LONGLONG:
      return "bigint";
    case MYSQL_TYPE_INT24:
      return "mediumint";
    case MYSQL_TYPE_FLOAT:
      return "float";
    case MYSQL_TYPE_DOUBLE:
      return "double";
    case MYSQL_TYPE_DECIMAL:
    case MYSQL_TYPE_NEWDECIMAL:
      return "decimal";
    case MYSQL_TYPE_YEAR:
      return "year";
    case MYSQL_TYPE_DATETIME:
      return "datetime";
    case MYSQL_TYPE_TIMESTAMP:
      return "timestamp";
    case MYSQL_TYPE_DATE:
    case MYSQL_TYPE_NEWDATE:
      return "date";
    case MYSQL_TYPE_VARCHAR:
    case MYSQL_TYPE_VAR_STRING:
      return "varchar";
    case MYSQL_TYPE_STRING:
      return "char";
    case MYSQL_TYPE_BLOB:
    case MYSQL_TYPE_TINY_BLOB:
    case MYSQL_TYPE_MEDIUM_BLOB:
    case MYSQL_TYPE_LONG_BLOB:
      return "text";
    case MYSQL_TYPE_JSON:
      return "json";
    default:
      return "type " + std::to_string(static_cast<int>(type));
  }
}

// The instant as a DATETIME in the session's offset.
MYSQL_TIME ToMysqlTime(int64_t unix_seconds, int offset_minutes) {
  using namespace std::chrono;
  const sys_seconds local{seconds{unix_seconds + int64_t{offset_minutes} * 60}};
  const auto day = floor<days>(local);
  const date::year_month_day ymd{day};
  const date::hh_mm_ss<seconds> tod{local - day};
  MYSQL_TIME t;
  std::memset(&t, 0, sizeof t);
  t.year = static_cast<unsigned>(static_cast<int>(ymd.year()));
  t.month = static_cast<unsigned>(ymd.month());
  t.day = static_cast<unsigned>(ymd.day());
  t.hour = static_cast<unsigned>(tod.hours().count());
  t.minute = static_cast<unsigned>(tod.minutes().count());
  t.second = static_cast<unsigned>(tod.seconds().count());
  t.time_type = MYSQL_TIMESTAMP_DATETIME;
  return t;
}

}  // namespace

ResultSet RunMySqlQuery(const Dsn& dsn, const BoundQuery& query,
                        const std::map<std::string, Parameter>& parameters, const Session& session) {
  const std::string where = Describe(dsn);
  std::unique_ptr<MYSQL, MysqlCloser> db(MariaDb().init(nullptr));
  if (!db) throw Error(where + ": cannot initialise the MySQL client (out of memory)", true);
  unsigned int connect_timeout = static_cast<unsigned>(session.connect_timeout_seconds);
  if (auto it = dsn.options.find("connect-timeout"); it != dsn.options.end()) {
    connect_timeout = static_cast<unsigned>(std::stoul(it->second));
  }
  const unsigned int io_timeout = static_cast<unsigned>(session.query_timeout_seconds);
  MariaDb().optionsv(db.get(), MYSQL_OPT_CONNECT_TIMEOUT, &connect_timeout);
  MariaDb().optionsv(db.get(), MYSQL_OPT_READ_TIMEOUT, &io_timeout);
  MariaDb().optionsv(db.get(), MYSQL_OPT_WRITE_TIMEOUT, &io_timeout);
  MariaDb().optionsv(db.get(), MYSQL_SET_CHARSET_NAME, "utf8mb4");
  const std::string mode = dsn.options.count("ssl-mode") ? dsn.options.at("ssl-mode") : "";
  if (mode == "REQUIRED" || mode == "VERIFY_CA" || mode == "VERIFY_IDENTITY") {
    my_bool enforce = 1;
    MariaDb().optionsv(db.get(), MYSQL_OPT_SSL_ENFORCE, &enforce);
  }
  if (mode == "VERIFY_CA" || mode == "VERIFY_IDENTITY") {
    my_bool verify = 1;
    MariaDb().optionsv(db.get(), MYSQL_OPT_SSL_VERIFY_SERVER_CERT, &verify);
  }
  if (auto ca = dsn.options.find("ssl-ca"); ca != dsn.options.end()) {
    MariaDb().optionsv(db.get(), MYSQL_OPT_SSL_CA, ca->second.c_str());
  }
  const char* socket = dsn.options.count("socket") ? dsn.options.at("socket").c_str() : nullptr;
  if (!MariaDb().real_connect(db.get(), dsn.host.empty() ? nullptr : dsn.host.c_str(), dsn.user.c_str(),
                              dsn.password.c_str(), dsn.database.empty() ? nullptr : dsn.database.c_str(),
                              static_cast<unsigned>(dsn.port), socket, 0)) {
    const unsigned int code = MariaDb().error_number(db.get());
    const bool login = code == 1045 || code == 1698;
    Throw(where + (login ? ": login refused for user '" + dsn.user + "' at host '" + dsn.host + "'"
                         : ": cannot connect"),
          code, MariaDb().error(db.get()));
  }
  // Session settings are fixed text built from numbers, never from user input. The statement
  // time limit has a different name (and unit) in MariaDB and in MySQL.
  const bool mariadb = std::string(MariaDb().get_server_info(db.get())).find("MariaDB") != std::string::npos;
  const std::string limit =
      mariadb ? "max_statement_time = " + std::to_string(session.query_timeout_seconds)
              : "max_execution_time = " + std::to_string(int64_t{session.query_timeout_seconds} * 1000);
  const std::string setup = "SET time_zone = '" + OffsetText(session.local_offset_minutes) + "', " + limit;
  if (MariaDb().real_query(db.get(), setup.c_str(), setup.size()) != 0) {
    Throw(where + ": cannot set the session time zone", MariaDb().error_number(db.get()),
          MariaDb().error(db.get()));
  }

  std::unique_ptr<MYSQL_STMT, StmtCloser> stmt(MariaDb().stmt_init(db.get()));
  if (!stmt) Throw(where, MariaDb().error_number(db.get()), MariaDb().error(db.get()));
  if (MariaDb().stmt_prepare(stmt.get(), query.sql.c_str(), query.sql.size()) != 0) {
    Throw(where + ": the query was refused", MariaDb().stmt_errno(stmt.get()),
          MariaDb().stmt_error(stmt.get()));
  }
  if (MariaDb().stmt_param_count(stmt.get()) != query.parameters.size()) {
    throw Error(where + ": the server counts " + std::to_string(MariaDb().stmt_param_count(stmt.get())) +
                    " parameters in the query, the placeholders " + std::to_string(query.parameters.size()),
                false);
  }
  // Parameters: times as DATETIME values, everything else as strings.
  std::vector<MYSQL_BIND> binds(query.parameters.size());
  std::vector<MYSQL_TIME> times(query.parameters.size());
  std::vector<unsigned long> lengths(query.parameters.size());
  for (size_t i = 0; i < query.parameters.size(); ++i) {
    const Parameter& p = parameters.at(query.parameters[i]);
    std::memset(&binds[i], 0, sizeof binds[i]);
    if (p.is_time) {
      times[i] = ToMysqlTime(p.unix_seconds, session.local_offset_minutes);
      binds[i].buffer_type = MYSQL_TYPE_DATETIME;
      binds[i].buffer = &times[i];
    } else {
      lengths[i] = p.text.size();
      binds[i].buffer_type = MYSQL_TYPE_STRING;
      binds[i].buffer = const_cast<char*>(p.text.data());
      binds[i].buffer_length = p.text.size();
      binds[i].length = &lengths[i];
    }
  }
  if (!binds.empty() && MariaDb().stmt_bind_param(stmt.get(), binds.data()) != 0) {
    Throw(where + ": cannot bind the parameters", MariaDb().stmt_errno(stmt.get()),
          MariaDb().stmt_error(stmt.get()));
  }
  std::unique_ptr<MYSQL_RES, ResultFreer> meta(MariaDb().stmt_result_metadata(stmt.get()));
  if (!meta) {
    throw Error(
        where + ": the query returns no result set: it must be a SELECT (check --query / --query-file)",
        false);
  }
  ResultSet result;
  const unsigned int n = MariaDb().num_fields(meta.get());
  const MYSQL_FIELD* fields = MariaDb().fetch_fields(meta.get());
  for (unsigned int c = 0; c < n; ++c) {
    result.columns.push_back(
        {fields[c].name, KindOf(fields[c].type, fields[c].flags), TypeName(fields[c].type)});
  }
  if (MariaDb().stmt_execute(stmt.get()) != 0) {
    Throw(where + ": the query failed", MariaDb().stmt_errno(stmt.get()), MariaDb().stmt_error(stmt.get()));
  }
  // Every column is read as text (libmariadb converts numbers and DATETIMEs); a value longer
  // than the buffer is fetched again whole.
  constexpr unsigned long kBuffer = 128;
  std::vector<std::vector<char>> buffers(n, std::vector<char>(kBuffer));
  std::vector<unsigned long> out_lengths(n);
  std::vector<my_bool> nulls(n), errors(n);
  std::vector<MYSQL_BIND> out(n);
  for (unsigned int c = 0; c < n; ++c) {
    std::memset(&out[c], 0, sizeof out[c]);
    out[c].buffer_type = MYSQL_TYPE_STRING;
    out[c].buffer = buffers[c].data();
    out[c].buffer_length = kBuffer;
    out[c].length = &out_lengths[c];
    out[c].is_null = &nulls[c];
    out[c].error = &errors[c];
  }
  if (MariaDb().stmt_bind_result(stmt.get(), out.data()) != 0) {
    Throw(where + ": cannot bind the result", MariaDb().stmt_errno(stmt.get()),
          MariaDb().stmt_error(stmt.get()));
  }
  while (true) {
    const int rc = MariaDb().stmt_fetch(stmt.get());
    if (rc == MYSQL_NO_DATA) break;
    if (rc == 1)
      Throw(where + ": reading the result failed", MariaDb().stmt_errno(stmt.get()),
            MariaDb().stmt_error(stmt.get()));
    std::vector<std::optional<std::string>> row(n);
    for (unsigned int c = 0; c < n; ++c) {
      if (nulls[c]) continue;
      if (out_lengths[c] <= kBuffer) {
        row[c] = std::string(buffers[c].data(), out_lengths[c]);
        continue;
      }
      std::string whole(out_lengths[c], '\0');
      MYSQL_BIND again;
      std::memset(&again, 0, sizeof again);
      unsigned long length = 0;
      again.buffer_type = MYSQL_TYPE_STRING;
      again.buffer = whole.data();
      again.buffer_length = whole.size();
      again.length = &length;
      if (MariaDb().stmt_fetch_column(stmt.get(), &again, c, 0) != 0) {
        Throw(where + ": reading a long value failed", MariaDb().stmt_errno(stmt.get()),
              MariaDb().stmt_error(stmt.get()));
      }
      whole.resize(std::min<unsigned long>(length, whole.size()));
      row[c] = std::move(whole);
    }
    result.rows.push_back(std::move(row));
  }
  return result;
}

}  // namespace seed::sql
