#include "sql/mariadb_library.h"

#include <dlfcn.h>

#include <stdexcept>
#include <string>

namespace seed::sql {
namespace {

MariaDbLibrary LoadMariaDb() {
  void* handle = ::dlopen("libmariadb.so.3", RTLD_NOW | RTLD_LOCAL);
  if (!handle) {
    const char* why = ::dlerror();
    throw std::runtime_error(
        std::string(
            "fetch from MySQL / MariaDB needs libmariadb.so.3 (install the Debian package libmariadb3): ") +
        (why ? why : "cannot load libmariadb.so.3"));
  }
  auto symbol = [&](const char* name) {
    void* address = ::dlsym(handle, name);
    if (!address)
      throw std::runtime_error(std::string("libmariadb.so.3 has no ") + name + " (too old a libmariadb3?)");
    return address;
  };
  MariaDbLibrary library;
  library.close = reinterpret_cast<decltype(library.close)>(symbol("mysql_close"));
  library.error_number = reinterpret_cast<decltype(library.error_number)>(symbol("mysql_errno"));
  library.error = reinterpret_cast<decltype(library.error)>(symbol("mysql_error"));
  library.fetch_fields = reinterpret_cast<decltype(library.fetch_fields)>(symbol("mysql_fetch_fields"));
  library.free_result = reinterpret_cast<decltype(library.free_result)>(symbol("mysql_free_result"));
  library.get_server_info =
      reinterpret_cast<decltype(library.get_server_info)>(symbol("mysql_get_server_info"));
  library.init = reinterpret_cast<decltype(library.init)>(symbol("mysql_init"));
  library.num_fields = reinterpret_cast<decltype(library.num_fields)>(symbol("mysql_num_fields"));
  library.real_connect = reinterpret_cast<decltype(library.real_connect)>(symbol("mysql_real_connect"));
  library.real_query = reinterpret_cast<decltype(library.real_query)>(symbol("mysql_real_query"));
  library.stmt_bind_param =
      reinterpret_cast<decltype(library.stmt_bind_param)>(symbol("mysql_stmt_bind_param"));
  library.stmt_bind_result =
      reinterpret_cast<decltype(library.stmt_bind_result)>(symbol("mysql_stmt_bind_result"));
  library.stmt_close = reinterpret_cast<decltype(library.stmt_close)>(symbol("mysql_stmt_close"));
  library.stmt_errno = reinterpret_cast<decltype(library.stmt_errno)>(symbol("mysql_stmt_errno"));
  library.stmt_error = reinterpret_cast<decltype(library.stmt_error)>(symbol("mysql_stmt_error"));
  library.stmt_execute = reinterpret_cast<decltype(library.stmt_execute)>(symbol("mysql_stmt_execute"));
  library.stmt_fetch = reinterpret_cast<decltype(library.stmt_fetch)>(symbol("mysql_stmt_fetch"));
  library.stmt_fetch_column =
      reinterpret_cast<decltype(library.stmt_fetch_column)>(symbol("mysql_stmt_fetch_column"));
  library.stmt_init = reinterpret_cast<decltype(library.stmt_init)>(symbol("mysql_stmt_init"));
  library.stmt_param_count =
      reinterpret_cast<decltype(library.stmt_param_count)>(symbol("mysql_stmt_param_count"));
  library.stmt_prepare = reinterpret_cast<decltype(library.stmt_prepare)>(symbol("mysql_stmt_prepare"));
  library.stmt_result_metadata =
      reinterpret_cast<decltype(library.stmt_result_metadata)>(symbol("mysql_stmt_result_metadata"));
  library.optionsv = reinterpret_cast<decltype(library.optionsv)>(symbol("mysql_optionsv"));
  return library;  // the handle stays open for the life of the process
}

}  // namespace

const MariaDbLibrary& MariaDb() {
  static const MariaDbLibrary library = LoadMariaDb();  // a throw leaves it to be tried again
  return library;
}

}  // namespace seed::sql
