#pragma once
// Exponential backoff with full jitter for the storage client's retries, bounded in attempts and
// in total time. Pure: the caller supplies the random draw and the elapsed time.
#include <chrono>

namespace seed::storage {

struct RetryPolicy {
  int max_attempts = 5;                            // first try included
  std::chrono::milliseconds base_delay{200};       // the ceiling of the first delay
  std::chrono::milliseconds max_delay{5000};       // the ceiling never grows past this
  std::chrono::milliseconds total_budget{120000};  // no new attempt would start after this
};

// The delay before attempt `next_attempt` (2, 3, ...) given `unit` uniform in [0, 1): a uniform
// draw below min(max_delay, base_delay * 2^(next_attempt-2)) ("full jitter"). Returns a negative
// duration when no retry is allowed: attempts used up, or the delay would end past the total
// budget given `elapsed`.
std::chrono::milliseconds RetryDelay(const RetryPolicy& policy, int next_attempt, double unit,
                                     std::chrono::milliseconds elapsed);

}  // namespace seed::storage
