#include "kube-emulator/server/authorization_log.h"

namespace kubeemu {

void AuthorizationLog::Add(const UserInfo& user, const RequestAttributes& request,
                           const AuthorizationDecision& decision) {
  json entry = {{"user", user.name},
                {"groups", user.groups},
                {"verb", request.verb},
                {"resourceRequest", request.resource_request},
                {"group", request.api_group},
                {"resource", request.resource},
                {"subresource", request.subresource},
                {"namespace", request.ns},
                {"name", request.name},
                {"path", request.path},
                {"allowed", decision.allowed},
                {"bypass", decision.bypass},
                {"binding", decision.binding},
                {"role", decision.role},
                {"ruleIndex", decision.rule_index},
                {"rule", decision.rule}};
  std::lock_guard lock(mu_);
  entry["seq"] = entries_.size() + 1;
  entries_.push_back(std::move(entry));
}

json AuthorizationLog::ToJson(const std::string& user) const {
  std::lock_guard lock(mu_);
  json out = json::array();
  for (const auto& entry : entries_) {
    if (user.empty() || entry["user"] == user) out.push_back(entry);
  }
  return out;
}

}  // namespace kubeemu
