#include "kube-emulator/server/watch_hub.h"

#include "kube-emulator/server/object_text.h"

namespace kubeemu {

bool WatchFilter::Matches(const json& object) const {
  if (object.is_null()) return false;
  if (!ns.empty() && object["metadata"].value("namespace", "") != ns) return false;
  return labels.Matches(object) && fields.Matches(object);
}

namespace {

// Whether the object already reads as the watch asked (the usual case): then it is sent as is.
bool ReadsAsAsked(const json& object, const WatchFilter& filter) {
  auto same = [&](const char* key, const std::string& wanted) {
    auto it = object.find(key);
    return it != object.end() && it->is_string() && it->get_ref<const std::string&>() == wanted;
  };
  return object.is_object() && same("apiVersion", filter.api_version) && same("kind", filter.kind);
}

std::string Line(const std::string& type, const std::string& object_text) {
  return "{\"object\":" + object_text + ",\"type\":" + json(type).dump() + "}\n";
}

}  // namespace

std::string RenderEvent(const std::string& type, const ObjectPtr& object, const WatchFilter& filter) {
  if (ReadsAsAsked(*object, filter)) return Line(type, ObjectText(object));
  return RenderEvent(type, *object, filter);
}

std::string RenderEvent(const std::string& type, const json& object, const WatchFilter& filter) {
  // Without a copy when the object reads as asked (this runs under the store lock).
  if (ReadsAsAsked(object, filter)) return Line(type, object.dump());
  json copy = object;
  copy["apiVersion"] = filter.api_version;
  copy["kind"] = filter.kind;
  return json{{"type", type}, {"object", std::move(copy)}}.dump() + "\n";
}

Watcher::Watcher(WatchFilter filter, uint64_t start_rv) : filter_(std::move(filter)), progress_rv_(start_rv) {}

void Watcher::Offer(const StoreEvent& event) {
  std::string line;
  if (event.store_key == filter_.store_key) {
    bool now = event.type != "DELETED" && event.object != nullptr && filter_.Matches(*event.object);
    bool before = event.previous != nullptr && filter_.Matches(*event.previous);
    if (event.type == "DELETED") {
      if (before) line = RenderEvent("DELETED", event.object, filter_);
    } else if (now && before) {
      line = RenderEvent("MODIFIED", event.object, filter_);
    } else if (now) {
      line = RenderEvent("ADDED", event.object, filter_);
    } else if (before) {
      // The object left this watch's selection: to the watcher it is gone.
      line = RenderEvent("DELETED", event.object, filter_);
    }
  }
  std::lock_guard lock(mu_);
  progress_rv_ = event.resource_version;
  if (line.empty() || closed_ || finishing_) return;
  if (queue_.size() >= kMaxQueued) {
    // A watcher this far behind is dropped, as the API server drops slow watchers; it re-watches.
    closed_ = true;
  } else {
    queue_.push_back(std::move(line));
  }
  cv_.notify_all();
}

void Watcher::PushLine(std::string line) {
  std::lock_guard lock(mu_);
  queue_.push_back(std::move(line));
  cv_.notify_all();
}

void Watcher::Finish(std::string line) {
  std::lock_guard lock(mu_);
  queue_.push_back(std::move(line));
  finishing_ = true;
  cv_.notify_all();
}

void Watcher::Close() {
  std::lock_guard lock(mu_);
  closed_ = true;
  cv_.notify_all();
}

Watcher::Wait Watcher::Next(std::chrono::steady_clock::time_point deadline, std::string* line) {
  std::unique_lock lock(mu_);
  cv_.wait_until(lock, deadline, [&] { return closed_ || finishing_ || !queue_.empty(); });
  if (closed_) return Wait::kClosed;
  if (queue_.empty()) return finishing_ ? Wait::kClosed : Wait::kTimeout;
  // Everything queued (up to kMaxBatchBytes) in one go: one TLS record and one write instead of one
  // per event when a burst of writes is fanned out to this watch.
  *line = std::move(queue_.front());
  queue_.pop_front();
  while (!queue_.empty() && line->size() + queue_.front().size() <= kMaxBatchBytes) {
    line->append(queue_.front());
    queue_.pop_front();
  }
  return Wait::kLine;
}

void Watcher::SetProgress(uint64_t rv) {
  std::lock_guard lock(mu_);
  progress_rv_ = rv;
}

bool Watcher::BookmarkRv(uint64_t* rv) {
  std::lock_guard lock(mu_);
  if (!queue_.empty() || closed_ || finishing_) return false;
  *rv = progress_rv_;
  return true;
}

uint64_t Watcher::ProgressRv() {
  std::lock_guard lock(mu_);
  return progress_rv_;
}

void WatchHub::Add(const std::shared_ptr<Watcher>& watcher) {
  std::lock_guard lock(mu_);
  watchers_.insert(watcher);
}

void WatchHub::Remove(const std::shared_ptr<Watcher>& watcher) {
  std::lock_guard lock(mu_);
  watchers_.erase(watcher);
}

void WatchHub::Publish(const StoreEvent& event) {
  std::lock_guard lock(mu_);
  for (const auto& watcher : watchers_) watcher->Offer(event);
}

void WatchHub::CloseAll() {
  std::lock_guard lock(mu_);
  for (const auto& watcher : watchers_) watcher->Close();
  watchers_.clear();
}

size_t WatchHub::Count() {
  std::lock_guard lock(mu_);
  return watchers_.size();
}

}  // namespace kubeemu
