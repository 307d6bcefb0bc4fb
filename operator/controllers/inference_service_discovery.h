#pragma once
// Whether the cluster serves the Gateway API's HTTPRoute (gateway.networking.k8s.io/v1), asked
// through discovery and remembered for a while: a reconcile asks at most once per refresh interval,
// so installing the Gateway API CRDs is noticed without a restart and without a request per reconcile.
#include <chrono>
#include <functional>
#include <mutex>
#include <optional>

#include "kube/clock.h"
#include "kube/result.h"

namespace seed::controllers {

inline constexpr std::chrono::seconds kGatewayDiscoveryRefresh{30};

class GatewayApiDiscovery {
 public:
  // `probe` answers "is HTTPRoute served?" (kube::Client::ServerHasResource); an error keeps the
  // last answer (false before the first success) until the next try.
  GatewayApiDiscovery(std::function<kube::Result<bool>()> probe, kube::Clock& clock,
                      kube::Clock::Duration refresh = kGatewayDiscoveryRefresh);

  // The cached answer, re-asked when older than the refresh interval. Thread-safe; one probe at a time.
  bool Available();
  // Forgets the answer so the next Available() asks again.
  void Invalidate();
  kube::Clock::Duration refresh() const { return refresh_; }

 private:
  std::function<kube::Result<bool>()> probe_;
  kube::Clock& clock_;
  kube::Clock::Duration refresh_;
  std::mutex mu_;
  bool available_ = false;
  std::optional<kube::Clock::TimePoint> asked_at_;
};

}  // namespace seed::controllers
