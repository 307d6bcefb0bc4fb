#include "controllers/inference_service_discovery.h"

#include "kube/logging.h"

namespace seed::controllers {

GatewayApiDiscovery::GatewayApiDiscovery(std::function<kube::Result<bool>()> probe, kube::Clock& clock,
                                         kube::Clock::Duration refresh)
    : probe_(std::move(probe)), clock_(clock), refresh_(refresh) {}

bool GatewayApiDiscovery::Available() {
  std::lock_guard lock(mu_);
  const auto now = clock_.Now();
  if (asked_at_ && now - *asked_at_ < refresh_) return available_;
  asked_at_ = now;
  auto served = probe_();
  if (!served.ok()) {
    kube::LogFields(spdlog::level::warn, "Gateway API discovery failed; keeping the last answer",
                    {{"error", served.error().ToString()}, {"available", available_ ? "true" : "false"}});
    return available_;
  }
  if (*served != available_) {
    kube::LogFields(spdlog::level::info, "Gateway API discovery",
                    {{"httproutes.gateway.networking.k8s.io/v1", *served ? "served" : "not served"}});
  }
  available_ = *served;
  return available_;
}

void GatewayApiDiscovery::Invalidate() {
  std::lock_guard lock(mu_);
  asked_at_.reset();
}

}  // namespace seed::controllers
