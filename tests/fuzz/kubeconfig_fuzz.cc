// kubeconfig files as seed-operator reads them (client-go's merge rules, base64 data fields,
// exec plugins): written to a scratch file, then loaded with and without a context override.
// An error result is an answer; a crash, an exception or a sanitizer report is a bug.
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "kube/config.h"

namespace {

const std::string& ScratchPath() {
  static const std::string path = [] {
    char name[] = "/tmp/seed-fuzz-kubeconfig-XXXXXX";
    int fd = mkstemp(name);
    if (fd < 0) std::abort();
    close(fd);
    return std::string(name);
  }();
  return path;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string& path = ScratchPath();
  if (FILE* file = std::fopen(path.c_str(), "wb")) {
    std::fwrite(data, 1, size, file);
    std::fclose(file);
  } else {
    std::abort();
  }
  (void)kube::LoadKubeconfig({path});
  (void)kube::LoadKubeconfig({path}, "other");
  (void)kube::DecodeBase64(std::string_view(reinterpret_cast<const char*>(data), size));
  return 0;
}
