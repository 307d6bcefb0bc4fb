#pragma once
// Every change to the resources a test asks about, with the whole object, kept apart from the watch
// history: like a real API server's audit log at the RequestResponse level, it survives compaction,
// so a test that compacts the history on purpose (410 Gone for every watch) can still replay each
// state its invariant must hold in. Off until a test names the resources (POST /emulator/audit).
#include <mutex>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <vector>

#include "kube-emulator/server/object_store.h"

namespace kubeemu {

class AuditTrail {
 public:
  // Starts recording the events of these resources (plural names, any group) from now on; replaces
  // the previous set and forgets what was recorded.
  void Watch(std::set<std::string> plurals);
  // Called for every stored change (under the emulator's lock); keeps it when its resource is watched.
  void Record(const StoreEvent& event);
  // [{"type", "resourceVersion", "object"}], oldest first.
  json ToJson() const;

 private:
  mutable std::mutex mu_;
  std::set<std::string> plurals_;
  std::vector<StoreEvent> events_;
};

}  // namespace kubeemu
