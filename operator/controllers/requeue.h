#pragma once
// Turns "look again at time T" (on the controllers' clock) into a work-queue delay.
#include <chrono>
#include <optional>

#include "kube/clock.h"
#include "kube/controller.h"

namespace seed::controllers {

// The controllers' notion of now, in whole seconds (what the pure engine works in).
std::chrono::sys_seconds NowSeconds(const kube::Clock& clock);

// Requeue just after `at` (a small margin, so the next look sees it as due), capped at
// `max_delay`; with no `at`, requeue after `max_delay` as a periodic check.
kube::ReconcileResult RequeueAt(std::optional<std::chrono::sys_seconds> at, const kube::Clock& clock,
                                std::chrono::milliseconds max_delay);

}  // namespace seed::controllers
