#pragma once

#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <queue>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "kube/clock.h"
#include "kube/metrics.h"
#include "kube/rate_limiter.h"

namespace kube {

// client-go's rate-limited, delaying work queue of string keys ("namespace/name"):
// - an item added while queued is a no-op (dedup);
// - an item is never handed to two workers at once: re-added while processing, it is queued again
//   only when Done() is called for it;
// - AddAfter() delays, AddRateLimited() delays by the rate limiter, Forget() resets the backoff;
// - ShutDown() stops handing out work; ShutDownWithDrain() also waits for in-flight items.
// Delayed items become ready when the injected clock passes their time; with a FakeClock a test
// advances the clock and calls TryGet(), so no test sleeps.
class WorkQueue {
 public:
  WorkQueue(std::string name, Clock& clock, std::unique_ptr<RateLimiter> limiter, Metrics* metrics = nullptr);
  ~WorkQueue();
  WorkQueue(const WorkQueue&) = delete;
  WorkQueue& operator=(const WorkQueue&) = delete;

  void Add(const std::string& item);
  // `timer`: the item is a reconcile's own requeue time (a scheduled time), not an event. With
  // SetTimersFirst(true), timer items that come due are handed out before event-added ones.
  void AddAfter(const std::string& item, Clock::Duration delay, bool timer = false);
  // Due timers go ahead of keys added by events (the Pipeline controller: at a scheduled time the
  // runs are created before the status writes that the first creates' watch events queue).
  void SetTimersFirst(bool timers_first);
  void AddRateLimited(const std::string& item);
  void Forget(const std::string& item);
  int NumRequeues(const std::string& item);

  // Blocks until an item is ready or the queue shuts down (nullopt). `due_timer`, when given, is set
  // to whether the item came from the due timers (SetTimersFirst's queue).
  std::optional<std::string> Get(bool* due_timer = nullptr);
  // Returns a ready item, if any, without blocking.
  std::optional<std::string> TryGet();
  void Done(const std::string& item);

  void ShutDown();
  void ShutDownWithDrain();
  bool ShuttingDown() const;

  // Blocks while this queue has ready items (promoting due delayed ones first), at most `max_wait`
  // of real time; true when none is ready. Lower-priority work (another controller's workers, the
  // Event sender) calls it so that this queue's keys are reconciled first. With `timers_only`, only
  // due timer items count (those of SetTimersFirst's timer queue: scheduled times), not keys added
  // by events or follow-up looks.
  bool WaitWhileReady(std::chrono::milliseconds max_wait, bool timers_only = false);

  size_t Len() const;            // ready items
  size_t DelayedLen() const;     // items waiting for their time
  size_t ProcessingLen() const;  // items handed out and not yet Done

 private:
  struct Delayed {
    Clock::TimePoint ready;
    uint64_t seq;
    std::string item;
    bool timer;
    bool operator>(const Delayed& o) const { return ready != o.ready ? ready > o.ready : seq > o.seq; }
  };
  void AddLocked(const std::string& item, bool timer = false);
  void PromoteReadyLocked();
  std::optional<std::string> PopLocked(bool* due_timer = nullptr);
  void UpdateDepthLocked();

  const std::string name_;
  Clock& clock_;
  std::unique_ptr<RateLimiter> limiter_;

  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::condition_variable drained_cv_;
  std::condition_variable no_ready_cv_;  // the ready queue became empty
  std::deque<std::string> queue_;
  std::deque<std::string> timer_queue_;  // due timers, handed out first when timers_first_
  std::unordered_set<std::string> timer_dirty_;  // processing keys whose timer came due meanwhile
  bool timers_first_ = false;
  std::unordered_set<std::string> dirty_;
  std::unordered_set<std::string> processing_;
  std::priority_queue<Delayed, std::vector<Delayed>, std::greater<>> delayed_;
  std::unordered_map<std::string, Clock::TimePoint> delayed_ready_;  // earliest time per delayed item
  std::unordered_map<std::string, Clock::TimePoint> added_at_;       // for queue_duration
  std::unordered_map<std::string, Clock::TimePoint> started_at_;     // for work_duration
  uint64_t seq_ = 0;
  bool shutting_down_ = false;

  Metrics::Gauge* depth_ = nullptr;
  Metrics::Counter* adds_ = nullptr;
  Metrics::Counter* retries_ = nullptr;
  Metrics::Histogram* queue_duration_ = nullptr;
  Metrics::Histogram* work_duration_ = nullptr;
};

}  // namespace kube
