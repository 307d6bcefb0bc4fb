// Authorization of API requests in RBAC mode (EmulatorConfig::rbac).
#include <set>

#include "kube-emulator/server/api_error.h"
#include "kube-emulator/server/emulator.h"
#include "kube-emulator/server/request_attributes.h"

namespace kubeemu {
namespace {

constexpr char kRbacGroup[] = "rbac.authorization.k8s.io";

void Append(std::vector<json>& out, const std::vector<const json*>& objects) {
  for (const json* object : objects) out.push_back(*object);
}

// The bootstrap policy plus the stored RBAC objects that can grant in `ns` (the caller holds the lock).
RbacPolicy LoadPolicy(const ObjectStore& store, const std::string& ns) {
  RbacPolicy policy = BootstrapPolicy();
  const std::string prefix = std::string(kRbacGroup) + "/";
  Append(policy.cluster_roles, store.List(prefix + "clusterroles", ""));
  Append(policy.cluster_role_bindings, store.List(prefix + "clusterrolebindings", ""));
  if (!ns.empty()) {
    Append(policy.roles, store.List(prefix + "roles", ns));
    Append(policy.role_bindings, store.List(prefix + "rolebindings", ns));
  }
  return policy;
}

json OwnerReferences(const json& object) {
  if (!object.is_object() || !object.contains("metadata") || !object["metadata"].is_object())
    return json::array();
  const json& meta = object["metadata"];
  return meta.contains("ownerReferences") && meta["ownerReferences"].is_array() ? meta["ownerReferences"]
                                                                                : json::array();
}

bool Blocks(const json& ref) {
  return ref.is_object() && ref.contains("blockOwnerDeletion") && ref["blockOwnerDeletion"] == true;
}

}  // namespace

void Emulator::Authorize(const ApiRequest& request, const Route& route) {
  RequestAttributes attributes = AttributesOf(request.method, request.path, route, request.query);
  UserInfo user{request.user, request.groups};
  RbacPolicy policy;
  {
    std::lock_guard lock(mu_);
    policy = LoadPolicy(store_, attributes.resource_request ? attributes.ns : "");
  }
  AuthorizationDecision decision = kubeemu::Authorize(policy, user, attributes);
  authorizations_.Add(user, attributes, decision);
  if (decision.allowed) return;
  ApiError error = Forbidden(ForbiddenMessage(user, attributes));
  if (attributes.resource_request)
    error.WithDetails(attributes.name, attributes.api_group, attributes.resource);
  throw error;
}

void Emulator::CheckBlockOwnerDeletion(const ApiRequest& request, const Target& target,
                                       const std::string& verb) {
  if (verb != "create" && verb != "update" && verb != "patch") return;
  json body = json::parse(request.body, nullptr, false);
  json refs = OwnerReferences(body);
  if (refs.empty()) return;
  // Only references that newly block their owner's deletion are checked, as the admission plugin does.
  std::set<std::string> already_blocking;
  if (verb != "create") {
    std::lock_guard lock(mu_);
    if (ObjectPtr current = store_.Get(target.type.StoreKey(), target.ns, target.name)) {
      for (const auto& ref : OwnerReferences(*current)) {
        if (Blocks(ref) && ref.contains("uid") && ref["uid"].is_string())
          already_blocking.insert(ref["uid"].get<std::string>());
      }
    }
  }
  UserInfo user{request.user, request.groups};
  RbacPolicy policy;
  bool policy_loaded = false;
  for (const auto& ref : refs) {
    if (!Blocks(ref) || !ref.contains("apiVersion") || !ref["apiVersion"].is_string() ||
        !ref.contains("kind") || !ref["kind"].is_string()) {
      continue;
    }
    if (ref.contains("uid") && ref["uid"].is_string() &&
        already_blocking.count(ref["uid"].get<std::string>()))
      continue;
    const std::string api_version = ref["apiVersion"].get<std::string>();
    const auto slash = api_version.find('/');
    const std::string group = slash == std::string::npos ? "" : api_version.substr(0, slash);
    std::string plural;
    for (const auto& type : registry_.AllServed()) {
      if (type.group == group && type.kind == ref["kind"].get<std::string>()) plural = type.plural;
    }
    if (plural.empty()) continue;  // an owner of a kind nobody serves: nothing to check against
    RequestAttributes owner;
    owner.verb = "update";
    owner.api_group = group;
    owner.resource = plural;
    owner.subresource = "finalizers";
    owner.ns = target.ns;
    owner.name = ref.value("name", "");
    if (!policy_loaded) {
      std::lock_guard lock(mu_);
      policy = LoadPolicy(store_, target.ns);
      policy_loaded = true;
    }
    AuthorizationDecision decision = kubeemu::Authorize(policy, user, owner);
    authorizations_.Add(user, owner, decision);
    if (decision.allowed) continue;
    std::string name = target.name.empty() ? body["metadata"].value("name", "") : target.name;
    std::string qualified = QualifiedResource(target.type.group, target.type.plural);
    std::string denied = ForbiddenMessage(user, owner);
    denied = denied.substr(denied.find("User \""));
    ApiError error =
        Forbidden((name.empty() ? qualified : qualified + " \"" + name + "\"") +
                  " is forbidden: cannot set blockOwnerDeletion if an ownerReference refers to a resource "
                  "you can't set finalizers on: " +
                  denied);
    error.WithDetails(name, target.type.group, target.type.plural);
    throw error;
  }
}

}  // namespace kubeemu
