#pragma once

#include <functional>
#include <map>
#include <mutex>
#include <set>
#include <shared_mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "kube/resource.h"

namespace kube {

// Index names every store has.
inline constexpr char kIndexNamespace[] = "namespace";
inline constexpr char kIndexControllerOwner[] = "controller-owner-uid";

using IndexFunc = std::function<std::vector<std::string>(const Json&)>;

// The UID of the ownerReference with controller=true, if any.
std::string ControllerOwnerUid(const Json& object);

// What a store change did to one key: added (old null), updated, or deleted (new null).
struct StoreDelta {
  ObjectPtr old_object;
  ObjectPtr new_object;
};

// A thread-safe cache of objects keyed by "namespace/name", with secondary indexes (client-go's
// ThreadSafeStore + Indexer). Each object is kept as its MessagePack encoding, which takes a tenth
// of the heap of a parsed nlohmann::json (a parsed object is a tree of maps, nodes and strings), and
// is decoded on every read: readers get their own immutable copy, valid after any update.
class Store {
 public:
  Store();
  // Adds an index; call before the store is filled.
  void AddIndex(const std::string& name, IndexFunc func);

  // Reads decode outside the lock, so a long List() never holds up writers.
  ObjectPtr Get(const std::string& key) const;
  std::vector<ObjectPtr> List() const;
  std::vector<std::string> Keys() const;
  std::vector<ObjectPtr> ByIndex(const std::string& index, const std::string& value) const;
  size_t Size() const;

  // Inserts or replaces; returns the previous object (null when added). `object` is encoded; the
  // caller's pointer is not kept.
  ObjectPtr Upsert(ObjectPtr object);
  // Removes; returns the removed object (null when absent).
  ObjectPtr Remove(const std::string& key);
  // Replaces every object in `scope` ("" = all namespaces, else one namespace) with `objects` in one
  // step: readers see either the old or the new contents, never a mix. Returns what changed.
  std::vector<StoreDelta> Replace(std::vector<ObjectPtr> objects, const std::string& scope,
                                  bool all_namespaces);

 private:
  // Immutable encoded bytes, shared so that readers can decode after releasing the lock.
  using Encoded = std::shared_ptr<const std::string>;
  using IndexMap = std::unordered_map<std::string, std::set<std::string>>;  // value -> keys
  static Encoded Encode(const Json& object);
  static ObjectPtr Decode(const Encoded& encoded);
  void IndexLocked(const std::string& key, const Json* old_object, const Json* new_object);

  mutable std::shared_mutex mu_;
  std::unordered_map<std::string, Encoded> items_;
  std::map<std::string, IndexFunc> index_funcs_;
  std::map<std::string, IndexMap> indexes_;
};

}  // namespace kube
