// bench_chaos: a chaos scenario at the size given (defaults: the full figures of bench/chaos/README.md)
// and its counts, one per line; exit 1 when any count that must be zero is not.
//   --scenario runs     scheduled one-pod runs (and --fanout-items: one Pipeline fanning out)
//   --scenario rollout  canary model upgrades on several InferenceServices, some versions broken
#include <CLI/CLI.hpp>
#include <algorithm>
#include <iostream>

#include "pipeline_testing/chaos.h"
#include "pipeline_testing/rollout_chaos.h"

namespace {

using seed::pipeline_testing::FaultSettings;

// Prints the failovers; true when every one moved the lease within its bound (SlowFailovers).
bool ReportFailovers(std::vector<double> failovers, int kills, const FaultSettings& faults) {
  const std::vector<std::string> slow = seed::pipeline_testing::SlowFailovers(failovers, faults);
  std::sort(failovers.begin(), failovers.end());
  std::cout << "leader kills " << kills << ", failover s: min " << (failovers.empty() ? 0 : failovers.front())
            << ", median " << (failovers.empty() ? 0 : failovers[failovers.size() / 2]) << ", max "
            << (failovers.empty() ? 0 : failovers.back()) << "\n";
  for (const auto& line : slow) std::cout << "  " << line << "\n";
  return slow.empty();
}

int Runs(const seed::pipeline_testing::ChaosSettings& settings) {
  auto report = seed::pipeline_testing::RunChaos(settings, std::cout);
  std::cout << "runs expected " << report.runs_expected << ", created " << report.runs_created << "\n"
            << "duplicate runs " << report.duplicate_runs << ", lost " << report.lost_runs << ", invented "
            << report.invented_runs << ", stuck " << report.runs_stuck << "\n"
            << "pods expected " << report.pods_expected << ", created " << report.pods_created
            << ", duplicate pods " << report.duplicate_pods << "\n";
  const bool failovers_ok = ReportFailovers(report.failover_seconds, report.leader_kills, settings.faults);
  std::cout << "operator writes " << report.operator_writes << ", outside the writer's lease term "
            << report.writes_outside_term << ", operator writes answered 500/429 " << report.faults_injected
            << "\n"
            << "wall " << report.wall_seconds << " s\n";
  const bool clean = report.pods_created == report.pods_expected && report.duplicate_runs == 0 &&
                     report.lost_runs == 0 && report.invented_runs == 0 && report.runs_stuck == 0 &&
                     report.duplicate_pods == 0 && report.writes_outside_term == 0 && failovers_ok;
  return clean ? 0 : 1;
}

int Rollout(const seed::pipeline_testing::RolloutChaosSettings& settings) {
  auto report = seed::pipeline_testing::RunRolloutChaos(settings, std::cout);
  auto list = [](const std::vector<std::string>& items) {
    std::string out = std::to_string(items.size());
    for (size_t i = 0; i < std::min<size_t>(items.size(), 5); ++i) out += "\n  " + items[i];
    return out;
  };
  std::cout << "upgrades started " << report.upgrades_started << ", completed " << report.upgrades_completed
            << ", broken versions " << report.rollbacks_expected << ", rolled back " << report.rollbacks
            << ", stuck " << report.upgrades_stuck << "\n"
            << "good versions rolled back " << list(report.unexpected) << "\n"
            << "serving states replayed " << report.states_checked << ", without an Available backend "
            << list(report.without_backend) << "\n"
            << "stable Services deleted, re-created or moved " << list(report.stable_changes) << "\n"
            << "route states " << report.route_states << ", not a canary step "
            << list(report.bad_route_weights) << "\n"
            << "operator writes to the serving version during a rollback " << list(report.touched_on_rollback)
            << "\n";
  const bool failovers_ok = ReportFailovers(report.failover_seconds, report.leader_kills, settings.faults);
  std::cout << "operator writes " << report.operator_writes << ", outside the writer's lease term "
            << report.writes_outside_term << ", operator writes answered 500/429 " << report.faults_injected
            << "\n"
            << "wall " << report.wall_seconds << " s\n";
  const bool clean = report.upgrades_stuck == 0 && report.rollbacks == report.rollbacks_expected &&
                     report.unexpected.empty() && report.without_backend.empty() &&
                     report.stable_changes.empty() && report.bad_route_weights.empty() &&
                     report.touched_on_rollback.empty() && report.writes_outside_term == 0 && failovers_ok;
  return clean ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  std::string scenario = "runs";
  seed::pipeline_testing::ChaosSettings runs;
  seed::pipeline_testing::RolloutChaosSettings rollout;
  FaultSettings faults;
  double fault_percent = faults.fault_rate * 100;
  double drop_seconds = 10, gone_seconds = 60, kill_seconds = 30, interval_every_seconds = 1;
  int settle_seconds = 180;
  CLI::App app{
      "A chaos scenario against the test API emulator: two seed-operator replicas with leader election"};
  app.add_option("--scenario", scenario, "runs | rollout")
      ->check(CLI::IsMember({"runs", "rollout"}))
      ->capture_default_str();
  app.add_option("--pipelines", runs.pipelines, "runs: `* * * * *` one-pod Pipelines")->capture_default_str();
  app.add_option("--minutes", runs.minutes, "runs: scheduled minutes (runs = pipelines x minutes)")
      ->capture_default_str();
  app.add_option("--fanout-items", runs.fanout_items,
                 "runs: one more Pipeline fanning out over this many items")
      ->capture_default_str();
  app.add_option("--services", rollout.services, "rollout: InferenceServices")->capture_default_str();
  app.add_option("--min-upgrades", rollout.min_upgrades, "rollout: upgrades per service, at least")
      ->capture_default_str();
  app.add_option("--broken-every", rollout.broken_every, "rollout: every Nth new version never becomes ready")
      ->capture_default_str();
  app.add_option("--interval-every", interval_every_seconds,
                 "rollout: real seconds per canary interval on the test clock")
      ->capture_default_str();
  app.add_option("--fault-percent", fault_percent, "share of the operators' API requests answered 500 or 429")
      ->capture_default_str();
  app.add_option("--drop-watches-every", drop_seconds, "seconds")->capture_default_str();
  app.add_option("--gone-every", gone_seconds, "seconds between 410 Gone on every watch")
      ->capture_default_str();
  app.add_option("--kill-every", kill_seconds, "seconds between leader SIGKILLs")->capture_default_str();
  app.add_option("--kills", faults.leader_kills, "leader kills")->capture_default_str();
  app.add_option("--seed", faults.seed, "random seed (kill jitter)")->capture_default_str();
  app.add_option("--settle", settle_seconds, "seconds everything has to end once the faults stop")
      ->capture_default_str();
  app.add_option("--lease-duration", faults.lease_duration_seconds)->capture_default_str();
  app.add_option("--renew-deadline", faults.renew_deadline_seconds)->capture_default_str();
  app.add_option("--retry-period", faults.retry_period_seconds)->capture_default_str();
  CLI11_PARSE(app, argc, argv);
  auto ms = [](double seconds) { return std::chrono::milliseconds(static_cast<long>(seconds * 1000)); };
  faults.fault_rate = fault_percent / 100;
  faults.drop_watches_every = ms(drop_seconds);
  faults.gone_every = ms(gone_seconds);
  faults.kill_every = ms(kill_seconds);
  if (scenario == "rollout") {
    rollout.faults = faults;
    rollout.interval_every = ms(interval_every_seconds);
    rollout.settle = std::chrono::seconds(settle_seconds);
    return Rollout(rollout);
  }
  runs.faults = faults;
  runs.settle = std::chrono::seconds(settle_seconds);
  return Runs(runs);
}
