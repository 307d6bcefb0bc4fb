#include "kube/work_queue.h"

namespace kube {

using std::chrono::duration;

WorkQueue::WorkQueue(std::string name, Clock& clock, std::unique_ptr<RateLimiter> limiter, Metrics* metrics)
    : name_(std::move(name)), clock_(clock), limiter_(std::move(limiter)) {
  if (metrics != nullptr) {
    Labels labels = {{"controller", name_}, {"name", name_}};
    depth_ = &metrics->GetGauge("workqueue_depth", "Current depth of workqueue", labels);
    adds_ = &metrics->GetCounter("workqueue_adds_total", "Total number of adds handled by workqueue", labels);
    retries_ = &metrics->GetCounter("workqueue_retries_total", "Total number of retries handled by workqueue",
                                    labels);
    auto buckets = Metrics::ExponentialBuckets(10e-9, 10, 12);
    queue_duration_ = &metrics->GetHistogram("workqueue_queue_duration_seconds",
                                             "How long in seconds an item stays in workqueue before being "
                                             "requested",
                                             labels, buckets);
    work_duration_ = &metrics->GetHistogram("workqueue_work_duration_seconds",
                                            "How long in seconds processing an item from workqueue takes",
                                            labels, buckets);
  }
}

WorkQueue::~WorkQueue() { ShutDown(); }

void WorkQueue::UpdateDepthLocked() {
  if (depth_) depth_->Set(static_cast<double>(queue_.size() + timer_queue_.size()));
}

void WorkQueue::SetTimersFirst(bool timers_first) {
  std::lock_guard lock(mu_);
  timers_first_ = timers_first;
}

void WorkQueue::AddLocked(const std::string& item, bool timer) {
  if (shutting_down_) return;
  // A timer due while its key is being worked on keeps its place ahead when Done() queues it again.
  if (timer && timers_first_ && processing_.count(item)) timer_dirty_.insert(item);
  if (dirty_.count(item)) return;
  if (adds_) adds_->Inc();
  dirty_.insert(item);
  added_at_.try_emplace(item, clock_.Now());
  if (processing_.count(item)) return;  // Done() will queue it again
  (timer && timers_first_ ? timer_queue_ : queue_).push_back(item);
  UpdateDepthLocked();
  cv_.notify_one();
}

void WorkQueue::Add(const std::string& item) {
  std::lock_guard lock(mu_);
  AddLocked(item);
}

void WorkQueue::AddAfter(const std::string& item, Clock::Duration delay, bool timer) {
  std::lock_guard lock(mu_);
  if (shutting_down_) return;
  if (delay <= Clock::Duration::zero()) {
    AddLocked(item, timer);
    return;
  }
  auto ready = clock_.Now() + delay;
  // Keep only the earliest pending time per item (client-go's waitingForQueue dedup).
  auto it = delayed_ready_.find(item);
  if (it != delayed_ready_.end() && it->second <= ready) return;
  delayed_ready_[item] = ready;
  delayed_.push({ready, seq_++, item, timer});
  cv_.notify_one();
}

void WorkQueue::AddRateLimited(const std::string& item) {
  if (retries_) retries_->Inc();
  AddAfter(item, limiter_->When(item));
}

void WorkQueue::Forget(const std::string& item) { limiter_->Forget(item); }

int WorkQueue::NumRequeues(const std::string& item) { return limiter_->NumRequeues(item); }

void WorkQueue::PromoteReadyLocked() {
  auto now = clock_.Now();
  while (!delayed_.empty() && delayed_.top().ready <= now) {
    Delayed d = delayed_.top();
    delayed_.pop();
    auto it = delayed_ready_.find(d.item);
    if (it == delayed_ready_.end() || it->second != d.ready) continue;  // superseded by an earlier time
    delayed_ready_.erase(it);
    AddLocked(d.item, d.timer);
  }
}

std::optional<std::string> WorkQueue::PopLocked(bool* due_timer) {
  std::deque<std::string>& from = !timer_queue_.empty() ? timer_queue_ : queue_;
  if (from.empty()) return std::nullopt;
  if (due_timer) *due_timer = &from == &timer_queue_;
  std::string item = std::move(from.front());
  from.pop_front();
  UpdateDepthLocked();
  if (timer_queue_.empty()) no_ready_cv_.notify_all();  // waiters for "no due timer" or "none ready"
  processing_.insert(item);
  dirty_.erase(item);
  auto now = clock_.Now();
  if (auto it = added_at_.find(item); it != added_at_.end()) {
    if (queue_duration_) queue_duration_->Observe(duration<double>(now - it->second).count());
    added_at_.erase(it);
  }
  started_at_[item] = now;
  return item;
}

std::optional<std::string> WorkQueue::Get(bool* due_timer) {
  std::unique_lock lock(mu_);
  while (true) {
    if (shutting_down_) return std::nullopt;
    PromoteReadyLocked();
    if (!queue_.empty() || !timer_queue_.empty()) return PopLocked(due_timer);
    if (delayed_.empty()) {
      cv_.wait(lock);
    } else {
      // Real-time wait until the earliest delayed item; a FakeClock user calls TryGet() instead.
      auto wait = delayed_.top().ready - clock_.Now();
      cv_.wait_for(lock, std::max(wait, Clock::Duration(std::chrono::milliseconds(1))));
    }
  }
}

std::optional<std::string> WorkQueue::TryGet() {
  std::lock_guard lock(mu_);
  if (shutting_down_) return std::nullopt;
  PromoteReadyLocked();
  return PopLocked();
}

void WorkQueue::Done(const std::string& item) {
  std::lock_guard lock(mu_);
  processing_.erase(item);
  if (auto it = started_at_.find(item); it != started_at_.end()) {
    if (work_duration_) work_duration_->Observe(duration<double>(clock_.Now() - it->second).count());
    started_at_.erase(it);
  }
  const bool timer = timer_dirty_.erase(item) > 0;
  if (dirty_.count(item) && !shutting_down_) {
    (timer ? timer_queue_ : queue_).push_back(item);
    UpdateDepthLocked();
    cv_.notify_one();
  }
  if (processing_.empty()) drained_cv_.notify_all();
}

bool WorkQueue::WaitWhileReady(std::chrono::milliseconds max_wait, bool timers_only) {
  std::unique_lock lock(mu_);
  PromoteReadyLocked();
  auto none_ready = [&] {
    return (timer_queue_.empty() && (timers_only || queue_.empty())) || shutting_down_;
  };
  if (none_ready()) return true;
  return no_ready_cv_.wait_for(lock, max_wait, none_ready);
}

void WorkQueue::ShutDown() {
  std::lock_guard lock(mu_);
  shutting_down_ = true;
  cv_.notify_all();
  no_ready_cv_.notify_all();
}

void WorkQueue::ShutDownWithDrain() {
  std::unique_lock lock(mu_);
  shutting_down_ = true;
  cv_.notify_all();
  no_ready_cv_.notify_all();
  drained_cv_.wait(lock, [&] { return processing_.empty(); });
}

bool WorkQueue::ShuttingDown() const {
  std::lock_guard lock(mu_);
  return shutting_down_;
}

size_t WorkQueue::Len() const {
  std::lock_guard lock(mu_);
  return queue_.size() + timer_queue_.size();
}

size_t WorkQueue::DelayedLen() const {
  std::lock_guard lock(mu_);
  return delayed_ready_.size();
}

size_t WorkQueue::ProcessingLen() const {
  std::lock_guard lock(mu_);
  return processing_.size();
}

}  // namespace kube
