#include "kube/events.h"

#include <cstdio>

#include "kube/credentials.h"
#include "kube/logging.h"

namespace kube {

namespace {
constexpr auto kAggregationWindow = std::chrono::minutes(10);  // client-go's event cache window
constexpr size_t kMaxNote = 1024;
constexpr size_t kMaxEntries = 4096;
}  // namespace

EventRecorder::EventRecorder(std::shared_ptr<Client> client, std::string reporting_controller,
                             std::string reporting_instance, Clock& clock)
    : client_(std::move(client)),
      controller_(std::move(reporting_controller)),
      instance_(std::move(reporting_instance)),
      clock_(clock) {}

void EventRecorder::Publish(const Json& regarding, const std::string& type, const std::string& reason,
                            const std::string& action, const std::string& note) {
  try {
    const Json& meta = regarding.at("metadata");
    std::string ns = meta.value("namespace", "default");
    std::string name = meta.value("name", "");
    std::string uid = meta.value("uid", "");
    std::string trimmed = note.size() > kMaxNote ? note.substr(0, kMaxNote) : note;
    Json ref = {{"apiVersion", regarding.value("apiVersion", "")},
                {"kind", regarding.value("kind", "")},
                {"name", name},
                {"namespace", meta.value("namespace", "")}};
    if (!uid.empty()) ref["uid"] = uid;
    if (meta.contains("resourceVersion")) ref["resourceVersion"] = meta["resourceVersion"];

    Key key{regarding.value("kind", "") + "/" + ns + "/" + name + "/" + uid, type, reason, action, trimmed};
    auto now = clock_.Now();
    std::string now_text = FormatRfc3339Micro(clock_.WallNow());
    std::unique_lock lock(mu_);
    auto it = seen_.find(key);
    if (it != seen_.end() && now - it->second.first < kAggregationWindow) {
      ++it->second.count;
      Seen seen = it->second;
      lock.unlock();
      Json patch = {{"series", {{"count", seen.count}, {"lastObservedTime", now_text}}}};
      auto r = client_->Patch(EventsResource(), seen.ns, seen.name, PatchType::kMerge, patch);
      if (!r.ok()) {
        LogFields(spdlog::level::warn, "event update failed",
                  {{"reason", reason}, {"object", ns + "/" + name}, {"error", r.error().ToString()}});
        return;
      }
      ++updated_;
      return;
    }
    if (seen_.size() >= kMaxEntries) {
      for (auto s = seen_.begin(); s != seen_.end();) {
        s = now - s->second.first >= kAggregationWindow ? seen_.erase(s) : std::next(s);
      }
      if (seen_.size() >= kMaxEntries) seen_.clear();
    }
    char suffix[32];
    std::snprintf(suffix, sizeof(suffix), "%llx",
                  static_cast<unsigned long long>(
                      std::chrono::duration_cast<std::chrono::nanoseconds>(clock_.WallNow().time_since_epoch()).count()));
    std::string event_name = name + "." + suffix;
    seen_[key] = Seen{event_name, ns, 1, now, now_text};
    lock.unlock();
    Json event = {{"apiVersion", "events.k8s.io/v1"},
                  {"kind", "Event"},
                  {"metadata", {{"name", event_name}, {"namespace", ns}}},
                  {"eventTime", now_text},
                  {"reportingController", controller_},
                  {"reportingInstance", instance_},
                  {"action", action},
                  {"reason", reason},
                  {"type", type},
                  {"note", trimmed},
                  {"regarding", ref}};
    auto r = client_->Create(EventsResource(), ns, event);
    if (!r.ok()) {
      std::lock_guard relock(mu_);
      seen_.erase(key);
      LogFields(spdlog::level::warn, "event create failed",
                {{"reason", reason}, {"object", ns + "/" + name}, {"error", r.error().ToString()}});
      return;
    }
    ++created_;
  } catch (const std::exception& e) {
    LogFields(spdlog::level::warn, "event dropped", {{"reason", reason}, {"error", e.what()}});
  }
}

}  // namespace kube
