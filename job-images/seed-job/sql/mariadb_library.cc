#include "sql/mariadb_library.h"

#include "io/shared_library.h"

namespace seed::sql {
namespace {

MariaDbLibrary LoadMariaDb() {
  static const io::SharedLibrary mariadb("libmariadb.so.3", "fetch from MySQL / MariaDB", "libmariadb3");
  MariaDbLibrary library;
  mariadb.Bind(library.close, "mysql_close");
  mariadb.Bind(library.error_number, "mysql_errno");
  mariadb.Bind(library.error, "mysql_error");
  mariadb.Bind(library.fetch_fields, "mysql_fetch_fields");
  mariadb.Bind(library.free_result, "mysql_free_result");
  mariadb.Bind(library.get_server_info, "mysql_get_server_info");
  mariadb.Bind(library.init, "mysql_init");
  mariadb.Bind(library.num_fields, "mysql_num_fields");
  mariadb.Bind(library.real_connect, "mysql_real_connect");
  mariadb.Bind(library.real_query, "mysql_real_query");
  mariadb.Bind(library.stmt_bind_param, "mysql_stmt_bind_param");
  mariadb.Bind(library.stmt_bind_result, "mysql_stmt_bind_result");
  mariadb.Bind(library.stmt_close, "mysql_stmt_close");
  mariadb.Bind(library.stmt_errno, "mysql_stmt_errno");
  mariadb.Bind(library.stmt_error, "mysql_stmt_error");
  mariadb.Bind(library.stmt_execute, "mysql_stmt_execute");
  mariadb.Bind(library.stmt_fetch, "mysql_stmt_fetch");
  mariadb.Bind(library.stmt_fetch_column, "mysql_stmt_fetch_column");
  mariadb.Bind(library.stmt_init, "mysql_stmt_init");
  mariadb.Bind(library.stmt_param_count, "mysql_stmt_param_count");
  mariadb.Bind(library.stmt_prepare, "mysql_stmt_prepare");
  mariadb.Bind(library.stmt_result_metadata, "mysql_stmt_result_metadata");
  mariadb.Bind(library.optionsv, "mysql_optionsv");
  return library;
}

}  // namespace

const MariaDbLibrary& MariaDb() {
  static const MariaDbLibrary library = LoadMariaDb();  // a throw leaves it to be tried again
  return library;
}

}  // namespace seed::sql
