#include "controllers/jobtemplate_reconciler.h"

#include "api/jobtemplate.h"
#include "controllers/requeue.h"
#include "controllers/resources.h"

namespace seed::controllers {

using nlohmann::json;

json JobTemplateStatus(const json& object, std::chrono::sys_seconds now) {
  api::ValidationErrors errors;
  api::JobTemplate parsed = api::ParseJobTemplate(object, &errors);
  json status = object.value("status", json::object());
  std::vector<api::Condition> conditions;
  for (const auto& condition : status.value("conditions", json::array())) {
    conditions.push_back(api::ConditionFromJson(condition));
  }
  std::string message;
  for (const auto& error : errors) message += (message.empty() ? "" : "; ") + api::FormatError(error);
  if (message.size() > 4000) message = message.substr(0, 3997) + "...";
  api::SetCondition(&conditions, {"Valid", errors.empty() ? "True" : "False", errors.empty() ? "Valid" : "InvalidSpec",
                                  errors.empty() ? "the template is valid" : message, now, parsed.metadata.generation});
  json out = {{"observedGeneration", parsed.metadata.generation}, {"conditions", json::array()}};
  for (const auto& condition : conditions) out["conditions"].push_back(api::ConditionToJson(condition));
  return out;
}

JobTemplateReconciler::JobTemplateReconciler(std::shared_ptr<kube::Client> client, kube::Informer& templates,
                                             SeedControllerOptions options)
    : client_(std::move(client)), templates_(templates), options_(std::move(options)) {}

kube::Result<kube::ReconcileResult> JobTemplateReconciler::Reconcile(const kube::ReconcileContext& context) {
  kube::ObjectPtr cached = templates_.store().Get(context.key());
  if (!cached || (*cached)["metadata"].contains("deletionTimestamp")) return kube::ReconcileResult{};
  json status = JobTemplateStatus(*cached, NowSeconds(*options_.clock));
  if (status == cached->value("status", json())) return kube::ReconcileResult{};
  json updated = *cached;
  updated["status"] = status;
  auto written = client_->ReplaceStatus(JobTemplatesResource(), context.ns(), updated);
  if (!written.ok()) {
    if (kube::IsNotFound(written.error())) return kube::ReconcileResult{};
    if (kube::IsConflict(written.error())) return kube::ReconcileResult{true, {}};  // the newer object is queued
    return written.error();
  }
  return kube::ReconcileResult{};
}

}  // namespace seed::controllers
