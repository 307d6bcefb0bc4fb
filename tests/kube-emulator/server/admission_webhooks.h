#pragma once
// Validating admission webhooks, called as the API server calls them: for a create, update or patch
// that a ValidatingWebhookConfiguration's rules match, with the object as it would be stored, before
// it is stored; a denial becomes the request's answer.
//
// Supported: rules (operations, apiGroups, apiVersions, resources; "*" and resource/subresource
// forms), clientConfig.url over HTTPS verified against clientConfig.caBundle, failurePolicy (Fail,
// the default, or Ignore) and timeoutSeconds (default 10, 1 to 30). Not supported, and documented in
// the README: clientConfig.service (the emulator has no cluster network: the call fails and the
// failurePolicy decides), namespaceSelector, objectSelector and matchConditions (ignored: every
// matching request is sent), sideEffects and reinvocation.
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "kube-emulator/server/api_error.h"
#include "kube-emulator/server/resource_registry.h"

namespace kubeemu {

struct WebhookCall {
  std::string name;
  std::string url;        // empty: a service reference, which the emulator cannot reach
  std::string ca_bundle;  // PEM (decoded from caBundle); empty: the system's CAs
  bool fail_closed = true;
  int timeout_seconds = 10;
};

// The webhooks of `configurations` (stored ValidatingWebhookConfigurations) whose rules match.
// `operation` is CREATE or UPDATE.
std::vector<WebhookCall> MatchingWebhooks(const std::vector<const json*>& configurations,
                                          const std::string& operation, const ResourceType& type,
                                          const std::string& subresource);

// The AdmissionReview request the API server sends (admission.k8s.io/v1).
json MakeAdmissionReview(const std::string& uid, const std::string& operation, const ResourceType& type,
                         const std::string& subresource, const std::string& ns, const std::string& name,
                         const json& object, const json* old_object, const std::string& user, bool dry_run);

// Calls one webhook. nullopt: allowed (or a failure that failurePolicy Ignore lets through); else the
// error the API server answers with (the denial's status, or 500 for a failed call that fails closed).
std::optional<ApiError> CallWebhook(const WebhookCall& webhook, const json& review);

}  // namespace kubeemu
