#include "kube-emulator/server/fault_injector.h"

#include <set>

namespace kubeemu {
namespace {

const std::set<std::string> kVerbs = {"create", "get",    "list",   "watch", "update",
                                      "patch",  "delete", "deletecollection", "*"};

}  // namespace

void FaultInjector::Configure(const json& body) {
  if (!body.is_object()) throw BadRequest("faults: the body must be an object {\"rules\":[...],\"latencyMs\":N}");
  std::vector<Rule> rules;
  const json rules_json = body.value("rules", json::array());
  if (!rules_json.is_array()) throw BadRequest("faults: \"rules\" must be an array");
  for (size_t i = 0; i < rules_json.size(); ++i) {
    const json& item = rules_json[i];
    std::string where = "faults: rules[" + std::to_string(i) + "]";
    if (!item.is_object()) throw BadRequest(where + " must be an object");
    Rule rule;
    try {
      rule.verb = item.value("verb", "*");
      rule.resource = item.value("resource", "*");
      rule.user = item.value("user", "*");
      rule.code = item.value("code", 500);
      rule.rate = item.value("rate", 1.0);
      if (item.contains("count") && !item["count"].is_null()) rule.remaining = item["count"].get<int>();
      rule.retry_after_seconds = item.value("retryAfterSeconds", 0);
    } catch (const json::exception& e) {
      throw BadRequest(where + ": wrong type: " + e.what());
    }
    if (!kVerbs.count(rule.verb)) {
      throw BadRequest(where + ".verb: \"" + rule.verb +
                       "\" is not one of create, get, list, watch, update, patch, delete, deletecollection, *");
    }
    if (rule.code < 400 || rule.code > 599) throw BadRequest(where + ".code must be an HTTP error code (400-599)");
    if (rule.rate < 0 || rule.rate > 1) throw BadRequest(where + ".rate must be between 0 and 1");
    rules.push_back(rule);
  }
  int latency = 0;
  try {
    latency = body.value("latencyMs", 0);
  } catch (const json::exception&) {
    throw BadRequest("faults: \"latencyMs\" must be an integer");
  }
  if (latency < 0 || latency > 60000) throw BadRequest("faults: \"latencyMs\" must be between 0 and 60000");
  std::lock_guard lock(mu_);
  rules_ = std::move(rules);
  latency_ms_ = latency;
}

void FaultInjector::Clear() {
  std::lock_guard lock(mu_);
  rules_.clear();
  latency_ms_ = 0;
}

std::optional<ApiError> FaultInjector::Check(const std::string& verb, const std::string& resource,
                                             const std::string& user) {
  std::lock_guard lock(mu_);
  for (auto& rule : rules_) {
    bool verb_matches = rule.verb == "*" || rule.verb == verb || (rule.verb == "delete" && verb == "deletecollection");
    if (!verb_matches || (rule.resource != "*" && rule.resource != resource)) continue;
    if (rule.user != "*" && rule.user != user) continue;
    if (rule.remaining && *rule.remaining <= 0) continue;
    if (rule.rate < 1.0 && std::uniform_real_distribution<double>(0, 1)(random_) >= rule.rate) continue;
    if (rule.remaining) --*rule.remaining;
    ApiError error(rule.code, ReasonForCode(rule.code),
                   "injected fault: " + verb + " " + resource + " answered " + std::to_string(rule.code));
    if (rule.retry_after_seconds > 0 || rule.code == 429) error.WithRetryAfter(std::max(rule.retry_after_seconds, 1));
    return error;
  }
  return std::nullopt;
}

int FaultInjector::latency_ms() {
  std::lock_guard lock(mu_);
  return latency_ms_;
}

}  // namespace kubeemu
