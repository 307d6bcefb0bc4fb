#pragma once
// The faults every chaos scenario runs under, around two seed-operator replicas with leader election:
// a share of the operators' API requests answered 500 or 429 (Retry-After), every watch dropped on a
// period, every watch given 410 Gone on a longer one (the history compacted, then the watches
// dropped), and the lease holder SIGKILLed (and restarted at once, as a new pod would be) on a period,
// with each failover timed. The scenario (chaos.h: scheduled runs; rollout_chaos.h: model upgrades)
// drives its own workload meanwhile and judges the write log with AuditLeaseTerms.
#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <nlohmann/json.hpp>
#include <ostream>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "pipeline_testing/operator_process.h"
#include "pipeline_testing/seed_cluster.h"

namespace seed::pipeline_testing {

struct FaultSettings {
  double fault_rate = 0.05;  // of the operators' requests: half 500, half 429
  std::chrono::milliseconds drop_watches_every{10000};
  std::chrono::milliseconds gone_every{60000};  // compact the history, then drop: every re-watch gets 410
  std::chrono::milliseconds kill_every{30000};  // SIGKILL the leader (then restart it)
  int leader_kills = 20;
  uint64_t seed = 1;  // the kills' jitter
  // Lease timing of both replicas (seed-operator flags).
  int lease_duration_seconds = 10, renew_deadline_seconds = 7, retry_period_seconds = 1;
};

// The faults of the short versions in the test suite: watches dropped every 1.5 s and expired every
// 5 s, 3 leader kills 6 s apart, lease 4/3/1 s.
FaultSettings ShortFaults();

class OperatorChaos {
 public:
  static constexpr int kReplicas = 2;
  static constexpr char kLease[] = "seed-chaos";

  // Starts both replicas (the cluster needs ClusterOptions::operator_replicas = 2), with `extra_args`
  // added to their flags and the cluster's test clock when `test_clock`; waits for a leader. Throws
  // std::runtime_error when none is elected within 60 s.
  OperatorChaos(SeedCluster& cluster, const FaultSettings& settings, std::vector<std::string> extra_args,
                bool test_clock, std::ostream& log);
  ~OperatorChaos();  // StopFaults, then the replicas
  OperatorChaos(const OperatorChaos&) = delete;
  OperatorChaos& operator=(const OperatorChaos&) = delete;

  // Turns every fault on: request faults, watch drops and expiries, the leader killer.
  void StartFaults();
  // Blocks until the killer has made its leader_kills kills.
  void WaitForKills();
  // Whether the killer has made them (its thread may still be timing the last failover).
  bool KillsDone() const { return kills_ >= settings_.leader_kills; }
  // Every fault off; the replicas keep running.
  void StopFaults();

  int leader_kills() const { return kills_; }
  // Per kill, seconds until another identity held the lease; -1 when it never moved (within 120 s).
  const std::vector<double>& failover_seconds() const { return failover_seconds_; }
  std::set<std::string> operator_users() const;
  std::string log_path(int replica) const;

 private:
  class Stopper;
  int LeaseHolder() const;
  std::string HolderIdentity() const;
  void KillLoop();
  void WatchChaosLoop();

  SeedCluster& cluster_;
  FaultSettings settings_;
  std::ostream& log_;
  std::vector<std::unique_ptr<OperatorProcess>> replicas_;
  std::unique_ptr<Stopper> stop_killer_, stop_watch_chaos_;
  std::thread killer_, watch_chaos_;
  std::atomic<int> kills_{0};
  std::vector<double> failover_seconds_;
};

// Whether a write-log entry was a successful write (2xx).
bool WriteSucceeded(const nlohmann::json& write);

// What the write log says of the operators' writes: successful writes (lease writes aside), those made
// by a replica that was not the last to write the lease (a write outside its term), and requests
// answered 500/429 on purpose.
struct LeaseTermAudit {
  int operator_writes = 0;
  int writes_outside_term = 0;
  int faults_injected = 0;
};
LeaseTermAudit AuditLeaseTerms(const std::vector<nlohmann::json>& writes,
                               const std::set<std::string>& operator_users);

// The failovers that broke the promise, one line each: a kill after which the lease never moved, or
// moved later than a lease duration and a retry period after it (3 s of slack for a loaded machine).
std::vector<std::string> SlowFailovers(const std::vector<double>& failover_seconds,
                                       const FaultSettings& faults);

}  // namespace seed::pipeline_testing
