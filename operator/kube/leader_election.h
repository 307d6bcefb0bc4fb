#pragma once

#include <atomic>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "kube/client.h"
#include "kube/clock.h"
#include "kube/metrics.h"

namespace kube {

struct LeaderElectionConfig {
  std::string lease_namespace;
  std::string lease_name;
  std::string identity;  // unique per process: hostname_<random>
  Clock::Duration lease_duration = std::chrono::seconds(15);
  Clock::Duration renew_deadline = std::chrono::seconds(10);
  Clock::Duration retry_period = std::chrono::seconds(2);
};

// Acquire waits retry_period * [1, 1 + kAcquireJitter) between attempts. client-go waits up to 2.2 x
// (JitterFactor 1.2); ours is shorter because the wait bounds how late a candidate sees the holder's
// last renew, and so how long after the holder dies it takes over (README.md, "Takeover time").
inline constexpr double kAcquireJitter = 0.2;

// "<hostname>_<random hex>", as controller-runtime builds its identity.
std::string DefaultLeaderIdentity();

// Leader election on a coordination.k8s.io/v1 Lease, following client-go's leaderelection:
// a candidate takes the lease only after it has seen the same record, unchanged, for
// leaseDurationSeconds of its own clock (no trust in other machines' clocks); updates carry the
// lease's resourceVersion, so two candidates race through 409 Conflict.
// The write fence (Fence()) is open only while the last successful renew started less than
// renew_deadline ago, which is shorter than the lease duration: a process that cannot renew stops
// writing before anyone else can take over.
class LeaderElector {
 public:
  LeaderElector(std::shared_ptr<Client> client, LeaderElectionConfig config, Clock& clock,
                Metrics* metrics = nullptr);

  // One attempt to acquire or renew; true when this process holds the lease afterwards.
  bool TryAcquireOrRenew();
  // Retries every retry_period (jittered by up to kAcquireJitter) until the lease is held (true) or
  // stop (false); an attempt is also made the moment the observed record would expire.
  bool Acquire(const StopSignal& stop);
  // How long Acquire waits after a failed attempt: `jittered_retry`, cut short to the moment the
  // record held by another would expire by this candidate's own observation (its clock, from when it
  // saw the record change), so a dead holder is replaced as soon as that is safe.
  Clock::Duration NextAcquireDelay(Clock::Duration jittered_retry) const;
  // Renews every retry_period. Returns true on stop, false when the lease was lost (no successful
  // renew within renew_deadline, or another holder).
  bool RenewLoop(const StopSignal& stop);
  // Gives the lease up (holderIdentity cleared, leaseDurationSeconds 1) so a standby takes over now.
  Status Release();

  bool IsLeader() const;
  // For Client::SetWriteFence: ok only while leading.
  Status Fence() const;
  const LeaderElectionConfig& config() const { return config_; }

 private:
  Json Spec(const Json& old_spec, bool renewing) const;
  void SetLeading(bool leading);

  std::shared_ptr<Client> client_;
  LeaderElectionConfig config_;
  Clock& clock_;
  Metrics::Gauge* master_status_ = nullptr;

  mutable std::mutex mu_;
  std::optional<Json> lease_;         // last lease object seen or written
  Json observed_spec_;                // the record as last observed
  Clock::TimePoint observed_time_{};  // when (local clock) it last changed
  bool leading_ = false;
  Clock::TimePoint last_renew_start_{};
};

}  // namespace kube
