// bench_chaos: the chaos scenario at the size given (defaults: the full figures of bench/chaos/README.md)
// and its counts, one per line; exit 1 when any count that must be zero is not.
#include <CLI/CLI.hpp>
#include <algorithm>
#include <iostream>

#include "pipeline_testing/chaos.h"

int main(int argc, char** argv) {
  seed::pipeline_testing::ChaosSettings settings;
  double fault_percent = settings.fault_rate * 100;
  double drop_seconds = 10, gone_seconds = 60, kill_seconds = 30;
  int settle_seconds = static_cast<int>(settings.settle.count());
  CLI::App app{
      "The chaos scenario against the test API emulator: two seed-operator replicas with leader election"};
  app.add_option("--pipelines", settings.pipelines, "`* * * * *` one-pod Pipelines")->capture_default_str();
  app.add_option("--minutes", settings.minutes, "scheduled minutes (runs = pipelines x minutes)")
      ->capture_default_str();
  app.add_option("--fault-percent", fault_percent, "share of the operators' API requests answered 500 or 429")
      ->capture_default_str();
  app.add_option("--drop-watches-every", drop_seconds, "seconds")->capture_default_str();
  app.add_option("--gone-every", gone_seconds, "seconds between 410 Gone on every watch")
      ->capture_default_str();
  app.add_option("--kill-every", kill_seconds, "seconds between leader SIGKILLs")->capture_default_str();
  app.add_option("--kills", settings.leader_kills, "leader kills")->capture_default_str();
  app.add_option("--seed", settings.seed, "random seed (kill jitter)")->capture_default_str();
  app.add_option("--settle", settle_seconds, "seconds every run has to end once the faults stop")
      ->capture_default_str();
  app.add_option("--lease-duration", settings.lease_duration_seconds)->capture_default_str();
  app.add_option("--renew-deadline", settings.renew_deadline_seconds)->capture_default_str();
  app.add_option("--retry-period", settings.retry_period_seconds)->capture_default_str();
  CLI11_PARSE(app, argc, argv);
  auto ms = [](double seconds) { return std::chrono::milliseconds(static_cast<long>(seconds * 1000)); };
  settings.fault_rate = fault_percent / 100;
  settings.drop_watches_every = ms(drop_seconds);
  settings.gone_every = ms(gone_seconds);
  settings.kill_every = ms(kill_seconds);
  settings.settle = std::chrono::seconds(settle_seconds);

  auto report = seed::pipeline_testing::RunChaos(settings, std::cout);
  auto& failovers = report.failover_seconds;
  std::sort(failovers.begin(), failovers.end());
  std::cout << "runs expected " << report.runs_expected << ", created " << report.runs_created << "\n"
            << "duplicate runs " << report.duplicate_runs << ", lost " << report.lost_runs << ", invented "
            << report.invented_runs << ", stuck " << report.runs_stuck << "\n"
            << "pods expected " << report.pods_expected << ", created " << report.pods_created << ", duplicate pods "
            << report.duplicate_pods << "\n"
            << "leader kills " << report.leader_kills << ", failover s: min "
            << (failovers.empty() ? 0 : failovers.front()) << ", max "
            << (failovers.empty() ? 0 : failovers.back()) << "\n"
            << "operator writes " << report.operator_writes << ", outside the writer's lease term "
            << report.writes_outside_term << ", operator writes answered 500/429 " << report.faults_injected
            << "\n"
            << "wall " << report.wall_seconds << " s\n";
  const bool clean = report.pods_created == report.pods_expected && report.duplicate_runs == 0 && report.lost_runs == 0 && report.invented_runs == 0 &&
                     report.runs_stuck == 0 && report.duplicate_pods == 0 &&
                     report.writes_outside_term == 0 &&
                     std::none_of(failovers.begin(), failovers.end(), [](double s) { return s < 0; });
  return clean ? 0 : 1;
}
