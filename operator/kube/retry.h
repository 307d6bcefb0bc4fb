#pragma once

#include <functional>

#include "kube/clock.h"
#include "kube/result.h"

namespace kube {

// client-go's retry.RetryOnConflict with DefaultRetry (5 steps, 10 ms, x1, jitter 0.1): calls fn
// again while it fails with 409 Conflict. fn must re-read the object each time (fresh state).
Status RetryOnConflict(const std::function<Status()>& fn, Clock& clock = RealClock::Instance(), int steps = 5,
                       Clock::Duration delay = std::chrono::milliseconds(10));

}  // namespace kube
