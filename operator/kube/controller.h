#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "kube/clock.h"
#include "kube/informer.h"
#include "kube/metrics.h"
#include "kube/result.h"
#include "kube/work_queue.h"

namespace kube {

// What a reconcile asks for next (controller-runtime's reconcile.Result).
struct ReconcileResult {
  bool requeue = false;                          // rate-limited requeue
  std::chrono::milliseconds requeue_after{0};    // requeue after this long (wins over requeue)
  // requeue_after is a time the reconciler is due to act (a scheduled time: ahead of event-added
  // keys under WorkQueue::SetTimersFirst); false for a follow-up look that is not urgent.
  bool due = true;
};

// Passed to each reconcile: the key, and a reconcile id that every log line carries.
class ReconcileContext {
 public:
  ReconcileContext(std::string controller, std::string key, std::string reconcile_id);
  const std::string& controller() const { return controller_; }
  const std::string& key() const { return key_; }
  const std::string& ns() const { return ns_; }
  const std::string& name() const { return name_; }
  const std::string& reconcile_id() const { return reconcile_id_; }

  // Log lines tagged controller=, key=, reconcileID=.
  void Debug(const std::string& message) const;
  void Info(const std::string& message) const;
  void Warn(const std::string& message) const;
  void Error(const std::string& message) const;

 private:
  std::string controller_, key_, ns_, name_, reconcile_id_;
};

class Reconciler {
 public:
  virtual ~Reconciler() = default;
  // Level-triggered: read current state (from caches), converge, return what to do next.
  // An error means a rate-limited retry; a thrown exception is caught and treated as an error.
  virtual Result<ReconcileResult> Reconcile(const ReconcileContext& context) = 0;
};

// Adapts a lambda.
class FuncReconciler : public Reconciler {
 public:
  explicit FuncReconciler(std::function<Result<ReconcileResult>(const ReconcileContext&)> f) : f_(std::move(f)) {}
  Result<ReconcileResult> Reconcile(const ReconcileContext& context) override { return f_(context); }

 private:
  std::function<Result<ReconcileResult>(const ReconcileContext&)> f_;
};

struct ControllerOptions {
  std::string name;
  int workers = 2;
};

// N workers pulling keys from a rate-limited queue and calling the Reconciler
// (controller-runtime's internal controller):
// error -> AddRateLimited; requeue_after -> Forget + AddAfter; requeue -> AddRateLimited;
// success -> Forget. A key is never reconciled by two workers at once (the queue guarantees it).
class Controller {
 public:
  Controller(ControllerOptions options, std::shared_ptr<Reconciler> reconciler, Clock& clock, Metrics& metrics,
             std::unique_ptr<RateLimiter> limiter = nullptr);
  ~Controller();

  // Enqueue the object's own key for every event of this informer (builder.For).
  void For(Informer& informer);
  // Enqueue the controller owner's key when the owner is of `owner_kind` in `owner_api_group`
  // (builder.Owns): child events wake their parent.
  void Owns(Informer& informer, const std::string& owner_api_group, const std::string& owner_kind);

  // Reconciles of this controller wait while `urgent` has ready keys (at most `max_wait` each time,
  // so they are delayed, never starved): the Pipeline controller's due times go before the runs'
  // own reconciles, as a scheduled time's skew is what the first ones measure. With `timers_only`
  // they wait only for `urgent`'s due timers (WorkQueue::WaitWhileReady), not for its other keys.
  // With `keep_own_timers`, this controller's own due timers never wait: only its other keys do.
  void YieldTo(WorkQueue& urgent, std::chrono::milliseconds max_wait = std::chrono::seconds(5),
               bool timers_only = false, bool keep_own_timers = false);

  void Start();
  // Stops handing out keys and waits for in-flight reconciles to finish.
  void Stop();

  WorkQueue& queue() { return *queue_; }
  const std::string& name() const { return options_.name; }

 private:
  void Worker();
  void WaitForUrgentWork();
  void ProcessOne(const std::string& key);

  ControllerOptions options_;
  std::shared_ptr<Reconciler> reconciler_;
  Clock& clock_;
  std::unique_ptr<WorkQueue> queue_;
  WorkQueue* urgent_ = nullptr;
  std::chrono::milliseconds max_yield_{0};
  bool yield_timers_only_ = false;
  bool keep_own_timers_ = false;
  std::vector<std::thread> workers_;
  std::atomic<uint64_t> reconcile_seq_{0};

  Metrics::Gauge& active_workers_;
  Metrics::Gauge& max_workers_;
  Metrics::Counter& errors_;
  Metrics::Histogram& reconcile_time_;
  Metrics::Counter& result_success_;
  Metrics::Counter& result_error_;
  Metrics::Counter& result_requeue_;
  Metrics::Counter& result_requeue_after_;
};

}  // namespace kube
