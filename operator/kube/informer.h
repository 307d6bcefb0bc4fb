#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "kube/client.h"
#include "kube/clock.h"
#include "kube/rate_limiter.h"
#include "kube/store.h"
#include "kube/transforms.h"

namespace kube {

struct EventHandlers {
  std::function<void(const ObjectPtr&)> on_add;
  std::function<void(const ObjectPtr& old_object, const ObjectPtr& new_object)> on_update;
  std::function<void(const ObjectPtr&)> on_delete;  // the last known state
};

struct InformerOptions {
  GroupVersionResource gvr;
  std::vector<std::string> namespaces;  // empty = all namespaces
  std::string label_selector;
  std::string field_selector;
  int page_size = 500;
  // The server ends each watch after a random time in [min, 2*min], spreading reconnects (client-go).
  std::chrono::seconds min_watch_timeout{300};
  // Client-side cap on silence: a watch that sends nothing (not even a bookmark) for this long is
  // treated as dead and re-opened from the last resourceVersion. 0 disables it.
  std::chrono::milliseconds idle_timeout{std::chrono::minutes(5)};
  // Re-delivers every cached object as an update this often (0 = never). No API call.
  Clock::Duration resync_period{0};
  // Applied to every object before it is cached (and before handlers see it); TrimObject by default.
  Transform transform = TrimObject;
  Backoff::Options backoff;
};

// List, then watch from the list's resourceVersion with bookmarks, into a Store, calling handlers
// (client-go's Reflector + SharedIndexInformer, kube-rs' watcher). One thread per namespace.
// - 410 Gone / Expired (HTTP status or in-stream ERROR) -> relist and swap the store atomically;
// - any other drop -> re-watch from the last resourceVersion after a jittered backoff (0.8 s -> 30 s);
// - a watch silent for longer than idle_timeout is re-opened.
// Handlers run on the informer's threads and must be quick (enqueue a key, nothing more).
class Informer {
 public:
  Informer(std::shared_ptr<Client> client, InformerOptions options, Clock& clock = RealClock::Instance());
  ~Informer();
  Informer(const Informer&) = delete;
  Informer& operator=(const Informer&) = delete;

  void AddEventHandler(EventHandlers handlers);  // before Start()
  // Replaces the transform (before Start()). One informer is shared by every controller of its
  // resource, so the transform must keep what all of them read.
  void SetTransform(Transform transform);
  void Start();
  // Cancels the list/watch without waiting; a manager cancels every informer this way first so
  // they wind down together rather than one after another.
  void RequestStop();
  void Stop();  // cancels the watch, joins the threads
  bool HasSynced() const;
  // Waits (real time) until synced, stopped or timeout; returns HasSynced().
  bool WaitForSync(std::chrono::milliseconds timeout) const;

  Store& store() { return store_; }
  const InformerOptions& options() const { return options_; }

  struct Stats {
    uint64_t lists = 0;
    uint64_t relists_after_gone = 0;
    uint64_t watches = 0;
    uint64_t watch_errors = 0;
    uint64_t events = 0;
  };
  Stats stats() const;
  std::string LastResourceVersion(const std::string& ns = "") const;

 private:
  void RunNamespace(const std::string& ns, size_t index);
  void RunResync();
  Status ListInto(const std::string& ns, std::string& rv);
  void Deliver(const StoreDelta& delta);
  ObjectPtr Prepare(Json object);
  bool Sleep(Clock::Duration d);

  std::shared_ptr<Client> client_;
  InformerOptions options_;
  Clock& clock_;
  Store store_;
  std::vector<EventHandlers> handlers_;
  std::vector<std::thread> threads_;
  StopSignal stop_;
  CancelToken cancel_;
  std::vector<std::string> scopes_;
  std::unique_ptr<std::atomic<bool>[]> synced_;
  mutable std::mutex mu_;
  mutable std::condition_variable synced_cv_;
  std::vector<std::string> last_rv_;
  Stats stats_;
  bool started_ = false;
};

}  // namespace kube
