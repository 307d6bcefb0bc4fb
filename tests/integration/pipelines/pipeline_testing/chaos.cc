#include "pipeline_testing/chaos.h"

#include <atomic>
#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <random>
#include <set>
#include <stdexcept>
#include <thread>

#include "engine/schedule_decision.h"
#include "pipeline_testing/fake_kubelet.h"
#include "pipeline_testing/operator_process.h"
#include "pipeline_testing/seed_cluster.h"

namespace seed::pipeline_testing {
namespace {

using nlohmann::json;
using Clock = std::chrono::steady_clock;
constexpr char kLease[] = "seed-chaos";

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

bool Succeeded(int code) { return code >= 200 && code < 300; }

// A stop flag with a wait that wakes on it (the chaos threads' periods).
class Stopper {
 public:
  void Stop() {
    {
      std::lock_guard lock(mu_);
      stopped_ = true;
    }
    cv_.notify_all();
  }
  // Waits until `deadline`; false when stopped first.
  bool WaitUntil(Clock::time_point deadline) {
    std::unique_lock lock(mu_);
    return !cv_.wait_until(lock, deadline, [&] { return stopped_; });
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  bool stopped_ = false;
};

// The replica holding the lease now: the author of the last successful lease write.
int LeaseHolder(SeedCluster& cluster, int replicas) {
  auto writes = cluster.Writes();
  for (auto it = writes.rbegin(); it != writes.rend(); ++it) {
    if ((*it).value("resource", "") != "leases" || !Succeeded((*it).value("code", 0))) continue;
    for (int i = 0; i < replicas; ++i) {
      if ((*it).value("user", "") == cluster.OperatorUser(i)) return i;
    }
  }
  return -1;
}

std::string HolderIdentity(SeedCluster& cluster) {
  json lease = cluster.emulator().Request(
      "GET", std::string("/apis/coordination.k8s.io/v1/namespaces/default/leases/") + kLease);
  return lease.value("spec", json::object()).value("holderIdentity", "");
}

}  // namespace

ChaosReport RunChaos(const ChaosSettings& settings, std::ostream& log) {
  constexpr int kReplicas = 2;
  ChaosReport report;
  const auto began = Clock::now();
  ClusterOptions cluster_options;
  cluster_options.operator_replicas = kReplicas;
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
    for (int m = 0; m < settings.minutes; ++m) expected.insert(engine::ScheduledRunName("fan", start + std::chrono::minutes(m)));
    report.pods_expected += settings.minutes * settings.fanout_items;
  }
  report.runs_expected = static_cast<int>(expected.size());
  FakeKubelet kubelet(cluster.kubelet_kubeconfig(), [](const json&) { return PodOutcome::Succeed(); });

  std::vector<std::unique_ptr<OperatorProcess>> replicas;
  for (int i = 0; i < kReplicas; ++i) {
    OperatorOptions options;
    options.kubeconfig = cluster.operator_kubeconfig(i);
    options.clock_file = cluster.clock_file();
    options.log_path = cluster.Dir() + "/operator-" + std::to_string(i) + ".log";
    options.extra_args = {
        "--leader-elect",
        std::string("--leader-election-id=") + kLease,
        "--leader-election-namespace=default",
        "--leader-election-lease-duration=" + std::to_string(settings.lease_duration_seconds),
        "--leader-election-renew-deadline=" + std::to_string(settings.renew_deadline_seconds),
        "--leader-election-retry-period=" + std::to_string(settings.retry_period_seconds)};
    replicas.push_back(std::make_unique<OperatorProcess>(options));
  }
  if (!WaitUntil([&] { return !HolderIdentity(cluster).empty(); }, std::chrono::seconds(60))) {
    throw std::runtime_error("chaos: no replica became leader within 60 s");
  }

  // Faults on the operators' requests only (the test's own reads and the fake kubelet stay clean).
  json rules = json::array();
  for (int i = 0; i < kReplicas; ++i) {
    rules.push_back({{"user", cluster.OperatorUser(i)}, {"code", 500}, {"rate", settings.fault_rate / 2}});
    // The second rule sees the requests the first let through: together they fire at ~fault_rate.
    rules.push_back({{"user", cluster.OperatorUser(i)},
                     {"code", 429},
                     {"rate", settings.fault_rate / 2},
                     {"retryAfterSeconds", 1}});
  }
  cluster.emulator().Admin("POST", "/faults", {{"rules", rules}});

  Stopper stop_watch_chaos;
  std::thread watch_chaos([&] {
    auto next_drop = Clock::now() + settings.drop_watches_every,
         next_gone = Clock::now() + settings.gone_every;
    while (stop_watch_chaos.WaitUntil(std::min(next_drop, next_gone))) {
      if (Clock::now() >= next_gone) {
        cluster.emulator().Admin("POST", "/compact");
        cluster.emulator().Admin("POST", "/drop-watches");
        next_gone += settings.gone_every;
      }
      if (Clock::now() >= next_drop) {
        cluster.emulator().Admin("POST", "/drop-watches");
        next_drop += settings.drop_watches_every;
      }
    }
  });

  // The leader killer: SIGKILL the holder, restart it at once (a new pod), time the failover.
  Stopper stop_killer;
  std::thread killer([&] {
    std::mt19937_64 random(settings.seed);
    std::uniform_int_distribution<int> jitter_ms(0, 2000);
    auto next = Clock::now() + settings.kill_every;
    while (report.leader_kills < settings.leader_kills &&
           stop_killer.WaitUntil(next + std::chrono::milliseconds(jitter_ms(random)))) {
      next += settings.kill_every;
      const std::string holder = HolderIdentity(cluster);
      const int leader = LeaseHolder(cluster, kReplicas);
      if (holder.empty() || leader < 0) continue;
      const auto killed_at = Clock::now();
      replicas[leader]->Kill();
      replicas[leader]->Start();
      ++report.leader_kills;
      bool moved = WaitUntil(
          [&] {
            auto now_holder = HolderIdentity(cluster);
            return !now_holder.empty() && now_holder != holder;
          },
          std::chrono::seconds(120), std::chrono::milliseconds(50));
      const double seconds = std::chrono::duration<double>(Clock::now() - killed_at).count();
      report.failover_seconds.push_back(moved ? seconds : -1);
      log << "chaos: kill " << report.leader_kills << " of replica " << leader << ", failover "
          << (moved ? std::to_string(seconds) + " s" : std::string("never")) << std::endl;
    }
  });

  // The schedule: one scheduled minute per step, spread over the kills' span.
  const auto span = settings.kill_every * settings.leader_kills + std::chrono::seconds(5);
  const auto step = span / std::max(1, settings.minutes);
  Stopper never;
  for (int m = 0; m < settings.minutes; ++m) {
    cluster.SetClock(start + std::chrono::minutes(m));
    never.WaitUntil(began + step * (m + 1));  // the scenario's pace, not a synchronisation
  }
  killer.join();
  // The faults stop; the last replicas live: every run must now end.
  cluster.emulator().Admin("DELETE", "/faults");
  stop_watch_chaos.Stop();
  watch_chaos.join();
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
  std::set<std::string> operator_users;
  for (int i = 0; i < kReplicas; ++i) operator_users.insert(cluster.OperatorUser(i));
  std::string holder;
  std::map<std::string, int> run_creates, pod_creates;
  for (const auto& write : writes) {
    const std::string user = write.value("user", "");
    if (!operator_users.count(user)) continue;
    const int code = write.value("code", 0);
    if (code == 500 || code == 429) ++report.faults_injected;
    if (!Succeeded(code)) continue;
    const std::string resource = write.value("resource", "");
    if (resource == "leases") {
      holder = user;
      continue;
    }
    ++report.operator_writes;
    report.writes_outside_term += user != holder;
    if (write.value("verb", "") != "create" || !write.value("subresource", "").empty()) continue;
    if (resource == "pipelineruns") ++run_creates[write.value("name", "")];
    if (resource == "pods") ++pod_creates[write.value("name", "")];
  }
  for (const auto& [name, count] : run_creates) report.duplicate_runs += count - 1;
  for (const auto& [name, count] : pod_creates) report.duplicate_pods += count - 1;
  report.runs_created = static_cast<int>(run_creates.size());
  report.pods_created = static_cast<int>(pod_creates.size());
  for (const auto& name : expected) report.lost_runs += !run_creates.count(name);
  for (const auto& [name, count] : run_creates) report.invented_runs += !expected.count(name);
  for (auto& replica : replicas) replica->Stop();
  report.wall_seconds = std::chrono::duration<double>(Clock::now() - began).count();
  return report;
}

}  // namespace seed::pipeline_testing
