#include "io/shared_library.h"

#include <dlfcn.h>

#include "io/input_error.h"

namespace seed::io {

SharedLibrary::SharedLibrary(std::string soname, std::string needed_for, std::string package)
    : soname_(std::move(soname)), package_(std::move(package)) {
  handle_ = ::dlopen(soname_.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (!handle_) {
    const char* why = ::dlerror();
    throw UsageError(needed_for + " needs " + soname_ + " (install the Debian package " + package_ +
                     "): " + (why ? why : "cannot load " + soname_));
  }
}

void* SharedLibrary::Find(const char* name) const { return ::dlsym(handle_, name); }

void* SharedLibrary::Symbol(const char* name) const {
  void* address = Find(name);
  if (!address) {
    throw UsageError(soname_ + " has no " + name +
                     ": it is older than seed-job needs (upgrade the Debian package " + package_ + ")");
  }
  return address;
}

}  // namespace seed::io
