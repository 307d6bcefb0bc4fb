#include "stream/mosquitto_library.h"

#include <dlfcn.h>

#include <string>

#include "io/input_error.h"

namespace seed::stream {
namespace {

MosquittoLibrary Open() {
  auto fail = [](const std::string& what) {
    throw io::UsageError("the stream mode needs libmosquitto (Debian package libmosquitto1): " + what);
  };
  void* handle = dlopen("libmosquitto.so.1", RTLD_NOW | RTLD_LOCAL);
  if (!handle) fail(dlerror());
  MosquittoLibrary library;
#define SEED_MOSQUITTO_LOAD(name)                                           \
  library.name = reinterpret_cast<decltype(&::name)>(dlsym(handle, #name)); \
  if (!library.name) fail("it has no " #name "; version 2.0 or later is needed");
  SEED_MOSQUITTO_FUNCTIONS(SEED_MOSQUITTO_LOAD)
#undef SEED_MOSQUITTO_LOAD
  // libssl is loaded by now (libmosquitto links it): this only finds it.
  void* ssl = dlopen("libssl.so.3", RTLD_NOW | RTLD_LOCAL);
  if (ssl) library.SSL_pending = reinterpret_cast<decltype(&::SSL_pending)>(dlsym(ssl, "SSL_pending"));
  library.mosquitto_lib_init();
  return library;
}

}  // namespace

const MosquittoLibrary& Mosquitto() {
  static const MosquittoLibrary library = Open();
  return library;
}

}  // namespace seed::stream
