#pragma once
// The JobTemplate controller: validates each template and reports the result as the Valid
// condition (True, or False with every problem as "field: what is wrong"), with observedGeneration.
#include <memory>

#include "controllers/options.h"
#include "kube/client.h"
#include "kube/controller.h"
#include "kube/informer.h"

namespace seed::controllers {

// The status a JobTemplate object should have, given its current status (pure).
nlohmann::json JobTemplateStatus(const nlohmann::json& object, std::chrono::sys_seconds now);

class JobTemplateReconciler : public kube::Reconciler {
 public:
  JobTemplateReconciler(std::shared_ptr<kube::Client> client, kube::Informer& templates, SeedControllerOptions options);
  kube::Result<kube::ReconcileResult> Reconcile(const kube::ReconcileContext& context) override;

 private:
  std::shared_ptr<kube::Client> client_;
  kube::Informer& templates_;
  SeedControllerOptions options_;
};

}  // namespace seed::controllers
