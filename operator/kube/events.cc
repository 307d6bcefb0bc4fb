#include "kube/events.h"

#include <cstdio>

#include "kube/credentials.h"
#include "kube/logging.h"

namespace kube {

namespace {
constexpr auto kAggregationWindow = std::chrono::minutes(10);  // client-go's event cache window
constexpr size_t kMaxNote = 1024;
constexpr size_t kMaxSentEntries = 4096;
}  // namespace

EventRecorder::EventRecorder(std::shared_ptr<Client> client, std::string reporting_controller,
                             std::string reporting_instance, Clock& clock, size_t max_buffered)
    : client_(std::move(client)),
      controller_(std::move(reporting_controller)),
      instance_(std::move(reporting_instance)),
      clock_(clock),
      max_buffered_(std::max<size_t>(1, max_buffered)) {
  sender_ = std::thread([this] { SendLoop(); });
}

EventRecorder::~EventRecorder() { Stop(std::chrono::milliseconds(0)); }

void EventRecorder::SetWaitTurn(std::function<void()> wait_turn) {
  std::lock_guard lock(mu_);
  wait_turn_ = std::move(wait_turn);
}

void EventRecorder::SetMetrics(Metrics& metrics) {
  dropped_metric_ = &metrics.GetCounter("seed_events_dropped_total",
                                        "Events dropped because the recorder's buffer was full");
}

size_t EventRecorder::buffered() const {
  std::lock_guard lock(mu_);
  return order_.size();
}

void EventRecorder::Publish(const Json& regarding, const std::string& type, const std::string& reason,
                            const std::string& action, const std::string& note) {
  try {
    const Json& meta = regarding.at("metadata");
    std::string ns = meta.value("namespace", "default");
    std::string name = meta.value("name", "");
    std::string uid = meta.value("uid", "");
    std::string trimmed = note.size() > kMaxNote ? note.substr(0, kMaxNote) : note;
    Key key{regarding.value("kind", "") + "/" + ns + "/" + name + "/" + uid, type, reason, action, trimmed};
    std::string now_text = FormatRfc3339Micro(clock_.WallNow());

    std::lock_guard lock(mu_);
    auto it = buffered_.find(key);
    if (it != buffered_.end()) {  // a repeat not yet sent: one write will carry both
      ++it->second.count;
      it->second.last_time = now_text;
      return;
    }
    if (stopping_ || order_.size() >= max_buffered_) {
      uint64_t dropped = ++dropped_;
      if (Metrics::Counter* metric = dropped_metric_) metric->Inc();
      if (dropped == 1 || dropped % 1000 == 0) {
        LogFields(spdlog::level::warn, "event dropped: the buffer is full",
                  {{"reason", reason}, {"object", ns + "/" + name}, {"dropped", std::to_string(dropped)}});
      }
      return;
    }
    Json ref = {{"apiVersion", regarding.value("apiVersion", "")},
                {"kind", regarding.value("kind", "")},
                {"name", name},
                {"namespace", meta.value("namespace", "")}};
    if (!uid.empty()) ref["uid"] = uid;
    if (meta.contains("resourceVersion")) ref["resourceVersion"] = meta["resourceVersion"];
    buffered_.emplace(key, Buffered{ns, name, std::move(ref), type, reason, action, trimmed, 1, now_text, now_text});
    order_.push_back(std::move(key));
    wake_cv_.notify_one();
  } catch (const std::exception& e) {
    LogFields(spdlog::level::warn, "event dropped", {{"reason", reason}, {"error", e.what()}});
  }
}

void EventRecorder::SendLoop() {
  std::unique_lock lock(mu_);
  for (;;) {
    wake_cv_.wait(lock, [&] { return stopping_ || !order_.empty(); });
    if (stopping_) break;
    std::function<void()> wait_turn = wait_turn_;
    sending_ = true;
    if (wait_turn) {
      lock.unlock();
      wait_turn();  // low priority: more urgent work goes first
      lock.lock();
      if (stopping_ || order_.empty()) {
        sending_ = false;
        drained_cv_.notify_all();
        continue;
      }
    }
    Key key = std::move(order_.front());
    order_.pop_front();
    auto node = buffered_.extract(key);
    lock.unlock();
    Send(key, node.mapped());
    lock.lock();
    sending_ = false;
    if (order_.empty()) drained_cv_.notify_all();
  }
  sending_ = false;
  drained_cv_.notify_all();
}

void EventRecorder::Send(const Key& key, const Buffered& event) {
  auto now = clock_.Now();
  auto seen = sent_.find(key);
  if (seen != sent_.end() && now - seen->second.first < kAggregationWindow) {
    seen->second.count += event.count;
    Json patch = {{"series", {{"count", seen->second.count}, {"lastObservedTime", event.last_time}}}};
    auto r = client_->Patch(EventsResource(), seen->second.ns, seen->second.name, PatchType::kMerge, patch);
    if (!r.ok()) {
      LogFields(spdlog::level::warn, "event update failed",
                {{"reason", event.reason},
                 {"object", event.ns + "/" + event.name},
                 {"error", r.error().ToString()}});
      return;
    }
    ++updated_;
    return;
  }
  if (sent_.size() >= kMaxSentEntries) {
    for (auto s = sent_.begin(); s != sent_.end();) {
      s = now - s->second.first >= kAggregationWindow ? sent_.erase(s) : std::next(s);
    }
    if (sent_.size() >= kMaxSentEntries) sent_.clear();
  }
  char suffix[32];
  std::snprintf(suffix, sizeof(suffix), "%llx",
                static_cast<unsigned long long>(
                    std::chrono::duration_cast<std::chrono::nanoseconds>(clock_.WallNow().time_since_epoch()).count()));
  std::string event_name = event.name + "." + suffix;
  Json body = {{"apiVersion", "events.k8s.io/v1"},
               {"kind", "Event"},
               {"metadata", {{"name", event_name}, {"namespace", event.ns}}},
               {"eventTime", event.first_time},
               {"reportingController", controller_},
               {"reportingInstance", instance_},
               {"action", event.action},
               {"reason", event.reason},
               {"type", event.type},
               {"note", event.note},
               {"regarding", event.ref}};
  if (event.count > 1) body["series"] = {{"count", event.count}, {"lastObservedTime", event.last_time}};
  auto r = client_->Create(EventsResource(), event.ns, body);
  if (!r.ok()) {
    LogFields(spdlog::level::warn, "event create failed",
              {{"reason", event.reason}, {"object", event.ns + "/" + event.name}, {"error", r.error().ToString()}});
    return;
  }
  sent_[key] = Sent{event_name, event.ns, event.count, now};
  ++created_;
}

void EventRecorder::Flush() {
  std::unique_lock lock(mu_);
  drained_cv_.wait(lock, [&] { return (order_.empty() && !sending_) || !sender_.joinable() || stopping_; });
}

void EventRecorder::Stop(std::chrono::milliseconds grace) {
  {
    std::unique_lock lock(mu_);
    if (!sender_.joinable()) return;
    drained_cv_.wait_for(lock, grace, [&] { return order_.empty() && !sending_; });
    stopping_ = true;
    dropped_ += order_.size();
    order_.clear();
    buffered_.clear();
    wake_cv_.notify_all();
    drained_cv_.notify_all();
  }
  if (sender_.joinable() && sender_.get_id() != std::this_thread::get_id()) sender_.join();
}

}  // namespace kube
