#include "controllers/requeue.h"

#include <algorithm>

namespace seed::controllers {

namespace {
// CronJob requeues 100 ms after the scheduled time (nextScheduleDelta) to be sure the time has come.
// The work queue's timers wait on the steady clock to the millisecond, so 10 ms is enough; a wake-up
// that still comes before the second (a stepped wall clock) only requeues once more.
constexpr std::chrono::milliseconds kMargin{10};
}

std::chrono::sys_seconds NowSeconds(const kube::Clock& clock) {
  return std::chrono::floor<std::chrono::seconds>(clock.WallNow());
}

kube::ReconcileResult RequeueAt(std::optional<std::chrono::sys_seconds> at, const kube::Clock& clock,
                                std::chrono::milliseconds max_delay) {
  kube::ReconcileResult result;
  std::chrono::milliseconds delay = max_delay;
  if (at) {
    auto until = std::chrono::duration_cast<std::chrono::milliseconds>(*at - clock.WallNow()) + kMargin;
    delay = std::clamp(until, std::chrono::milliseconds(1), max_delay);
  }
  result.requeue_after = delay;
  return result;
}

}  // namespace seed::controllers
