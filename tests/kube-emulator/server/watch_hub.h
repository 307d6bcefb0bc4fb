#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <set>
#include <string>

#include <nlohmann/json.hpp>

#include "kube-emulator/server/object_store.h"
#include "kube-emulator/server/selectors.h"

namespace kubeemu {

using json = nlohmann::json;

// What one watch asks for.
struct WatchFilter {
  std::string store_key;
  std::string api_version;  // written into every object sent, as the watch's URL asked for
  std::string kind;
  std::string ns;  // empty: every namespace
  LabelSelector labels;
  FieldSelector fields;

  bool Matches(const json& object) const;
};

// One open watch: a bounded queue of rendered event lines, filled by the hub under the store lock and
// drained by the HTTP thread streaming it.
class Watcher {
 public:
  Watcher(WatchFilter filter, uint64_t start_rv);

  // Hub side. Offer turns a store event into this watch's view of it (ADDED/MODIFIED/DELETED or nothing).
  void Offer(const StoreEvent& event);
  void PushLine(std::string line);  // a pre-rendered line (the initial state)
  void Finish(std::string line);    // a last line (an ERROR event); the stream ends after it
  void Close();
  void SetProgress(uint64_t rv);

  // Stream side: waits until a line is ready, the watch is closed, or `deadline`; kLine hands over
  // every queued line (whole lines, at most kMaxBatchBytes unless one line alone is longer).
  enum class Wait { kLine, kClosed, kTimeout };
  Wait Next(std::chrono::steady_clock::time_point deadline, std::string* line);
  // The newest resource version this watch has seen everything up to (for BOOKMARK events); only
  // meaningful when the queue is empty.
  uint64_t ProgressRv();
  // The resource version for a BOOKMARK now; false while events are still queued.
  bool BookmarkRv(uint64_t* rv);
  const WatchFilter& filter() const { return filter_; }

 private:
  static constexpr size_t kMaxQueued = 10000;
  static constexpr size_t kMaxBatchBytes = 256 * 1024;

  const WatchFilter filter_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::string> queue_;
  bool closed_ = false;     // end now, dropping anything queued
  bool finishing_ = false;  // end once the queue is drained
  uint64_t progress_rv_;
};

// Every open watch. Thread-safe; Publish is called under the store lock so events arrive in order.
class WatchHub {
 public:
  void Add(const std::shared_ptr<Watcher>& watcher);
  void Remove(const std::shared_ptr<Watcher>& watcher);
  void Publish(const StoreEvent& event);
  void CloseAll();
  size_t Count();

 private:
  std::mutex mu_;
  std::set<std::shared_ptr<Watcher>> watchers_;
};

// A watch event line: {"type":...,"object":...} with the object's apiVersion set for the watch.
std::string RenderEvent(const std::string& type, const json& object, const WatchFilter& filter);
// The same for a stored object, whose text is shared with the other watches and the write's response.
std::string RenderEvent(const std::string& type, const ObjectPtr& object, const WatchFilter& filter);

}  // namespace kubeemu
