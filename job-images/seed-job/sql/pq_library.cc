#include "sql/pq_library.h"

#include <dlfcn.h>

#include <stdexcept>
#include <string>

namespace seed::sql {
namespace {

PqLibrary LoadPq() {
  void* handle = ::dlopen("libpq.so.5", RTLD_NOW | RTLD_LOCAL);
  if (!handle) {
    const char* why = ::dlerror();
    throw std::runtime_error(
        std::string("fetch from PostgreSQL needs libpq.so.5 (install the Debian package libpq5): ") +
        (why ? why : "cannot load libpq.so.5"));
  }
  auto symbol = [&](const char* name) {
    void* address = ::dlsym(handle, name);
    if (!address) throw std::runtime_error(std::string("libpq.so.5 has no ") + name + " (too old a libpq5?)");
    return address;
  };
  PqLibrary library;
  library.clear = reinterpret_cast<decltype(library.clear)>(symbol("PQclear"));
  library.connectdbParams = reinterpret_cast<decltype(library.connectdbParams)>(symbol("PQconnectdbParams"));
  library.errorMessage = reinterpret_cast<decltype(library.errorMessage)>(symbol("PQerrorMessage"));
  library.exec = reinterpret_cast<decltype(library.exec)>(symbol("PQexec"));
  library.execParams = reinterpret_cast<decltype(library.execParams)>(symbol("PQexecParams"));
  library.finish = reinterpret_cast<decltype(library.finish)>(symbol("PQfinish"));
  library.fname = reinterpret_cast<decltype(library.fname)>(symbol("PQfname"));
  library.ftype = reinterpret_cast<decltype(library.ftype)>(symbol("PQftype"));
  library.getisnull = reinterpret_cast<decltype(library.getisnull)>(symbol("PQgetisnull"));
  library.getlength = reinterpret_cast<decltype(library.getlength)>(symbol("PQgetlength"));
  library.getvalue = reinterpret_cast<decltype(library.getvalue)>(symbol("PQgetvalue"));
  library.nfields = reinterpret_cast<decltype(library.nfields)>(symbol("PQnfields"));
  library.ntuples = reinterpret_cast<decltype(library.ntuples)>(symbol("PQntuples"));
  library.resultErrorField =
      reinterpret_cast<decltype(library.resultErrorField)>(symbol("PQresultErrorField"));
  library.resultErrorMessage =
      reinterpret_cast<decltype(library.resultErrorMessage)>(symbol("PQresultErrorMessage"));
  library.resultStatus = reinterpret_cast<decltype(library.resultStatus)>(symbol("PQresultStatus"));
  library.status = reinterpret_cast<decltype(library.status)>(symbol("PQstatus"));
  return library;  // the handle stays open for the life of the process
}

}  // namespace

const PqLibrary& Pq() {
  static const PqLibrary library = LoadPq();  // a throw leaves it to be tried again
  return library;
}

}  // namespace seed::sql
