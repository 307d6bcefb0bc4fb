#include "io/results.h"

#include <cstdlib>

#include "io/atomic_file.h"

namespace seed::io {

void Results::Flush() const {
  const char* path = std::getenv("SEED_RESULTS_FILE");
  if (path == nullptr || *path == '\0') return;
  // Kubernetes keeps at most 4096 bytes of a termination message; values are meant to be small.
  WriteFileAtomic(path, values_.dump() + "\n");
}

}  // namespace seed::io
