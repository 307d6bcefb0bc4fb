#include "kube/controller.h"

#include <random>

#include <spdlog/spdlog.h>

#include "kube/logging.h"

namespace kube {

namespace {

// A short random id per reconcile (controller-runtime uses a UUID).
std::string NewReconcileId() {
  thread_local std::mt19937_64 rng(std::random_device{}());
  static const char* kHex = "0123456789abcdef";
  uint64_t a = rng(), b = rng();
  std::string id;
  for (int i = 0; i < 16; ++i) id += kHex[(a >> (i * 4)) & 15];
  for (int i = 0; i < 16; ++i) id += kHex[(b >> (i * 4)) & 15];
  return id.substr(0, 8) + "-" + id.substr(8, 4) + "-" + id.substr(12, 4) + "-" + id.substr(16, 4) + "-" +
         id.substr(20, 12);
}

}  // namespace

ReconcileContext::ReconcileContext(std::string controller, std::string key, std::string reconcile_id)
    : controller_(std::move(controller)), key_(std::move(key)), reconcile_id_(std::move(reconcile_id)) {
  auto [ns, name] = SplitKey(key_);
  ns_ = ns;
  name_ = name;
}

void ReconcileContext::Debug(const std::string& message) const {
  LogFields(spdlog::level::debug, message, {{"controller", controller_}, {"key", key_}, {"reconcileID", reconcile_id_}});
}
void ReconcileContext::Info(const std::string& message) const {
  LogFields(spdlog::level::info, message, {{"controller", controller_}, {"key", key_}, {"reconcileID", reconcile_id_}});
}
void ReconcileContext::Warn(const std::string& message) const {
  LogFields(spdlog::level::warn, message, {{"controller", controller_}, {"key", key_}, {"reconcileID", reconcile_id_}});
}
void ReconcileContext::Error(const std::string& message) const {
  LogFields(spdlog::level::err, message, {{"controller", controller_}, {"key", key_}, {"reconcileID", reconcile_id_}});
}

Controller::Controller(ControllerOptions options, std::shared_ptr<Reconciler> reconciler, Clock& clock,
                       Metrics& metrics, std::unique_ptr<RateLimiter> limiter)
    : options_(std::move(options)),
      reconciler_(std::move(reconciler)),
      clock_(clock),
      active_workers_(metrics.GetGauge("controller_runtime_active_workers",
                                       "Number of currently used workers per controller",
                                       {{"controller", options_.name}})),
      max_workers_(metrics.GetGauge("controller_runtime_max_concurrent_reconciles",
                                    "Maximum number of concurrent reconciles per controller",
                                    {{"controller", options_.name}})),
      errors_(metrics.GetCounter("controller_runtime_reconcile_errors_total",
                                 "Total number of reconciliation errors per controller",
                                 {{"controller", options_.name}})),
      reconcile_time_(metrics.GetHistogram("controller_runtime_reconcile_time_seconds",
                                           "Length of time per reconciliation per controller",
                                           {{"controller", options_.name}})),
      result_success_(metrics.GetCounter("controller_runtime_reconcile_total",
                                         "Total number of reconciliations per controller",
                                         {{"controller", options_.name}, {"result", "success"}})),
      result_error_(metrics.GetCounter("controller_runtime_reconcile_total",
                                       "Total number of reconciliations per controller",
                                       {{"controller", options_.name}, {"result", "error"}})),
      result_requeue_(metrics.GetCounter("controller_runtime_reconcile_total",
                                         "Total number of reconciliations per controller",
                                         {{"controller", options_.name}, {"result", "requeue"}})),
      result_requeue_after_(metrics.GetCounter("controller_runtime_reconcile_total",
                                               "Total number of reconciliations per controller",
                                               {{"controller", options_.name}, {"result", "requeue_after"}})) {
  if (!limiter) limiter = DefaultControllerRateLimiter(clock_);
  queue_ = std::make_unique<WorkQueue>(options_.name, clock_, std::move(limiter), &metrics);
  max_workers_.Set(options_.workers);
}

Controller::~Controller() { Stop(); }

void Controller::For(Informer& informer) {
  WorkQueue* q = queue_.get();
  auto enqueue = [q](const ObjectPtr& o) {
    if (o) q->Add(ObjectKey(*o));
  };
  informer.AddEventHandler({enqueue, [enqueue](const ObjectPtr&, const ObjectPtr& n) { enqueue(n); }, enqueue});
}

void Controller::Owns(Informer& informer, const std::string& owner_api_group, const std::string& owner_kind) {
  WorkQueue* q = queue_.get();
  auto enqueue_owner = [q, owner_api_group, owner_kind](const ObjectPtr& o) {
    if (!o) return;
    const auto& meta = (*o)["metadata"];
    auto refs = meta.find("ownerReferences");
    if (refs == meta.end() || !refs->is_array()) return;
    for (const auto& ref : *refs) {
      if (!ref.is_object() || !ref.value("controller", false)) continue;
      std::string api_version = ref.value("apiVersion", "");
      std::string group = api_version.find('/') == std::string::npos ? "" : api_version.substr(0, api_version.find('/'));
      if (ref.value("kind", "") != owner_kind || group != owner_api_group) continue;
      q->Add(MakeKey(meta.value("namespace", ""), ref.value("name", "")));
    }
  };
  informer.AddEventHandler({enqueue_owner,
                            [enqueue_owner](const ObjectPtr& old_object, const ObjectPtr& new_object) {
                              // An owner change must wake both the old and the new owner.
                              enqueue_owner(old_object);
                              enqueue_owner(new_object);
                            },
                            enqueue_owner});
}

void Controller::YieldTo(WorkQueue& urgent, std::chrono::milliseconds max_wait, bool timers_only,
                         bool keep_own_timers) {
  urgent_ = &urgent;
  max_yield_ = max_wait;
  yield_timers_only_ = timers_only;
  keep_own_timers_ = keep_own_timers;
}

void Controller::WaitForUrgentWork() {
  if (urgent_ == nullptr) return;
  // In slices, so that Stop() never waits out a whole max_wait.
  constexpr std::chrono::milliseconds kSlice{100};
  for (auto waited = std::chrono::milliseconds(0); waited < max_yield_ && !queue_->ShuttingDown(); waited += kSlice) {
    if (urgent_->WaitWhileReady(std::min(kSlice, max_yield_ - waited), yield_timers_only_)) return;
  }
}

void Controller::Start() {
  if (!workers_.empty()) return;
  for (int i = 0; i < std::max(1, options_.workers); ++i) workers_.emplace_back([this] { Worker(); });
  LogFields(spdlog::level::info, "controller started",
            {{"controller", options_.name}, {"workers", std::to_string(options_.workers)}});
}

void Controller::Stop() {
  // Drain only when our workers hold keys; keys taken by anyone else are not ours to wait for.
  if (workers_.empty()) queue_->ShutDown();
  else queue_->ShutDownWithDrain();
  for (auto& w : workers_) {
    if (w.joinable()) w.join();
  }
  if (!workers_.empty()) LogFields(spdlog::level::info, "controller stopped", {{"controller", options_.name}});
  workers_.clear();
}

void Controller::Worker() {
  for (;;) {
    bool due_timer = false;
    auto key = queue_->Get(&due_timer);
    if (!key) break;
    // After Get: a worker idle in Get() when urgent keys arrive yields too.
    if (!(due_timer && keep_own_timers_)) WaitForUrgentWork();
    ProcessOne(*key);
    queue_->Done(*key);
  }
}

void Controller::ProcessOne(const std::string& key) {
  ReconcileContext context(options_.name, key, NewReconcileId());
  active_workers_.Add(1);
  auto start = clock_.Now();
  std::optional<Result<ReconcileResult>> result;
  try {
    result.emplace(reconciler_->Reconcile(context));
  } catch (const std::exception& e) {
    // nlohmann::json throws on type mismatches; a bug in one reconcile must not kill the process.
    result.emplace(MakeError(ErrorCode::kInvalidArgument, std::string("reconcile threw: ") + e.what()));
  } catch (...) {
    result.emplace(MakeError(ErrorCode::kInvalidArgument, "reconcile threw a non-standard exception"));
  }
  reconcile_time_.Observe(std::chrono::duration<double>(clock_.Now() - start).count());
  active_workers_.Add(-1);

  if (!result->ok()) {
    errors_.Inc();
    result_error_.Inc();
    if (IsNotLeader(result->error())) {
      context.Warn("reconcile stopped: this process is not the leader");
      return;
    }
    context.Error("reconcile failed: " + result->error().ToString());
    queue_->AddRateLimited(key);
    return;
  }
  const ReconcileResult& r = result->value();
  if (r.requeue_after.count() > 0) {
    result_requeue_after_.Inc();
    queue_->Forget(key);
    queue_->AddAfter(key, r.requeue_after, /*timer=*/r.due);
  } else if (r.requeue) {
    result_requeue_.Inc();
    queue_->AddRateLimited(key);
  } else {
    result_success_.Inc();
    queue_->Forget(key);
  }
  context.Debug("reconcile done");
}

}  // namespace kube
