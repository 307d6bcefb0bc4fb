#include "kube-emulator/server/admission_webhooks.h"

#include <httplib.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <algorithm>

namespace kubeemu {
namespace {

bool Lists(const json& rule, const char* key, const std::string& value) {
  auto list = rule.find(key);
  if (list == rule.end() || !list->is_array()) return false;
  return std::any_of(list->begin(), list->end(),
                     [&](const json& item) { return item.is_string() && (item == "*" || item == value); });
}

bool RuleMatches(const json& rule, const std::string& operation, const ResourceType& type,
                 const std::string& subresource) {
  if (!rule.is_object() || !Lists(rule, "operations", operation) || !Lists(rule, "apiGroups", type.group) ||
      !Lists(rule, "apiVersions", type.version)) {
    return false;
  }
  const std::string resource = subresource.empty() ? type.plural : type.plural + "/" + subresource;
  auto resources = rule.find("resources");
  if (resources == rule.end() || !resources->is_array()) return false;
  for (const auto& item : *resources) {
    if (!item.is_string()) continue;
    const std::string pattern = item;
    // "*" is every resource (not subresources); "*/*" everything; "pods/*" a resource's subresources.
    if (pattern == resource || pattern == "*/*" || (pattern == "*" && subresource.empty()) ||
        (pattern == type.plural + "/*" && !subresource.empty())) {
      return true;
    }
  }
  return false;
}

std::string DecodeBase64(const std::string& text) {
  std::string clean;
  for (char c : text) {
    if (!isspace(static_cast<unsigned char>(c))) clean += c;
  }
  if (clean.empty() || clean.size() % 4 != 0) return "";
  std::string out(clean.size() / 4 * 3, '\0');
  int n =
      EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                      reinterpret_cast<const unsigned char*>(clean.data()), static_cast<int>(clean.size()));
  if (n < 0) return "";
  size_t padding = clean.size() - clean.find_last_not_of('=') - 1;
  out.resize(static_cast<size_t>(n) - std::min(padding, static_cast<size_t>(n)));
  return out;
}

// An X509_STORE holding every certificate of a PEM bundle (the SSL context takes ownership).
X509_STORE* StoreOf(const std::string& pem) {
  X509_STORE* store = X509_STORE_new();
  BIO* bio = BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size()));
  while (X509* cert = PEM_read_bio_X509(bio, nullptr, nullptr, nullptr)) {
    X509_STORE_add_cert(store, cert);
    X509_free(cert);
  }
  BIO_free(bio);
  return store;
}

struct Url {
  std::string host;
  int port = 443;
  std::string path = "/";
};

std::optional<Url> ParseHttpsUrl(const std::string& url) {
  const std::string scheme = "https://";
  if (url.rfind(scheme, 0) != 0) return std::nullopt;
  std::string rest = url.substr(scheme.size());
  Url out;
  auto slash = rest.find('/');
  if (slash != std::string::npos) {
    out.path = rest.substr(slash);
    rest = rest.substr(0, slash);
  }
  auto colon = rest.rfind(':');
  if (colon != std::string::npos && rest.find(']') == std::string::npos) {
    out.port = std::atoi(rest.substr(colon + 1).c_str());
    rest = rest.substr(0, colon);
  }
  out.host = rest;
  if (out.host.empty() || out.port <= 0 || out.port > 65535) return std::nullopt;
  return out;
}

std::optional<ApiError> Failed(const WebhookCall& webhook, const std::string& why) {
  if (!webhook.fail_closed) return std::nullopt;
  return ApiError(500, "InternalError",
                  "Internal error occurred: failed calling webhook \"" + webhook.name + "\": " + why);
}

}  // namespace

std::vector<WebhookCall> MatchingWebhooks(const std::vector<const json*>& configurations,
                                          const std::string& operation, const ResourceType& type,
                                          const std::string& subresource) {
  std::vector<WebhookCall> calls;
  for (const json* configuration : configurations) {
    auto webhooks = configuration->find("webhooks");
    if (webhooks == configuration->end() || !webhooks->is_array()) continue;
    for (const auto& webhook : *webhooks) {
      if (!webhook.is_object()) continue;
      auto rules = webhook.find("rules");
      if (rules == webhook.end() || !rules->is_array() ||
          std::none_of(rules->begin(), rules->end(),
                       [&](const json& rule) { return RuleMatches(rule, operation, type, subresource); })) {
        continue;
      }
      WebhookCall call;
      call.name = webhook.value("name", "");
      const json client = webhook.value("clientConfig", json::object());
      call.url = client.value("url", "");
      call.ca_bundle = DecodeBase64(client.value("caBundle", ""));
      call.fail_closed = webhook.value("failurePolicy", "Fail") != "Ignore";
      call.timeout_seconds = std::clamp(webhook.value("timeoutSeconds", 10), 1, 30);
      calls.push_back(std::move(call));
    }
  }
  return calls;
}

json MakeAdmissionReview(const std::string& uid, const std::string& operation, const ResourceType& type,
                         const std::string& subresource, const std::string& ns, const std::string& name,
                         const json& object, const json* old_object, const std::string& user, bool dry_run) {
  json gvk = {{"group", type.group}, {"version", type.version}, {"kind", type.kind}};
  json gvr = {{"group", type.group}, {"version", type.version}, {"resource", type.plural}};
  json request = {{"uid", uid},
                  {"kind", gvk},
                  {"resource", gvr},
                  {"requestKind", gvk},
                  {"requestResource", gvr},
                  {"name", name},
                  {"operation", operation},
                  {"userInfo", {{"username", user}}},
                  {"object", object},
                  {"oldObject", old_object ? *old_object : json()},
                  {"dryRun", dry_run},
                  {"options", json::object()}};
  if (!subresource.empty()) request["subResource"] = subresource;
  if (type.namespaced) request["namespace"] = ns;
  return {
      {"apiVersion", "admission.k8s.io/v1"}, {"kind", "AdmissionReview"}, {"request", std::move(request)}};
}

std::optional<ApiError> CallWebhook(const WebhookCall& webhook, const json& review) {
  if (webhook.url.empty()) return Failed(webhook, "clientConfig.service is not reachable from the emulator");
  auto url = ParseHttpsUrl(webhook.url);
  if (!url) return Failed(webhook, "clientConfig.url \"" + webhook.url + "\" is not an https:// URL");
  httplib::SSLClient client(url->host, url->port);
  if (!webhook.ca_bundle.empty()) client.set_ca_cert_store(StoreOf(webhook.ca_bundle));
  client.enable_server_certificate_verification(true);
  client.set_connection_timeout(webhook.timeout_seconds, 0);
  client.set_read_timeout(webhook.timeout_seconds, 0);
  client.set_write_timeout(webhook.timeout_seconds, 0);
  auto result = client.Post(url->path, review.dump(), "application/json");
  if (!result) {
    return Failed(webhook, "failed to call webhook: Post \"" + webhook.url +
                               "\": " + httplib::to_string(result.error()));
  }
  if (result->status != 200) {
    return Failed(webhook, "received invalid webhook response: HTTP " + std::to_string(result->status));
  }
  json answer = json::parse(result->body, nullptr, false);
  const json* response = answer.is_object() && answer.contains("response") ? &answer["response"] : nullptr;
  if (!response || !response->is_object() || !response->value("allowed", json()).is_boolean() ||
      response->value("uid", "") != review["request"]["uid"]) {
    return Failed(webhook,
                  "received invalid webhook response: expected an AdmissionReview response with the "
                  "request's uid and allowed");
  }
  if ((*response)["allowed"].get<bool>()) return std::nullopt;
  const json status = response->value("status", json::object());
  int code = status.value("code", 0);
  if (code < 400 || code > 599) code = 403;
  std::string reason = status.value("reason", "");
  if (reason.empty()) reason = code == 422 ? "Invalid" : "Forbidden";
  // A denial is never subject to failurePolicy.
  return ApiError(
      code, reason,
      "admission webhook \"" + webhook.name + "\" denied the request: " + status.value("message", ""));
}

}  // namespace kubeemu
