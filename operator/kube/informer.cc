#include "kube/informer.h"

#include <spdlog/spdlog.h>

#include <random>

namespace kube {

namespace {

std::string ResourceVersionOf(const Json& object) {
  auto meta = object.find("metadata");
  if (meta == object.end() || !meta->is_object()) return "";
  return meta->value("resourceVersion", "");
}

}  // namespace

Informer::Informer(std::shared_ptr<Client> client, InformerOptions options, Clock& clock)
    : client_(std::move(client)), options_(std::move(options)), clock_(clock) {
  scopes_ = options_.namespaces.empty() ? std::vector<std::string>{""} : options_.namespaces;
  if (!options_.gvr.namespaced) scopes_ = {""};
  synced_ = std::make_unique<std::atomic<bool>[]>(scopes_.size());
  for (size_t i = 0; i < scopes_.size(); ++i) synced_[i] = false;
  last_rv_.resize(scopes_.size());
}

Informer::~Informer() { Stop(); }

void Informer::AddEventHandler(EventHandlers handlers) { handlers_.push_back(std::move(handlers)); }

void Informer::SetTransform(Transform transform) { options_.transform = std::move(transform); }

void Informer::Start() {
  if (started_) return;
  started_ = true;
  for (size_t i = 0; i < scopes_.size(); ++i) {
    threads_.emplace_back([this, i] { RunNamespace(scopes_[i], i); });
  }
  if (options_.resync_period > Clock::Duration::zero()) threads_.emplace_back([this] { RunResync(); });
}

void Informer::RequestStop() {
  stop_.Stop();
  cancel_.Cancel();
  std::lock_guard lock(mu_);
  synced_cv_.notify_all();
}

void Informer::Stop() {
  RequestStop();
  for (auto& t : threads_) {
    if (t.joinable()) t.join();
  }
  threads_.clear();
}

bool Informer::HasSynced() const {
  for (size_t i = 0; i < scopes_.size(); ++i) {
    if (!synced_[i]) return false;
  }
  return true;
}

bool Informer::WaitForSync(std::chrono::milliseconds timeout) const {
  std::unique_lock lock(mu_);
  synced_cv_.wait_for(lock, timeout, [&] { return HasSynced() || stop_.Stopped(); });
  return HasSynced();
}

Informer::Stats Informer::stats() const {
  std::lock_guard lock(mu_);
  return stats_;
}

std::string Informer::LastResourceVersion(const std::string& ns) const {
  std::lock_guard lock(mu_);
  for (size_t i = 0; i < scopes_.size(); ++i) {
    if (scopes_[i] == ns) return last_rv_[i];
  }
  return "";
}

bool Informer::Sleep(Clock::Duration d) { return stop_.WaitFor(d); }

ObjectPtr Informer::Prepare(Json object) {
  if (options_.transform) options_.transform(object);
  return std::make_shared<const Json>(std::move(object));
}

void Informer::Deliver(const StoreDelta& delta) {
  for (const auto& h : handlers_) {
    if (!delta.old_object) {
      if (h.on_add) h.on_add(delta.new_object);
    } else if (!delta.new_object) {
      if (h.on_delete) h.on_delete(delta.old_object);
    } else if (h.on_update) {
      h.on_update(delta.old_object, delta.new_object);
    }
  }
}

Status Informer::ListInto(const std::string& ns, std::string& rv) {
  ListOptions list_options;
  list_options.label_selector = options_.label_selector;
  list_options.field_selector = options_.field_selector;
  list_options.limit = options_.page_size;
  auto list = client_->ListAll(options_.gvr, ns, list_options);
  {
    std::lock_guard lock(mu_);
    ++stats_.lists;
  }
  if (!list.ok()) return list.error();
  std::vector<ObjectPtr> objects;
  objects.reserve((*list)["items"].size());
  for (auto& item : (*list)["items"]) objects.push_back(Prepare(std::move(item)));
  rv = ResourceVersionOf(*list);
  // The whole scope is swapped in one step (kube-rs' InitDone), then handlers see the differences.
  auto deltas = store_.Replace(std::move(objects), ns, ns.empty());
  for (const auto& d : deltas) Deliver(d);
  return {};
}

void Informer::RunNamespace(const std::string& ns, size_t index) {
  auto log = spdlog::default_logger();
  Backoff backoff(clock_, options_.backoff);
  std::mt19937 rng(std::random_device{}());
  std::string rv;
  bool need_list = true;
  const std::string what = options_.gvr.ToString() + (ns.empty() ? "" : " in " + ns);
  while (!stop_.Stopped()) {
    if (need_list) {
      auto listed = ListInto(ns, rv);
      if (!listed.ok()) {
        if (IsCancelled(listed.error())) break;
        auto delay = listed.error().retry_after.value_or(
            std::chrono::duration_cast<std::chrono::milliseconds>(backoff.Next()));
        log->warn("informer list failed resource={} error=\"{}\" retry_ms={}", what,
                  listed.error().ToString(), delay.count());
        if (Sleep(delay)) break;
        continue;
      }
      need_list = false;
      {
        std::lock_guard lock(mu_);
        last_rv_[index] = rv;
        synced_[index] = true;
        synced_cv_.notify_all();
      }
      log->debug("informer listed resource={} resourceVersion={} objects={}", what, rv, store_.Size());
    }

    WatchOptions watch;
    watch.resource_version = rv;
    watch.label_selector = options_.label_selector;
    watch.field_selector = options_.field_selector;
    watch.allow_bookmarks = true;
    int min_timeout = static_cast<int>(options_.min_watch_timeout.count());
    watch.timeout_seconds =
        min_timeout + std::uniform_int_distribution<int>(0, std::max(0, min_timeout))(rng);
    watch.idle_timeout = options_.idle_timeout;
    auto started = clock_.Now();
    uint64_t events = 0;
    {
      std::lock_guard lock(mu_);
      ++stats_.watches;
    }
    auto result = client_->Watch(
        options_.gvr, ns, watch,
        [&](WatchEvent&& event) {
          ++events;
          std::string event_rv = ResourceVersionOf(event.object);
          if (event.type == "BOOKMARK") {
            if (!event_rv.empty()) rv = event_rv;
          } else if (event.type == "ADDED" || event.type == "MODIFIED") {
            ObjectPtr object = Prepare(std::move(event.object));
            ObjectPtr old = store_.Upsert(object);
            Deliver({old, object});
            if (!event_rv.empty()) rv = event_rv;
          } else if (event.type == "DELETED") {
            std::string key = ObjectKey(event.object);
            ObjectPtr old = store_.Remove(key);
            Deliver({old ? old : Prepare(std::move(event.object)), nullptr});
            if (!event_rv.empty()) rv = event_rv;
          } else {
            log->warn("informer ignored unknown watch event type={} resource={}", event.type, what);
          }
          {
            std::lock_guard lock(mu_);
            ++stats_.events;
            last_rv_[index] = rv;
          }
          return !stop_.Stopped();
        },
        cancel_);
    if (stop_.Stopped()) break;
    if (result.ok() || result.error().code == ErrorCode::kTimeout) {
      // A clean end (server timeout, dropped connection after data, idle cap): re-watch at once,
      // unless the stream died instantly with nothing in it (client-go's VeryShortWatchError).
      if (events == 0 && clock_.Now() - started < std::chrono::seconds(1)) {
        auto delay = backoff.Next();
        log->debug("informer watch closed immediately resource={} retry_ms={}", what,
                   std::chrono::duration_cast<std::chrono::milliseconds>(delay).count());
        if (Sleep(delay)) break;
      } else if (events > 0) {
        backoff.Reset();
      }
      continue;
    }
    const Error& error = result.error();
    if (IsCancelled(error)) break;
    {
      std::lock_guard lock(mu_);
      ++stats_.watch_errors;
    }
    if (IsGone(error)) {
      log->info("informer watch expired, relisting resource={} resourceVersion={}", what, rv);
      {
        std::lock_guard lock(mu_);
        ++stats_.relists_after_gone;
      }
      need_list = true;
      continue;
    }
    if (events > 0) backoff.Reset();
    auto delay =
        error.retry_after.value_or(std::chrono::duration_cast<std::chrono::milliseconds>(backoff.Next()));
    log->warn("informer watch failed resource={} error=\"{}\" retry_ms={}", what, error.ToString(),
              delay.count());
    if (Sleep(delay)) break;
  }
}

void Informer::RunResync() {
  while (!Sleep(options_.resync_period)) {
    if (!HasSynced()) continue;
    for (const auto& object : store_.List()) {
      for (const auto& h : handlers_) {
        if (h.on_update) h.on_update(object, object);
      }
    }
  }
}

}  // namespace kube
