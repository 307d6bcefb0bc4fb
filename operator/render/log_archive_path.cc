#include "render/log_archive_path.h"

namespace seed::render {

std::string LogArchiveDir(const std::string& root, const std::string& run, const std::string& task,
                          int64_t item, int64_t attempt) {
  std::string dir = root + "/" + run + "/" + task;
  if (item >= 0) dir += "/" + std::to_string(item);
  return dir + "/" + std::to_string(attempt);
}

}  // namespace seed::render
