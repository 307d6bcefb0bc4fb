#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

namespace kubeemu {

using json = nlohmann::json;
// A stored object. Never changed once stored: a write stores a new object, so the store, its history,
// watches and readers share one copy instead of deep-copying the tree at every step.
using ObjectPtr = std::shared_ptr<const json>;

// One change, as watches see it. `previous` is the object before the change (null for ADDED), so a
// filtered watch can turn "no longer matches" into DELETED.
struct StoreEvent {
  std::string type;  // ADDED, MODIFIED, DELETED
  std::string store_key;
  ObjectPtr object;
  ObjectPtr previous;
  uint64_t resource_version = 0;
};

// The objects, keyed by store key (group/plural), namespace and name, with one global resource version
// (like etcd's revision) and a bounded history of events for watches. Not thread-safe: the caller holds
// its lock around every call.
class ObjectStore {
 public:
  explicit ObjectStore(size_t history_limit);

  uint64_t CurrentRv() const { return rv_; }
  // Null when absent. The object stays valid (and unchanged) for as long as the pointer is held.
  ObjectPtr Get(const std::string& store_key, const std::string& ns, const std::string& name) const;
  // Objects sorted by namespace then name; `ns` empty means every namespace. `after` skips keys up to
  // and including it (for list continuation).
  std::vector<const json*> List(const std::string& store_key, const std::string& ns,
                                const std::optional<std::pair<std::string, std::string>>& after = {}) const;

  // Stores `object` under a new resource version (written into metadata.resourceVersion), records the
  // event (ADDED, or MODIFIED when an object of that name was stored) and returns the stored object.
  ObjectPtr Put(const std::string& store_key, json object);
  // Removes the object under a new resource version, records DELETED with the final state and returns
  // it (null when there was no such object). `final_state`, when given, is what the DELETED event
  // carries (an update that removed the last finalizer).
  ObjectPtr Remove(const std::string& store_key, const std::string& ns, const std::string& name,
                   const json* final_state = nullptr);

  // True when every event after `rv` is still in the history.
  bool HasHistorySince(uint64_t rv) const { return rv >= compacted_rv_; }
  uint64_t CompactedRv() const { return compacted_rv_; }
  // Events after `rv` for one store key, oldest first. Call HasHistorySince first.
  std::vector<StoreEvent> EventsSince(const std::string& store_key, uint64_t rv) const;
  // Forgets the history: any resource version before now becomes too old to watch from.
  void Compact();

  // Called for every event as it is recorded (under the caller's lock).
  void SetListener(std::function<void(const StoreEvent&)> listener) { listener_ = std::move(listener); }

 private:
  void Record(StoreEvent event);

  using Bucket = std::map<std::pair<std::string, std::string>, ObjectPtr>;
  std::map<std::string, Bucket> objects_;
  uint64_t rv_ = 1;
  size_t history_limit_;
  std::deque<StoreEvent> history_;
  uint64_t compacted_rv_ = 0;  // the newest resource version whose later events may be missing
  std::function<void(const StoreEvent&)> listener_;
};

}  // namespace kubeemu
