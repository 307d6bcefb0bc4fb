#pragma once
// Retry backoff as Kubernetes Jobs do it: base, doubling per failed attempt, capped.
#include <chrono>
#include <cstdint>
#include <optional>
#include <vector>

namespace seed::engine {

struct BackoffPolicy {
  std::chrono::seconds base{10};
  std::chrono::seconds cap{360};
};

// Delay before the attempt after `failed_attempt` (1-based): base * 2^(failed_attempt-1), capped.
std::chrono::seconds RetryDelay(int64_t failed_attempt, const BackoffPolicy& policy);

// Whether an attempt that exited with `exit_code` (nullopt: killed or evicted, no code) may be
// retried: listed in retryOn when set, otherwise anything but 2 ("bad input").
bool IsRetryableExit(const std::optional<int64_t>& exit_code,
                     const std::optional<std::vector<int64_t>>& retry_on);

}  // namespace seed::engine
