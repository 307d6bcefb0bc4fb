#pragma once
// The scheduled-runs chaos scenario (bench/chaos at full size, a short version in the integration
// tests): scheduled one-pod Pipelines (and optionally one fanning out) run through two operator
// replicas with leader election under every fault of operator_chaos.h at once. Then the faults stop
// and every run must end. Every count comes from the emulator's write log or the stored objects, never from
// the operator's own account.
#include <chrono>
#include <cstdint>
#include <ostream>
#include <string>
#include <vector>

#include "pipeline_testing/operator_chaos.h"

namespace seed::pipeline_testing {

struct ChaosSettings {
  int pipelines = 50;    // `* * * * *` one-pod Pipelines
  int minutes = 20;      // scheduled minutes the test clock walks through: pipelines x minutes runs
  int fanout_items = 0;  // > 0: one more `* * * * *` Pipeline whose task fans out over this many items
  FaultSettings faults;
  std::chrono::seconds settle{180};  // once the faults stop, every run must end within this
};

struct ChaosReport {
  int runs_expected = 0;
  int runs_created = 0;
  int duplicate_runs = 0;  // successful creates of a run name beyond the first
  int lost_runs = 0;       // scheduled times with no run
  int invented_runs = 0;   // runs for times never scheduled
  int pods_expected = 0;   // one per one-pod run, fanout_items per fan-out run
  int pods_created = 0;
  int duplicate_pods = 0;  // successful creates of a pod name beyond the first
  int runs_stuck = 0;      // runs not ended within `settle` after the faults stopped
  int leader_kills = 0;
  std::vector<double> failover_seconds;  // per kill: until another identity held the lease
  int writes_outside_term = 0;           // operator writes by a replica that did not hold the lease then
  int operator_writes = 0;
  int faults_injected = 0;  // operator requests answered 500/429 on purpose (from the write log)
  double wall_seconds = 0;
};

// Runs the scenario (operator_chaos.h's faults around it); progress lines go to `log`. Throws
// std::runtime_error when the cluster cannot be set up.
ChaosReport RunChaos(const ChaosSettings& settings, std::ostream& log);

}  // namespace seed::pipeline_testing
