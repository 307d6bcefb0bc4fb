#include "controllers/requeue.h"

#include <algorithm>

namespace seed::controllers {

namespace {
constexpr std::chrono::milliseconds kMargin{100};  // CronJob's nextScheduleDelta
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
