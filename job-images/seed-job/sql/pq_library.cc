#include "sql/pq_library.h"

#include "io/shared_library.h"

namespace seed::sql {
namespace {

PqLibrary LoadPq() {
  static const io::SharedLibrary pq("libpq.so.5", "fetch from PostgreSQL", "libpq5");
  PqLibrary library;
  pq.Bind(library.clear, "PQclear");
  pq.Bind(library.connectdbParams, "PQconnectdbParams");
  pq.Bind(library.errorMessage, "PQerrorMessage");
  pq.Bind(library.exec, "PQexec");
  pq.Bind(library.execParams, "PQexecParams");
  pq.Bind(library.finish, "PQfinish");
  pq.Bind(library.fname, "PQfname");
  pq.Bind(library.ftype, "PQftype");
  pq.Bind(library.getisnull, "PQgetisnull");
  pq.Bind(library.getlength, "PQgetlength");
  pq.Bind(library.getvalue, "PQgetvalue");
  pq.Bind(library.nfields, "PQnfields");
  pq.Bind(library.ntuples, "PQntuples");
  pq.Bind(library.resultErrorField, "PQresultErrorField");
  pq.Bind(library.resultErrorMessage, "PQresultErrorMessage");
  pq.Bind(library.resultStatus, "PQresultStatus");
  pq.Bind(library.status, "PQstatus");
  return library;
}

}  // namespace

const PqLibrary& Pq() {
  static const PqLibrary library = LoadPq();  // a throw leaves it to be tried again
  return library;
}

}  // namespace seed::sql
