#include "pipeline_testing/chaos.h"

#include <map>
#include <set>
#include <thread>

#include "engine/schedule_decision.h"
#include "pipeline_testing/fake_kubelet.h"
#include "pipeline_testing/seed_cluster.h"

namespace seed::pipeline_testing {
namespace {

using nlohmann::json;
using Clock = std::chrono::steady_clock;

json OnePodTemplate() {
  return {{"apiVersion", "seed.dev/v1alpha1"},
          {"kind", "JobTemplate"},
          {"metadata", {{"name", "step"}}},
          {"spec", {{"command", {"seed-job", "step"}}}}};
}

// One task `a` on the one-pod template; with items > 0 it fans out over 0..items-1 (a pod each).
json EveryMinutePipeline(const std::string& name, int items = 0) {
  json task = {{"name", "a"}, {"templateRef", {{"name", "step"}}}};
  if (items > 0) {
    task["withItems"] = json::array();
    for (int i = 0; i < items; ++i) task["withItems"].push_back(std::to_string(i));
  }
  return {{"apiVersion", "seed.dev/v1alpha1"},
          {"kind", "Pipeline"},
          {"metadata", {{"name", name}}},
          {"spec",
           {{"schedule", {{"cron", "* * * * *"}, {"catchup", "All"}, {"concurrencyPolicy", "Allow"}}},
            {"successfulRunsHistoryLimit", 100000},
            {"tasks", json::array({task})}}}};
}

}  // namespace

ChaosReport RunChaos(const ChaosSettings& settings, std::ostream& log) {
  ChaosReport report;
  const auto began = Clock::now();
  ClusterOptions cluster_options;
  cluster_options.operator_replicas = OperatorChaos::kReplicas;
  SeedCluster cluster(cluster_options);
  // The first whole minute ahead of the real clock: only times the test clock reaches are due.
  const auto start =
      std::chrono::floor<std::chrono::minutes>(std::chrono::system_clock::now()) + std::chrono::minutes(1);
  cluster.SetClock(start);
  cluster.emulator().Request("POST", "/apis/seed.dev/v1alpha1/namespaces/default/jobtemplates",
                             OnePodTemplate());
  std::set<std::string> expected;
  for (int p = 0; p < settings.pipelines; ++p) {
    const std::string name = "p" + std::to_string(p);
    cluster.emulator().Request("POST", "/apis/seed.dev/v1alpha1/namespaces/default/pipelines",
                               EveryMinutePipeline(name));
    for (int m = 0; m < settings.minutes; ++m)
      expected.insert(engine::ScheduledRunName(name, start + std::chrono::minutes(m)));
  }
  report.pods_expected = static_cast<int>(expected.size());
  if (settings.fanout_items > 0) {
    cluster.emulator().Request("POST", "/apis/seed.dev/v1alpha1/namespaces/default/pipelines",
                               EveryMinutePipeline("fan", settings.fanout_items));
    for (int m = 0; m < settings.minutes; ++m)
      expected.insert(engine::ScheduledRunName("fan", start + std::chrono::minutes(m)));
    report.pods_expected += settings.minutes * settings.fanout_items;
  }
  report.runs_expected = static_cast<int>(expected.size());
  FakeKubelet kubelet(cluster.kubelet_kubeconfig(), [](const json&) { return PodOutcome::Succeed(); });

  OperatorChaos chaos(cluster, settings.faults, {}, /*test_clock=*/true, log);
  chaos.StartFaults();

  // The schedule: one scheduled minute per step, spread over the kills' span.
  const auto span = settings.faults.kill_every * settings.faults.leader_kills + std::chrono::seconds(5);
  const auto step = span / std::max(1, settings.minutes);
  for (int m = 0; m < settings.minutes; ++m) {
    cluster.SetClock(start + std::chrono::minutes(m));
    std::this_thread::sleep_until(began + step * (m + 1));  // the scenario's pace, not a synchronisation
  }
  chaos.WaitForKills();
  // The faults stop; the last replicas live: every run must now end.
  chaos.StopFaults();
  const auto faults_stopped = Clock::now();
  auto ended = [&](std::set<std::string>* runs) {
    int done = 0;
    for (const auto& run : cluster.List("pipelineruns")) {
      if (runs) runs->insert(run["metadata"].value("name", ""));
      const std::string phase = run.value("status", json::object()).value("phase", "");
      done += phase == "Succeeded" || phase == "Failed";
    }
    return done;
  };
  WaitUntil([&] { return ended(nullptr) >= report.runs_expected; }, settings.settle,
            std::chrono::milliseconds(250));
  std::set<std::string> stored;
  report.runs_stuck = report.runs_expected - std::min(report.runs_expected, ended(&stored));
  log << "chaos: " << report.runs_expected - report.runs_stuck << " runs ended "
      << std::chrono::duration<double>(Clock::now() - faults_stopped).count() << " s after the faults stopped"
      << std::endl;

  // The write log decides.
  const auto writes = cluster.Writes();
  const auto operator_users = chaos.operator_users();
  const LeaseTermAudit terms = AuditLeaseTerms(writes, operator_users);
  report.operator_writes = terms.operator_writes;
  report.writes_outside_term = terms.writes_outside_term;
  report.faults_injected = terms.faults_injected;
  std::map<std::string, int> run_creates, pod_creates;
  for (const auto& write : writes) {
    if (!operator_users.count(write.value("user", "")) || !WriteSucceeded(write)) continue;
    if (write.value("verb", "") != "create" || !write.value("subresource", "").empty()) continue;
    const std::string resource = write.value("resource", "");
    if (resource == "pipelineruns") ++run_creates[write.value("name", "")];
    if (resource == "pods") ++pod_creates[write.value("name", "")];
  }
  for (const auto& [name, count] : run_creates) report.duplicate_runs += count - 1;
  for (const auto& [name, count] : pod_creates) report.duplicate_pods += count - 1;
  report.runs_created = static_cast<int>(run_creates.size());
  report.pods_created = static_cast<int>(pod_creates.size());
  for (const auto& name : expected) report.lost_runs += !run_creates.count(name);
  for (const auto& [name, count] : run_creates) report.invented_runs += !expected.count(name);
  report.leader_kills = chaos.leader_kills();
  report.failover_seconds = chaos.failover_seconds();
  report.wall_seconds = std::chrono::duration<double>(Clock::now() - began).count();
  return report;
}

}  // namespace seed::pipeline_testing
