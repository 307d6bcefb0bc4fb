#pragma once
// libmariadb (MySQL / MariaDB client), loaded with dlopen on first use rather than linked:
// linked, it and libpq load OpenSSL, Kerberos and LDAP at every start of seed-job, although
// only `fetch` from a database uses them. Only mysql_client.cc uses this; the functions keep
// libmariadb's own signatures (without the mysql_ prefix).
#include <mysql.h>

namespace seed::sql {

struct MariaDbLibrary {
  decltype(&mysql_close) close;
  decltype(&mysql_errno) error_number;
  decltype(&mysql_error) error;
  decltype(&mysql_fetch_fields) fetch_fields;
  decltype(&mysql_free_result) free_result;
  decltype(&mysql_get_server_info) get_server_info;
  decltype(&mysql_init) init;
  decltype(&mysql_num_fields) num_fields;
  decltype(&mysql_real_connect) real_connect;
  decltype(&mysql_real_query) real_query;
  decltype(&mysql_stmt_bind_param) stmt_bind_param;
  decltype(&mysql_stmt_bind_result) stmt_bind_result;
  decltype(&mysql_stmt_close) stmt_close;
  decltype(&mysql_stmt_errno) stmt_errno;
  decltype(&mysql_stmt_error) stmt_error;
  decltype(&mysql_stmt_execute) stmt_execute;
  decltype(&mysql_stmt_fetch) stmt_fetch;
  decltype(&mysql_stmt_fetch_column) stmt_fetch_column;
  decltype(&mysql_stmt_init) stmt_init;
  decltype(&mysql_stmt_param_count) stmt_param_count;
  decltype(&mysql_stmt_prepare) stmt_prepare;
  decltype(&mysql_stmt_result_metadata) stmt_result_metadata;
  int (*optionsv)(MYSQL*, enum mysql_option, ...);
};

// libmariadb.so.3 (Debian's libmariadb3), loaded once (thread-safe) with every function resolved. Throws
// std::runtime_error naming the package when it is missing; the next call tries again.
const MariaDbLibrary& MariaDb();

}  // namespace seed::sql
