#pragma once

#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "kube-emulator/server/rbac_authorizer.h"

namespace kubeemu {

using json = nlohmann::json;

// Every authorization decision in order (GET /emulator/authorizations), so a test can check that a
// component was never denied and that every rule granted to it was used. Thread-safe.
class AuthorizationLog {
 public:
  void Add(const UserInfo& user, const RequestAttributes& request, const AuthorizationDecision& decision);
  // Every entry, or only those of `user` when it is not empty:
  // {"seq","user","groups","verb","resourceRequest","group","resource","subresource","namespace","name",
  //  "path","allowed","bypass","binding","role","ruleIndex","rule"}.
  json ToJson(const std::string& user = "") const;

 private:
  mutable std::mutex mu_;
  std::vector<json> entries_;
};

}  // namespace kubeemu
