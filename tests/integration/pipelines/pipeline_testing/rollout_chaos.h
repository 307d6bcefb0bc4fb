#pragma once
// The InferenceService chaos scenario (bench_chaos --scenario rollout at full size, a short version in
// the inference integration tests): model versions are bumped again and again on several
// InferenceServices, each upgrade a canary (steps 10, 50, 100 on the HTTPRoute), while every fault of
// operator_chaos.h runs at once around two operator replicas. Some new versions never become ready
// and must be rolled back. The test stands in for the deployment controller (a new Deployment
// becomes Available, or stalls for a broken version) and for the model servers' /metrics.
//
// Judged from the emulator's audit trail (every Service, Deployment and HTTPRoute state, kept across
// the compactions) and its write log, never from the operator's own account:
//  - from the moment a stable Service first has an Available Deployment behind it, it always has one;
//  - the stable Services are never deleted or re-created and keep their cluster IP;
//  - every HTTPRoute state sends all traffic to one backend or splits it as a canary step does;
//  - a rolled-back upgrade left the serving version's Deployment without a single operator write;
//  - every upgrade ends (Complete, or RolledBack for a broken version) within `settle` after the
//    faults stop; no replica writes outside its lease term.
#include <chrono>
#include <ostream>
#include <string>
#include <vector>

#include "pipeline_testing/operator_chaos.h"

namespace seed::pipeline_testing {

struct RolloutChaosSettings {
  int services = 4;           // InferenceServices, each with its own model
  int min_upgrades = 3;       // per service, at least; more are started while the killer still runs
  int broken_every = 4;       // every Nth new version never becomes ready (0: none)
  int interval_seconds = 60;  // the canary's intervalSeconds, on the test clock
  // The test clock moves one canary interval per this much real time.
  std::chrono::milliseconds interval_every{1000};
  FaultSettings faults;
  std::chrono::seconds settle{120};  // once the faults stop, every upgrade must end within this
};

struct RolloutChaosReport {
  int upgrades_started = 0;
  int upgrades_completed = 0;                // ended Complete on the new version
  int rollbacks_expected = 0;                // broken versions among the upgrades started
  int rollbacks = 0;                         // broken versions that ended RolledBack
  int upgrades_stuck = 0;                    // the last upgrade of a service not ended within `settle`
  int states_checked = 0;                    // Service/Deployment states replayed after serving began
  std::vector<std::string> without_backend;  // states where a stable Service had no Available Deployment
  std::vector<std::string> stable_changes;   // a stable Service deleted, re-created or given a new cluster IP
  std::vector<std::string> bad_route_weights;  // an HTTPRoute state no canary step makes
  std::vector<std::string>
      touched_on_rollback;              // operator writes to the serving version during a rolled-back upgrade
  std::vector<std::string> unexpected;  // a version that should have served was rolled back
  int route_states = 0;
  int leader_kills = 0;
  std::vector<double> failover_seconds;
  int operator_writes = 0, writes_outside_term = 0, faults_injected = 0;
  double wall_seconds = 0;
};

// Runs the scenario; progress lines go to `log`. Throws std::runtime_error when the cluster cannot be
// set up.
RolloutChaosReport RunRolloutChaos(const RolloutChaosSettings& settings, std::ostream& log);

}  // namespace seed::pipeline_testing
