#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <tuple>
#include <unordered_map>

#include "kube-emulator/server/audit_trail.h"
#include "kube-emulator/server/authorization_log.h"
#include "kube-emulator/server/fault_injector.h"
#include "kube-emulator/server/latency_model.h"
#include "kube-emulator/server/managed_fields.h"
#include "kube-emulator/server/object_store.h"
#include "kube-emulator/server/resource_registry.h"
#include "kube-emulator/server/watch_hub.h"
#include "kube-emulator/server/write_log.h"

namespace kubeemu {

using json = nlohmann::json;

// One API call, already authenticated, independent of the HTTP library.
struct ApiRequest {
  std::string method;  // GET, POST, PUT, PATCH, DELETE
  std::string path;
  std::map<std::string, std::string> query;
  std::string content_type;
  std::string user_agent;
  std::string accept;  // the Accept header (a Table for `kubectl get`)
  std::string body;
  std::string user;
  std::vector<std::string> groups;  // with those the authenticator adds (see GroupsOf)

  // A query parameter's value; empty when absent.
  std::string Query(const std::string& key) const {
    auto it = query.find(key);
    return it == query.end() ? "" : it->second;
  }
};

struct ApiResponse {
  int code = 200;
  json body;
  // Set instead of `body` when the answer is a stored object as is: shared, not copied.
  ObjectPtr object;
  std::map<std::string, std::string> headers;
  // Set when the call is a watch: the HTTP layer streams this watcher's lines.
  std::shared_ptr<Watcher> watcher;
  std::chrono::seconds watch_timeout{0};
  bool bookmarks = false;
  std::string removed_rv;  // a DELETE that removed the object: the deletion's resourceVersion
  // A body that is not JSON (the protobuf OpenAPI v2 document), sent as is with its content type.
  std::string raw_body;
  std::string raw_content_type;

  const json& Body() const { return object != nullptr ? *object : body; }
};

struct EmulatorConfig {
  bool gateway_api = false;
  bool rbac = false;  // authorize every API request against the stored RBAC objects
  size_t history = 1000;
  std::string server_address = "127.0.0.1:0";  // for GET /api
  // pods/NAME/log serves <pod_log_dir>/NAME.log (what a test's pod runner captured); empty: every
  // log is empty, as for a container that printed nothing.
  std::string pod_log_dir;
};

enum class ExpireMode { kNone, kStatus, kStream };

// The API server's state and verbs: discovery, get/list/watch, create/update/patch/apply, delete with
// finalizers and garbage collection. Thread-safe; one lock guards the objects so each call is atomic.
class Emulator {
 public:
  explicit Emulator(EmulatorConfig config);

  ApiResponse Handle(const ApiRequest& request);

  FaultInjector& faults() { return faults_; }
  LatencyModel& latency() { return latency_; }
  const WriteLog& writes() const { return writes_; }
  AuditTrail& audit() { return audit_; }
  const AuthorizationLog& authorizations() const { return authorizations_; }
  void DropWatches() { hub_.CloseAll(); }
  size_t OpenWatches() { return hub_.Count(); }
  void ForgetWatch(const std::shared_ptr<Watcher>& watcher) { hub_.Remove(watcher); }
  void ExpireNextWatch(ExpireMode mode);
  void Compact();
  void SetServerAddress(const std::string& address);

 private:
  struct Target {
    ResourceType type;
    std::string ns;
    std::string name;
    std::string subresource;
  };
  struct ObjectKey {
    std::string store_key;
    std::string ns;
    std::string name;
    auto operator<=>(const ObjectKey&) const = default;
  };
  enum class Propagation { kBackground, kForeground, kOrphan };

  ApiResponse HandleResource(const ApiRequest& request, const std::string& verb, const Target& target);
  json Discovery(const struct Route& route) const;
  // Throws ApiError 403 when RBAC denies the request (emulator_authorize.cc); records the decision.
  void Authorize(const ApiRequest& request, const struct Route& route);
  // The OwnerReferencesPermissionEnforcement admission check (RBAC mode): setting blockOwnerDeletion on
  // an ownerReference needs `update` on the owner's `finalizers` subresource. Throws ApiError 403.
  void CheckBlockOwnerDeletion(const ApiRequest& request, const Target& target, const std::string& verb);

  // Validating admission webhooks (emulator_admission.cc): throws the denial or the failed call's
  // ApiError; returns when every matching webhook allowed the write (or there is none).
  void Admit(const ApiRequest& request, const std::string& verb, const Target& target);

  // Reads (emulator.cc).
  json Get(const Target& target);
  // GET pods/NAME/log: text/plain, ?container= as the real API checks it (emulator_pod_log.cc).
  ApiResponse PodLog(const Target& target, const ApiRequest& request);
  json List(const Target& target, const ApiRequest& request);
  ApiResponse Watch(const Target& target, const ApiRequest& request);

  // Writes (emulator_writes.cc). Each returns the object to answer with; `code` gets 200 or 201.
  ObjectPtr Create(const Target& target, const ApiRequest& request, int* code);
  ObjectPtr Update(const Target& target, const ApiRequest& request);
  ObjectPtr Patch(const Target& target, const ApiRequest& request, int* code);
  ObjectPtr CreateObject(const ResourceType& type, const std::string& ns, json object,
                         const ApplyRequest& manager, bool dry_run);
  // Stores `updated` in place of `current`, the stored object (generation, no-op detection,
  // finalizer-driven removal).
  ObjectPtr CommitUpdate(const ResourceType& type, const ObjectPtr& current, json updated, bool dry_run);
  json MergeForSubresource(const ResourceType& type, const json& current, json requested,
                           const std::string& subresource) const;

  // Deletion and garbage collection (emulator_delete.cc).
  // `removed_rv` gets the resourceVersion of the deletion when the object is gone (for the write log).
  json Delete(const Target& target, const ApiRequest& request, std::string* removed_rv);
  json DeleteCollection(const Target& target, const ApiRequest& request);
  // Returns the object as left by the delete, and whether it is gone.
  std::pair<json, bool> DeleteObject(const ObjectKey& key, Propagation policy, int depth);
  // Removes the object for good, then collects its dependents. `final_state` is what the DELETED event
  // carries, when not the stored object.
  json RemoveObject(const ObjectKey& key, int depth, const json* final_state = nullptr);
  void ProcessPendingDeletions();
  std::vector<ObjectKey> Dependents(const std::string& owner_uid) const;
  bool HasBlockingDependents(const std::string& owner_uid) const;
  void DropOwnerReference(const ObjectKey& dependent, const std::string& owner_uid);
  // Keeps the uid and owner indexes in step with every stored change (called under the lock).
  void IndexEvent(const StoreEvent& event);

  ApplyRequest ManagerFor(const ApiRequest& request, const Target& target) const;
  void CheckNamespaceWritable(const std::string& ns) const;
  std::string ObjectApiVersion(const ResourceType& type) const { return type.ApiVersion(); }
  json Present(const ResourceType& type, json object) const;
  // The same, sharing `object` when it already reads as `type` (the usual case).
  ObjectPtr Present(const ResourceType& type, const ObjectPtr& object) const;

  EmulatorConfig config_;
  ResourceRegistry registry_;
  FaultInjector faults_;
  LatencyModel latency_;
  WriteLog writes_;
  AuditTrail audit_;
  AuthorizationLog authorizations_;
  WatchHub hub_;

  std::mutex mu_;  // guards everything below
  ObjectStore store_;
  std::unordered_map<std::string, ObjectKey> by_uid_;
  std::unordered_map<std::string, std::set<ObjectKey>> dependents_;  // owner uid -> objects referencing it
  std::set<ObjectKey> pending_deletion_;  // objects with a deletionTimestamp
  ExpireMode expire_next_watch_ = ExpireMode::kNone;
  uint32_t next_cluster_ip_ = 1;
};

}  // namespace kubeemu
