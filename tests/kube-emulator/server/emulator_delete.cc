// Deletion: preconditions, finalizers, propagation policies, ownerReference garbage collection and
// namespace termination. Collection is synchronous: dependents are gone when the owner's delete returns.
#include <algorithm>

#include "kube-emulator/server/api_error.h"
#include "kube-emulator/server/emulator.h"
#include "kube-emulator/server/object_meta.h"
#include "kube-emulator/server/patch.h"
#include "kube-emulator/server/selectors.h"

namespace kubeemu {
namespace {

constexpr int kMaxCascadeDepth = 64;
const char* const kForegroundFinalizer = "foregroundDeletion";
const char* const kNamespaceStoreKey = "/namespaces";
const char* const kCrdStoreKey = "apiextensions.k8s.io/customresourcedefinitions";

json DeleteOptions(const ApiRequest& request) {
  if (request.body.empty()) return json::object();
  try {
    json options = json::parse(request.body);
    return options.is_object() ? options : json::object();
  } catch (const json::parse_error& error) {
    throw BadRequest(std::string("the DeleteOptions body is not valid JSON: ") + error.what());
  }
}

bool HasFinalizer(const json& object, const std::string& finalizer) {
  const json& meta = object["metadata"];
  if (!meta.contains("finalizers")) return false;
  const json& list = meta["finalizers"];
  return std::find(list.begin(), list.end(), finalizer) != list.end();
}

void RemoveFinalizer(json& object, const std::string& finalizer) {
  json& list = object["metadata"]["finalizers"];
  list.erase(std::remove(list.begin(), list.end(), finalizer), list.end());
  if (list.empty()) object["metadata"].erase("finalizers");
}

}  // namespace

json Emulator::Delete(const Target& target, const ApiRequest& request, std::string* removed_rv) {
  json options = DeleteOptions(request);
  std::string policy_text = options.value("propagationPolicy", request.Query("propagationPolicy"));
  if (options.value("orphanDependents", false)) policy_text = "Orphan";
  Propagation policy = Propagation::kBackground;
  if (policy_text == "Foreground") {
    policy = Propagation::kForeground;
  } else if (policy_text == "Orphan") {
    policy = Propagation::kOrphan;
  } else if (!policy_text.empty() && policy_text != "Background") {
    throw BadRequest("propagationPolicy \"" + policy_text + "\" is not one of Background, Foreground, Orphan");
  }

  std::lock_guard lock(mu_);
  ObjectKey key{target.type.StoreKey(), target.ns, target.name};
  ObjectPtr current = store_.Get(key.store_key, key.ns, key.name);
  if (current == nullptr) throw NotFound(target.type.group, target.type.plural, target.name);
  const json preconditions = options.value("preconditions", json::object());
  const json& meta = (*current)["metadata"];
  if (preconditions.contains("uid") && preconditions["uid"] != meta["uid"]) {
    throw Conflict(target.type.group, target.type.plural, target.name,
                   "Precondition failed: UID in precondition: " + preconditions["uid"].get<std::string>() +
                       ", UID in object meta: " + meta["uid"].get<std::string>());
  }
  if (preconditions.contains("resourceVersion") && preconditions["resourceVersion"] != meta["resourceVersion"]) {
    throw Conflict(target.type.group, target.type.plural, target.name,
                   "Precondition failed: ResourceVersion in precondition: " +
                       preconditions["resourceVersion"].get<std::string>() +
                       ", ResourceVersion in object meta: " + meta["resourceVersion"].get<std::string>());
  }
  if (request.Query("dryRun") == "All") return Present(target.type, *current);
  auto [object, gone] = DeleteObject(key, policy, 0);
  ProcessPendingDeletions();
  if (gone) {
    *removed_rv = object["metadata"].value("resourceVersion", "");
    return SuccessStatus(target.name, target.type.group, target.type.plural, object["metadata"].value("uid", ""));
  }
  ObjectPtr remaining = store_.Get(key.store_key, key.ns, key.name);
  return Present(target.type, remaining != nullptr ? *remaining : object);
}

json Emulator::DeleteCollection(const Target& target, const ApiRequest& request) {
  LabelSelector labels = LabelSelector::Parse(request.Query("labelSelector"));
  FieldSelector fields = FieldSelector::Parse(request.Query("fieldSelector"));
  std::lock_guard lock(mu_);
  std::vector<ObjectKey> keys;
  for (const json* object : store_.List(target.type.StoreKey(), target.ns)) {
    if (labels.Matches(*object) && fields.Matches(*object)) {
      keys.push_back({target.type.StoreKey(), target.ns.empty() ? (*object)["metadata"].value("namespace", "") : target.ns,
                      (*object)["metadata"]["name"].get<std::string>()});
    }
  }
  json items = json::array();
  for (const auto& key : keys) {
    if (store_.Get(key.store_key, key.ns, key.name) == nullptr) continue;
    items.push_back(Present(target.type, DeleteObject(key, Propagation::kBackground, 0).first));
  }
  ProcessPendingDeletions();
  return {{"kind", target.type.kind + "List"},
          {"apiVersion", target.type.ApiVersion()},
          {"metadata", {{"resourceVersion", std::to_string(store_.CurrentRv())}}},
          {"items", items}};
}

std::pair<json, bool> Emulator::DeleteObject(const ObjectKey& key, Propagation policy, int depth) {
  ObjectPtr current = store_.Get(key.store_key, key.ns, key.name);
  if (current == nullptr) return {nullptr, true};
  const json& object = *current;  // held by `current`
  const std::string uid = object["metadata"].value("uid", "");
  if (object["metadata"].contains("deletionTimestamp")) return {object, false};  // already being deleted
  if (depth > kMaxCascadeDepth) return {object, false};

  if (policy == Propagation::kOrphan) {
    for (const auto& dependent : Dependents(uid)) DropOwnerReference(dependent, uid);
  }
  json updated = object;
  updated["metadata"]["deletionTimestamp"] = NowRfc3339();
  updated["metadata"]["deletionGracePeriodSeconds"] = 0;
  updated["metadata"]["generation"] = object["metadata"].value("generation", 0) + 1;
  if (key.store_key == kNamespaceStoreKey) {
    updated["status"]["phase"] = "Terminating";
    store_.Put(key.store_key, updated);
    pending_deletion_.insert(key);
    // Everything in the namespace goes, each with its own finalizers honoured.
    for (const auto& type : registry_.AllStored()) {
      if (!type.namespaced) continue;
      std::vector<ObjectKey> members;
      for (const json* member : store_.List(type.StoreKey(), key.name)) {
        members.push_back({type.StoreKey(), key.name, (*member)["metadata"]["name"].get<std::string>()});
      }
      for (const auto& member : members) DeleteObject(member, Propagation::kBackground, depth + 1);
    }
    ObjectPtr stored = store_.Get(key.store_key, key.ns, key.name);
    return {stored != nullptr ? *stored : updated, stored == nullptr};
  }
  if (policy == Propagation::kForeground) {
    if (!HasFinalizer(updated, kForegroundFinalizer)) updated["metadata"]["finalizers"].push_back(kForegroundFinalizer);
    store_.Put(key.store_key, updated);
    pending_deletion_.insert(key);
    for (const auto& dependent : Dependents(uid)) {
      ObjectPtr child = store_.Get(dependent.store_key, dependent.ns, dependent.name);
      bool blocking = false;
      for (const auto& ref : (*child)["metadata"].value("ownerReferences", json::array())) {
        if (ref.value("uid", "") == uid && ref.value("blockOwnerDeletion", false)) blocking = true;
      }
      DeleteObject(dependent, blocking ? Propagation::kForeground : Propagation::kBackground, depth + 1);
    }
    ObjectPtr stored = store_.Get(key.store_key, key.ns, key.name);
    return {stored != nullptr ? *stored : updated, stored == nullptr};
  }
  if (updated["metadata"].contains("finalizers") && !updated["metadata"]["finalizers"].empty()) {
    ObjectPtr stored = store_.Put(key.store_key, updated);
    pending_deletion_.insert(key);
    return {*stored, false};
  }
  return {RemoveObject(key, depth), true};
}

json Emulator::RemoveObject(const ObjectKey& key, int depth, const json* final_state) {
  ObjectPtr removed = store_.Remove(key.store_key, key.ns, key.name, final_state);
  pending_deletion_.erase(key);
  if (removed == nullptr) return nullptr;
  const std::string uid = (*removed)["metadata"].value("uid", "");
  if (key.store_key == kCrdStoreKey) {
    // Deleting a definition deletes every object of it.
    std::string plural = key.name.substr(0, key.name.find('.'));
    std::string group = key.name.substr(key.name.find('.') + 1);
    std::string store_key = group + "/" + plural;
    std::vector<ObjectKey> members;
    for (const json* member : store_.List(store_key, "")) {
      members.push_back({store_key, (*member)["metadata"].value("namespace", ""),
                         (*member)["metadata"]["name"].get<std::string>()});
    }
    for (const auto& member : members) RemoveObject(member, depth + 1);
    registry_.RemoveCrd(key.name);
  }
  // Background collection: a dependent whose owners are all gone is deleted; one that still has a live
  // owner only loses the dangling reference.
  for (const auto& dependent : Dependents(uid)) {
    ObjectPtr child = store_.Get(dependent.store_key, dependent.ns, dependent.name);
    if (child == nullptr) continue;
    bool has_live_owner = false;
    for (const auto& ref : (*child)["metadata"].value("ownerReferences", json::array())) {
      if (ref.value("uid", "") != uid && by_uid_.count(ref.value("uid", ""))) has_live_owner = true;
    }
    if (has_live_owner) {
      DropOwnerReference(dependent, uid);
    } else {
      DeleteObject(dependent, Propagation::kBackground, depth + 1);
    }
  }
  return *removed;
}

std::vector<Emulator::ObjectKey> Emulator::Dependents(const std::string& owner_uid) const {
  auto it = dependents_.find(owner_uid);
  if (owner_uid.empty() || it == dependents_.end()) return {};
  return {it->second.begin(), it->second.end()};
}

bool Emulator::HasBlockingDependents(const std::string& owner_uid) const {
  for (const auto& key : Dependents(owner_uid)) {
    ObjectPtr object = store_.Get(key.store_key, key.ns, key.name);
    for (const auto& ref : (*object)["metadata"]["ownerReferences"]) {
      if (ref.value("uid", "") == owner_uid && ref.value("blockOwnerDeletion", false)) return true;
    }
  }
  return false;
}

void Emulator::DropOwnerReference(const ObjectKey& dependent, const std::string& owner_uid) {
  ObjectPtr current = store_.Get(dependent.store_key, dependent.ns, dependent.name);
  if (current == nullptr) return;
  json updated = *current;
  json& refs = updated["metadata"]["ownerReferences"];
  refs.erase(std::remove_if(refs.begin(), refs.end(), [&](const json& ref) { return ref.value("uid", "") == owner_uid; }),
             refs.end());
  if (refs.empty()) updated["metadata"].erase("ownerReferences");
  store_.Put(dependent.store_key, std::move(updated));
}

void Emulator::ProcessPendingDeletions() {
  bool progress = true;
  for (int round = 0; progress && round < kMaxCascadeDepth; ++round) {
    progress = false;
    std::vector<ObjectKey> pending(pending_deletion_.begin(), pending_deletion_.end());
    for (const auto& key : pending) {
      ObjectPtr current = store_.Get(key.store_key, key.ns, key.name);
      if (current == nullptr) {
        pending_deletion_.erase(key);
        continue;
      }
      const json& before = *current;
      json updated = before;
      if (key.store_key == kNamespaceStoreKey) {
        bool empty = true;
        for (const auto& type : registry_.AllStored()) {
          if (type.namespaced && !store_.List(type.StoreKey(), key.name).empty()) empty = false;
        }
        if (!empty) continue;
        updated["spec"].erase("finalizers");
      } else if (HasFinalizer(before, kForegroundFinalizer)) {
        if (HasBlockingDependents(before["metadata"].value("uid", ""))) continue;
        RemoveFinalizer(updated, kForegroundFinalizer);
      } else {
        continue;
      }
      if (updated == before) continue;
      progress = true;
      bool finalized = !updated["metadata"].contains("finalizers") || updated["metadata"]["finalizers"].empty();
      if (finalized) {
        RemoveObject(key, 0, &updated);
      } else {
        store_.Put(key.store_key, std::move(updated));
      }
    }
  }
}

}  // namespace kubeemu
