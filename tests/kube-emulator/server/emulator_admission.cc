// Validating admission (admission_webhooks.h): which webhooks a write must pass, and calling them
// with the object the write would store, outside the lock.
#include "kube-emulator/server/admission_webhooks.h"
#include "kube-emulator/server/emulator.h"
#include "kube-emulator/server/object_meta.h"

namespace kubeemu {

namespace {
constexpr char kWebhookConfigurations[] = "admissionregistration.k8s.io/validatingwebhookconfigurations";
}  // namespace

void Emulator::Admit(const ApiRequest& request, const std::string& verb, const Target& target) {
  if (verb != "create" && verb != "update" && verb != "patch") return;
  json old_object;
  bool exists = false;
  std::vector<WebhookCall> webhooks;
  {
    std::lock_guard lock(mu_);
    auto configurations = store_.List(kWebhookConfigurations, "");
    if (configurations.empty()) return;
    if (verb != "create") {
      if (ObjectPtr current = store_.Get(target.type.StoreKey(), target.ns, target.name)) {
        old_object = Present(target.type, *current);
        exists = true;
      }
    }
    const std::string operation = exists ? "UPDATE" : "CREATE";
    webhooks = MatchingWebhooks(configurations, operation, target.type, target.subresource);
  }
  if (webhooks.empty()) return;
  // The object as the write would store it: the same request, dry run. Its own errors (a conflict, a
  // bad patch) are the request's answer, as they would be before admission on a real server.
  ApiRequest dry_run = request;
  dry_run.query["dryRun"] = "All";
  ApiResponse would_store = HandleResource(dry_run, verb, target);
  const json& object = would_store.Body();
  std::string name = target.name;
  if (name.empty() && object.contains("metadata")) name = object["metadata"].value("name", "");
  const json review = MakeAdmissionReview(
      NewUid(), exists ? "UPDATE" : "CREATE", target.type, target.subresource, target.ns, name, object,
      exists ? &old_object : nullptr, request.user, request.Query("dryRun") == "All");
  for (const auto& webhook : webhooks) {
    if (auto denied = CallWebhook(webhook, review)) throw *denied;
  }
}

}  // namespace kubeemu
