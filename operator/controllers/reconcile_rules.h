#pragma once
// Rules every Seed reconciler follows when it writes.
#include <nlohmann/json.hpp>

namespace seed::controllers {

// A write answered 409 Conflict is retried on a fresh read, at most this many times per reconcile
// (then the work queue's backoff takes over).
inline constexpr int kMaxConflictRetries = 5;

// An object the API server is deleting (finalizers pending): leave it, its children go by
// garbage collection.
inline bool BeingDeleted(const nlohmann::json& object) {
  auto metadata = object.find("metadata");
  return metadata != object.end() && metadata->contains("deletionTimestamp");
}

}  // namespace seed::controllers
