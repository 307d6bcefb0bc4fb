#include "render/names.h"

#include <cstdio>

namespace seed::render {

std::string ShortHash(std::string_view text) {
  uint32_t hash = 2166136261u;
  for (unsigned char c : text) {
    hash ^= c;
    hash *= 16777619u;
  }
  char buffer[9];
  std::snprintf(buffer, sizeof buffer, "%08x", hash);
  return buffer;
}

std::string LongHash(std::string_view text) {
  uint64_t hash = 14695981039346656037ull;
  for (unsigned char c : text) {
    hash ^= c;
    hash *= 1099511628211ull;
  }
  char buffer[17];
  std::snprintf(buffer, sizeof buffer, "%016llx", static_cast<unsigned long long>(hash));
  return buffer;
}

std::string TaskPodName(const std::string& run, const std::string& task, int64_t attempt) {
  std::string suffix = "-" + std::to_string(attempt);
  std::string full = run + "-" + task + suffix;
  if (full.size() <= kMaxNameLength) return full;
  std::string hash = "-" + ShortHash(run + "/" + task);
  std::string prefix = (run + "-" + task).substr(0, kMaxNameLength - hash.size() - suffix.size());
  while (!prefix.empty() && (prefix.back() == '-' || prefix.back() == '.')) prefix.pop_back();
  return prefix + hash + suffix;
}

std::string TaskPodName(const std::string& run, const std::string& task, int64_t item, int64_t attempt) {
  if (item < 0) return TaskPodName(run, task, attempt);
  std::string suffix = "-" + ShortHash(run + "/" + task + "/items") + "-" + std::to_string(item) + "-" +
                       std::to_string(attempt);
  std::string prefix = (run + "-" + task).substr(0, kMaxNameLength - suffix.size());
  while (!prefix.empty() && (prefix.back() == '-' || prefix.back() == '.')) prefix.pop_back();
  return prefix + suffix;
}

std::string WorkspaceClaimName(const std::string& run) { return run + "-workspace"; }

}  // namespace seed::render
