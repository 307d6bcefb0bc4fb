#pragma once
// A system library opened at run time (dlopen) instead of linked: seed-job starts, and every command
// that does not need the library runs, on an image without the optional package (libcurl4,
// libmariadb3, libpq5, libmosquitto1); the command that needs it says which package to install.
// The handle stays open for the life of the process (the functions bound from it are kept).
#include <string>

namespace seed::io {

class SharedLibrary {
 public:
  // Opens `soname` (e.g. "libpq.so.5"). `needed_for` says what needs it ("fetch from PostgreSQL") and
  // `package` the Debian package that has it; both go into the UsageError thrown when it cannot be
  // opened.
  SharedLibrary(std::string soname, std::string needed_for, std::string package);

  // Sets `function` (a function pointer) to the symbol `name`; throws UsageError naming the library,
  // the symbol and `package` (an older version lacks it).
  template <typename FunctionPointer>
  void Bind(FunctionPointer& function, const char* name) const {
    function = reinterpret_cast<FunctionPointer>(Symbol(name));
  }
  void* Symbol(const char* name) const;  // throws UsageError when absent
  void* Find(const char* name) const;    // nullptr when absent

 private:
  void* handle_ = nullptr;
  std::string soname_, package_;
};

}  // namespace seed::io
