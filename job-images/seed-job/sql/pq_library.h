#pragma once
// libpq (PostgreSQL client), loaded with dlopen on first use rather than linked (see
// mariadb_library.h for why). Only postgres_client.cc uses this; the functions keep
// libpq's own signatures (named without the PQ prefix).
#include <libpq-fe.h>

namespace seed::sql {

struct PqLibrary {
  decltype(&::PQclear) clear;
  decltype(&::PQconnectdbParams) connectdbParams;
  decltype(&::PQerrorMessage) errorMessage;
  decltype(&::PQexec) exec;
  decltype(&::PQexecParams) execParams;
  decltype(&::PQfinish) finish;
  decltype(&::PQfname) fname;
  decltype(&::PQftype) ftype;
  decltype(&::PQgetisnull) getisnull;
  decltype(&::PQgetlength) getlength;
  decltype(&::PQgetvalue) getvalue;
  decltype(&::PQnfields) nfields;
  decltype(&::PQntuples) ntuples;
  decltype(&::PQresultErrorField) resultErrorField;
  decltype(&::PQresultErrorMessage) resultErrorMessage;
  decltype(&::PQresultStatus) resultStatus;
  decltype(&::PQstatus) status;
};

// libpq.so.5 (Debian's libpq5), loaded once (thread-safe) with every function resolved. Throws
// std::runtime_error naming the package when it is missing; the next call tries again.
const PqLibrary& Pq();

}  // namespace seed::sql
