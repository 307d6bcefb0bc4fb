#include "engine/backoff.h"

#include <algorithm>

namespace seed::engine {

std::chrono::seconds RetryDelay(int64_t failed_attempt, const BackoffPolicy& policy) {
  auto delay = policy.base;
  for (int64_t i = 1; i < failed_attempt && delay < policy.cap; ++i) delay *= 2;
  return std::min(delay, policy.cap);
}

bool IsRetryableExit(const std::optional<int64_t>& exit_code,
                     const std::optional<std::vector<int64_t>>& retry_on) {
  if (retry_on) {
    return exit_code && std::find(retry_on->begin(), retry_on->end(), *exit_code) != retry_on->end();
  }
  return !exit_code || *exit_code != 2;
}

}  // namespace seed::engine
