// Authorization of API requests in RBAC mode (EmulatorConfig::rbac).
#include "kube-emulator/server/api_error.h"
#include "kube-emulator/server/emulator.h"
#include "kube-emulator/server/request_attributes.h"

namespace kubeemu {
namespace {

constexpr char kRbacGroup[] = "rbac.authorization.k8s.io";

void Append(std::vector<json>& out, const std::vector<const json*>& objects) {
  for (const json* object : objects) out.push_back(*object);
}

}  // namespace

void Emulator::Authorize(const ApiRequest& request, const Route& route) {
  RequestAttributes attributes = AttributesOf(request.method, request.path, route, request.query);
  UserInfo user{request.user, request.groups};
  RbacPolicy policy = BootstrapPolicy();
  {
    std::lock_guard lock(mu_);
    const std::string prefix = std::string(kRbacGroup) + "/";
    Append(policy.cluster_roles, store_.List(prefix + "clusterroles", ""));
    Append(policy.cluster_role_bindings, store_.List(prefix + "clusterrolebindings", ""));
    if (attributes.resource_request && !attributes.ns.empty()) {
      Append(policy.roles, store_.List(prefix + "roles", attributes.ns));
      Append(policy.role_bindings, store_.List(prefix + "rolebindings", attributes.ns));
    }
  }
  AuthorizationDecision decision = kubeemu::Authorize(policy, user, attributes);
  authorizations_.Add(user, attributes, decision);
  if (decision.allowed) return;
  ApiError error = Forbidden(ForbiddenMessage(user, attributes));
  if (attributes.resource_request) error.WithDetails(attributes.name, attributes.api_group, attributes.resource);
  throw error;
}

}  // namespace kubeemu
