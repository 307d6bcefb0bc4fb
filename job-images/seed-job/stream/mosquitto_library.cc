#include "stream/mosquitto_library.h"

#include <dlfcn.h>

#include "io/shared_library.h"

namespace seed::stream {
namespace {

MosquittoLibrary Open() {
  static const io::SharedLibrary mosquitto("libmosquitto.so.1", "the stream mode", "libmosquitto1");
  MosquittoLibrary library;
#define SEED_MOSQUITTO_LOAD(name) mosquitto.Bind(library.name, #name);
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
