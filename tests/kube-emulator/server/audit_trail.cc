#include "kube-emulator/server/audit_trail.h"

namespace kubeemu {

void AuditTrail::Watch(std::set<std::string> plurals) {
  std::lock_guard lock(mu_);
  plurals_ = std::move(plurals);
  events_.clear();
}

void AuditTrail::Record(const StoreEvent& event) {
  std::lock_guard lock(mu_);
  if (plurals_.empty()) return;
  // A store key is "<group>/<plural>".
  const std::string plural = event.store_key.substr(event.store_key.rfind('/') + 1);
  if (plurals_.count(plural)) events_.push_back(event);  // the objects are shared, never copied
}

json AuditTrail::ToJson() const {
  std::lock_guard lock(mu_);
  json out = json::array();
  for (const auto& event : events_) {
    out.push_back({{"type", event.type},
                   {"resourceVersion", std::to_string(event.resource_version)},
                   {"object", event.object ? *event.object : json()}});
  }
  return out;
}

}  // namespace kubeemu
