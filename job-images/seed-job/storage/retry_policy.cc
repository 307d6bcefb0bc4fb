#include "storage/retry_policy.h"

#include <algorithm>
#include <cmath>

namespace seed::storage {

std::chrono::milliseconds RetryDelay(const RetryPolicy& policy, int next_attempt, double unit,
                                     std::chrono::milliseconds elapsed) {
  using std::chrono::milliseconds;
  if (next_attempt < 2 || next_attempt > policy.max_attempts) return milliseconds(-1);
  const double ceiling = std::min<double>(
      static_cast<double>(policy.max_delay.count()),
      static_cast<double>(policy.base_delay.count()) * std::ldexp(1.0, std::min(next_attempt - 2, 30)));
  const milliseconds delay(static_cast<long long>(std::clamp(unit, 0.0, 1.0) * ceiling));
  if (elapsed + delay >= policy.total_budget) return milliseconds(-1);
  return delay;
}

}  // namespace seed::storage
