#include "kube/retry.h"

#include <random>

namespace kube {

Status RetryOnConflict(const std::function<Status()>& fn, Clock& clock, int steps, Clock::Duration delay) {
  thread_local std::mt19937 rng(std::random_device{}());
  Status last;
  for (int i = 0; i < steps; ++i) {
    last = fn();
    if (last.ok() || !IsConflict(last.error())) return last;
    if (i + 1 < steps) {
      double jitter = 1.0 + 0.1 * std::uniform_real_distribution<double>(0, 1)(rng);
      clock.SleepFor(std::chrono::duration_cast<Clock::Duration>(delay * jitter));
    }
  }
  return last;
}

}  // namespace kube
