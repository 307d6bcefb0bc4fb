// PostgreSQL through libpq: PQexecParams sends the query and its parameters separately (the
// extended protocol), so no value ever becomes SQL text.
#include <libpq-fe.h>

#include <memory>

#include "io/time.h"
#include "sql/client.h"
#include "sql/error.h"
#include "sql/pq_library.h"

namespace seed::sql {
namespace {

struct ConnCloser {
  void operator()(PGconn* conn) const { Pq().finish(conn); }
};
struct ResultClearer {
  void operator()(PGresult* res) const { Pq().clear(res); }
};
using Result = std::unique_ptr<PGresult, ResultClearer>;

std::string Trim(std::string text) {
  while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
  return text;
}

// libpq reports connection failures as text only (no SQLSTATE before the session exists).
[[noreturn]] void ThrowConnectError(const Dsn& dsn, const std::string& message) {
  const auto has = [&](const char* text) { return message.find(text) != std::string::npos; };
  std::string where = Describe(dsn);
  if (has("password authentication failed") || has("no password supplied") || has("no pg_hba.conf entry") ||
      has("authentication failed")) {
    throw Error(
        where + ": login refused for user '" + dsn.user + "' at host '" + dsn.host + "': " + message +
            " (check the user and password in the DSN, and that this user may connect from this host)",
        false);
  }
  if (has("does not exist")) {
    throw Error(where + ": " + message + " (check the database and user names in the DSN)", false);
  }
  if (has("could not translate host name") || has("invalid") || has("missing") || has("unrecognized")) {
    throw Error(where + ": " + message + " (check the DSN)", false);
  }
  throw Error(where + ": cannot connect: " + message +
                  " (is the server running and reachable at this host and port?)",
              true);
}

// SQLSTATE classes a retry may cure: connection exceptions (08), operator intervention (57:
// admin shutdown, query cancelled by a statement timeout), insufficient resources (53),
// serialization failures and deadlocks (40).
bool IsTransientState(const std::string& state) {
  const std::string cls = state.substr(0, 2);
  return cls == "08" || cls == "57" || cls == "53" || cls == "40";
}

[[noreturn]] void ThrowResultError(const std::string& where, PGconn* conn, const PGresult* res) {
  const char* state = res ? Pq().resultErrorField(res, PG_DIAG_SQLSTATE) : nullptr;
  const std::string message = Trim(res ? Pq().resultErrorMessage(res) : Pq().errorMessage(conn));
  // A connection that broke mid-query has no SQLSTATE, or the connection is now bad.
  const bool transient = Pq().status(conn) == CONNECTION_BAD || !state || IsTransientState(state);
  std::string hint;
  if (state && (std::string(state).rfind("42", 0) == 0 || std::string(state).rfind("22", 0) == 0)) {
    hint = " (check the query: --query / --query-file)";
  }
  throw Error(where + ": " + message + (state ? std::string(" [SQLSTATE ") + state + "]" : "") + hint,
              transient);
}

ValueKind KindOf(Oid type) {
  switch (type) {
    case 20:
    case 21:
    case 23:
    case 26:
    case 700:
    case 701:
    case 1700:  // int8 int2 int4 oid float4 float8 numeric
      return ValueKind::kNumber;
    case 1184:  // timestamptz
      return ValueKind::kZonedTime;
    case 1114:
    case 1082:  // timestamp, date
      return ValueKind::kLocalTime;
    default:
      return ValueKind::kText;
  }
}

std::string TypeName(Oid type) {
  switch (type) {
    case 20:
      return "bigint";
    case 21:
      return "smallint";
    case 23:
      return "integer";
    case 700:
      return "real";
    case 701:
      return "double precision";
    case 1700:
      return "numeric";
    case 1184:
      return "timestamptz";
    case 1114:
      return "timestamp";
    case 1082:
      return "date";
    case 25:
      return "text";
    case 1043:
      return "varchar";
    case 1042:
      return "char";
    default:
      return "type oid " + std::to_string(type);
  }
}

}  // namespace

ResultSet RunPostgresQuery(const Dsn& dsn, const BoundQuery& query,
                           const std::map<std::string, Parameter>& parameters, const Session& session) {
  const std::string where = Describe(dsn);
  // The DSN is expanded by libpq (expand_dbname); the settings after it override its defaults.
  // TimeZone is an ISO offset, written as an interval so its sign means east of UTC.
  const std::string timeout = std::to_string(session.connect_timeout_seconds);
  const char* keys[] = {"dbname", "connect_timeout", "client_encoding", "application_name", nullptr};
  const char* values[] = {dsn.text.c_str(), timeout.c_str(), "UTF8", "seed-job fetch", nullptr};
  std::unique_ptr<PGconn, ConnCloser> conn(Pq().connectdbParams(keys, values, 1));
  if (!conn) throw Error(where + ": cannot initialise the PostgreSQL client (out of memory)", true);
  if (Pq().status(conn.get()) != CONNECTION_OK) ThrowConnectError(dsn, Trim(Pq().errorMessage(conn.get())));
  const std::string setup = "SET TIME ZONE INTERVAL '" + OffsetText(session.local_offset_minutes) +
                            "' HOUR TO MINUTE; SET DateStyle = ISO; SET statement_timeout = " +
                            std::to_string(int64_t{session.query_timeout_seconds} * 1000);
  {
    Result res(Pq().exec(conn.get(), setup.c_str()));
    if (Pq().resultStatus(res.get()) != PGRES_COMMAND_OK) ThrowResultError(where, conn.get(), res.get());
  }
  // Parameters as text with their type left to the server (it infers timestamp, timestamptz,
  // text, ... from where the marker stands). A time is written in the session's offset, so a
  // timestamp without time zone compares in local time and a timestamptz at the same instant.
  std::vector<std::string> texts;
  for (const auto& name : query.parameters) {
    const Parameter& p = parameters.at(name);
    texts.push_back(p.is_time ? io::FormatRfc3339(p.unix_seconds, session.local_offset_minutes) : p.text);
  }
  std::vector<const char*> pointers;
  for (const auto& t : texts) pointers.push_back(t.c_str());
  Result res(Pq().execParams(conn.get(), query.sql.c_str(), static_cast<int>(pointers.size()), nullptr,
                             pointers.data(), nullptr, nullptr, 0));
  const ExecStatusType status = Pq().resultStatus(res.get());
  if (status == PGRES_COMMAND_OK) {
    throw Error(
        where + ": the query returns no result set: it must be a SELECT (check --query / --query-file)",
        false);
  }
  if (status != PGRES_TUPLES_OK) ThrowResultError(where, conn.get(), res.get());
  ResultSet result;
  const int n = Pq().nfields(res.get());
  for (int c = 0; c < n; ++c) {
    const Oid type = Pq().ftype(res.get(), c);
    result.columns.push_back({Pq().fname(res.get(), c), KindOf(type), TypeName(type)});
  }
  const int rows = Pq().ntuples(res.get());
  result.rows.reserve(static_cast<size_t>(rows));
  for (int r = 0; r < rows; ++r) {
    std::vector<std::optional<std::string>> row(static_cast<size_t>(n));
    for (int c = 0; c < n; ++c) {
      if (!Pq().getisnull(res.get(), r, c)) {
        row[static_cast<size_t>(c)] =
            std::string(Pq().getvalue(res.get(), r, c), static_cast<size_t>(Pq().getlength(res.get(), r, c)));
      }
    }
    result.rows.push_back(std::move(row));
  }
  return result;
}

}  // namespace seed::sql
