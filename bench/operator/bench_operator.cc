// bench_operator: measures the Seed controllers (seed-operator's controller code in a child
// process) against the test API emulator with no client rate limit. Scenarios:
//   throughput  N user-created one-pod PipelineRuns, a fake kubelet completing pods at once:
//               runs per minute from first creation to last completion, API writes per run,
//               creation-to-pod latency p50/p99 (from the emulator's write log).
//   scheduled   P `* * * * *` one-pod Pipelines on a test clock advanced one minute: API writes
//               per scheduled run, counting the scheduled run's creation.
//   rss         RSS of the operator with P Pipelines reconciled (e.g. 1000, 10000).
//   skew        P `* * * * *` Pipelines on the real clock: creation skew (write time - scheduled
//               time) of the runs of one minute boundary, p50/p99/max.
#include <signal.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <fstream>
#include <iomanip>
#include <iostream>
#include <sstream>

#include "api/time_format.h"
#include "engine/schedule_decision.h"
#include "pipeline_testing/fake_kubelet.h"
#include "pipeline_testing/operator_process.h"
#include "pipeline_testing/seed_cluster.h"

namespace {

using nlohmann::json;
using seed::pipeline_testing::FakeKubelet;
using seed::pipeline_testing::FakeKubeletOptions;
using seed::pipeline_testing::OperatorOptions;
using seed::pipeline_testing::OperatorProcess;
using seed::pipeline_testing::PodOutcome;
using seed::pipeline_testing::SeedCluster;
using seed::pipeline_testing::WaitUntil;
using Clock = std::chrono::steady_clock;

struct Settings {
  std::string scenario = "throughput";
  int runs = 300;
  int pipelines = 1000;
  int workers = 2;
};

double MicrosOf(const std::string& rfc3339) {
  // "2026-11-22T16:40:01.123456Z"
  auto whole = seed::api::ParseRfc3339(rfc3339.substr(0, 19) + "Z");
  double frac = 0;
  auto dot = rfc3339.find('.');
  if (dot != std::string::npos) frac = std::stod("0" + rfc3339.substr(dot, rfc3339.size() - dot - 1));
  return whole ? static_cast<double>(whole->time_since_epoch().count()) * 1e6 + frac * 1e6 : 0;
}

double Percentile(std::vector<double> values, double p) {
  if (values.empty()) return 0;
  std::sort(values.begin(), values.end());
  size_t index = static_cast<size_t>(std::ceil(p * static_cast<double>(values.size()))) - 1;
  return values[std::min(index, values.size() - 1)];
}

long RssKiB(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("VmRSS:", 0) == 0) return std::stol(line.substr(6));
  }
  return -1;
}

json Template() {
  return {{"apiVersion", "seed.dev/v1alpha1"},
          {"kind", "JobTemplate"},
          {"metadata", {{"name", "step"}, {"namespace", "default"}}},
          {"spec", {{"command", {"seed-job", "step"}}}}};
}

json PipelineObject(const std::string& name, const json& schedule) {
  json spec = {{"tasks", json::array({{{"name", "a"}, {"templateRef", {{"name", "step"}}}}})},
               {"successfulRunsHistoryLimit", 100000}};
  if (!schedule.is_null()) spec["schedule"] = schedule;
  return {{"apiVersion", "seed.dev/v1alpha1"},
          {"kind", "Pipeline"},
          {"metadata", {{"name", name}, {"namespace", "default"}}},
          {"spec", spec}};
}

void Create(SeedCluster& cluster, const std::string& plural, const json& object) {
  json result = cluster.emulator().Request("POST", "/apis/seed.dev/v1alpha1/namespaces/default/" + plural, object);
  if (result.value("kind", "") == "Status") throw std::runtime_error("create failed: " + result.dump());
}

std::unique_ptr<OperatorProcess> StartOperator(SeedCluster& cluster, const Settings& settings, bool test_clock) {
  OperatorOptions options;
  options.kubeconfig = cluster.operator_kubeconfig();
  options.workers = settings.workers;
  if (test_clock) options.clock_file = cluster.clock_file();
  options.log_path = cluster.Dir() + "/operator.log";
  options.extra_args = {"--log-level", "warn"};
  return std::make_unique<OperatorProcess>(options);
}

struct WriteCounts {
  std::map<std::string, int> by_kind;  // "pipelineruns create", "pods create", "pipelineruns/status update", ...
  int total = 0;
};

WriteCounts CountOperatorWrites(const std::vector<json>& writes) {
  WriteCounts counts;
  for (const auto& write : writes) {
    if (write.value("user", "") != seed::pipeline_testing::kOperatorUser) continue;
    if (write.value("code", 0) >= 300) continue;
    std::string key = write.value("resource", "");
    if (!write.value("subresource", "").empty()) key += "/" + write.value("subresource", "");
    counts.by_kind[key + " " + write.value("verb", "")]++;
    counts.total++;
  }
  return counts;
}

void PrintWrites(const WriteCounts& counts, int runs) {
  int without_events = 0;
  for (const auto& [key, n] : counts.by_kind) {
    std::cout << "  " << std::left << std::setw(34) << key << n << " (" << std::fixed << std::setprecision(2)
              << static_cast<double>(n) / runs << " per run)\n";
    if (key.rfind("events", 0) != 0) without_events += n;
  }
  std::cout << "  operator writes per run: " << std::setprecision(2) << static_cast<double>(counts.total) / runs
            << " (without Events: " << static_cast<double>(without_events) / runs << ")\n";
}

int Throughput(const Settings& settings) {
  SeedCluster cluster({.tls = true, .history = 100000});
  cluster.Apply(Template().dump());
  cluster.Apply(PipelineObject("one", nullptr).dump());
  FakeKubelet kubelet(cluster.kubelet_kubeconfig(), [](const json&) { return PodOutcome::Succeed(); },
                      FakeKubeletOptions{.skip_running = true});
  auto seed_operator = StartOperator(cluster, settings, false);
  // Let the operator sync before the clock starts.
  WaitUntil([&] { return !cluster.Get("jobtemplates", "step").value("status", json::object()).empty(); },
            std::chrono::seconds(30));
  auto begin = Clock::now();
  for (int i = 0; i < settings.runs; ++i) {
    Create(cluster, "pipelineruns",
           {{"apiVersion", "seed.dev/v1alpha1"},
            {"kind", "PipelineRun"},
            {"metadata", {{"name", "run-" + std::to_string(i)}, {"namespace", "default"}}},
            {"spec", {{"pipelineRef", {{"name", "one"}}}}}});
  }
  auto created = Clock::now();
  auto succeeded = [&] {
    int n = 0;
    for (const auto& run : cluster.List("pipelineruns")) n += run.value("status", json::object()).value("phase", "") == "Succeeded";
    return n;
  };
  bool done = WaitUntil([&] { return succeeded() == settings.runs; }, std::chrono::seconds(600), std::chrono::milliseconds(50));
  auto end = Clock::now();
  double seconds = std::chrono::duration<double>(end - begin).count();
  auto writes = cluster.Writes();
  std::map<std::string, double> run_created, pod_created;
  for (const auto& write : writes) {
    if (write.value("verb", "") != "create" || write.value("code", 0) >= 300) continue;
    if (write.value("resource", "") == "pipelineruns") run_created[write.value("name", "")] = MicrosOf(write.value("time", ""));
    if (write.value("resource", "") == "pods") {
      std::string pod = write.value("name", "");
      pod_created[pod.substr(0, pod.size() - 4)] = MicrosOf(write.value("time", ""));  // "<run>-a-1"
    }
  }
  std::vector<double> latency_ms;
  for (const auto& [run, t] : run_created) {
    if (pod_created.count(run)) latency_ms.push_back((pod_created[run] - t) / 1000.0);
  }
  std::cout << "scenario throughput: " << settings.runs << " one-pod PipelineRuns, workers " << settings.workers
            << (done ? "" : " (NOT all finished)") << "\n"
            << "  created in " << std::fixed << std::setprecision(2)
            << std::chrono::duration<double>(created - begin).count() << " s; all succeeded after " << seconds << " s\n"
            << "  throughput: " << std::setprecision(0) << settings.runs / seconds * 60 << " runs/min\n"
            << "  creation-to-pod latency: p50 " << std::setprecision(1) << Percentile(latency_ms, 0.5) << " ms, p99 "
            << Percentile(latency_ms, 0.99) << " ms, max " << Percentile(latency_ms, 1.0) << " ms\n"
            << "  operator RSS: " << RssKiB(seed_operator->pid()) / 1024 << " MiB\n";
  PrintWrites(CountOperatorWrites(writes), settings.runs);
  return done ? 0 : 1;
}

int Scheduled(const Settings& settings) {
  SeedCluster cluster({.tls = true, .history = 100000});
  auto start = std::chrono::floor<std::chrono::hours>(std::chrono::system_clock::now()) + std::chrono::hours(1);
  cluster.SetClock(start - std::chrono::seconds(30));
  cluster.Apply(Template().dump());
  for (int i = 0; i < settings.pipelines; ++i) {
    Create(cluster, "pipelines", PipelineObject("p" + std::to_string(i), {{"cron", "* * * * *"}}));
  }
  FakeKubelet kubelet(cluster.kubelet_kubeconfig(), [](const json&) { return PodOutcome::Succeed(); },
                      FakeKubeletOptions{.skip_running = true});
  auto seed_operator = StartOperator(cluster, settings, true);
  auto reconciled = [&] {
    int n = 0;
    for (const auto& p : cluster.List("pipelines")) n += p.value("status", json::object()).contains("nextScheduleTime");
    return n;
  };
  WaitUntil([&] { return reconciled() == settings.pipelines; }, std::chrono::seconds(300), std::chrono::milliseconds(200));
  size_t before = cluster.Writes().size();
  cluster.SetClock(start);
  auto succeeded = [&] {
    int n = 0;
    for (const auto& run : cluster.List("pipelineruns")) n += run.value("status", json::object()).value("phase", "") == "Succeeded";
    return n;
  };
  bool done = WaitUntil([&] { return succeeded() == settings.pipelines; }, std::chrono::seconds(600),
                        std::chrono::milliseconds(200));
  // Let the last status writes (Pipeline lastSuccessfulTime) land: wait until the log stops growing.
  size_t last = 0;
  WaitUntil([&] {
    size_t now = cluster.Writes().size();
    bool still = now == last;
    last = now;
    return still;
  }, std::chrono::seconds(10), std::chrono::milliseconds(500));
  auto writes = cluster.Writes();
  writes.erase(writes.begin(), writes.begin() + static_cast<long>(before));
  std::cout << "scenario scheduled: " << settings.pipelines << " `* * * * *` one-pod Pipelines, one minute boundary, "
            << "workers " << settings.workers
            << (done ? "" : " (NOT all finished)") << "\n";
  PrintWrites(CountOperatorWrites(writes), settings.pipelines);
  std::map<std::string, int> pods;
  for (const auto& write : writes) {
    if (write.value("resource", "") == "pods" && write.value("verb", "") == "create" && write.value("code", 0) < 300) {
      ++pods[write.value("name", "")];
    }
  }
  int repeated = 0;
  for (const auto& [name, n] : pods) {
    repeated += n > 1;
  }
  std::cout << "  distinct pods created: " << pods.size() << ", names created more than once: " << repeated << "\n";
  (void)seed_operator;
  return done ? 0 : 1;
}

int Rss(const Settings& settings) {
  SeedCluster cluster({.tls = true, .history = 100000});
  cluster.Apply(Template().dump());
  auto seed_operator = StartOperator(cluster, settings, false);
  long idle = 0;
  WaitUntil([&] { return !cluster.Get("jobtemplates", "step").value("status", json::object()).empty(); },
            std::chrono::seconds(30));
  idle = RssKiB(seed_operator->pid());
  auto begin = Clock::now();
  for (int i = 0; i < settings.pipelines; ++i) {
    Create(cluster, "pipelines", PipelineObject("p" + std::to_string(i), {{"cron", "0 0 1 1 *"}}));
  }
  auto status_writes = [&] {
    int n = 0;
    for (const auto& write : cluster.Writes()) {
      n += write.value("resource", "") == "pipelines" && write.value("subresource", "") == "status" &&
           write.value("code", 0) < 300;
    }
    return n;
  };
  bool done = WaitUntil([&] { return status_writes() >= settings.pipelines; }, std::chrono::seconds(600),
                        std::chrono::milliseconds(500));
  double seconds = std::chrono::duration<double>(Clock::now() - begin).count();
  std::cout << "scenario rss: " << settings.pipelines << " Pipelines (yearly schedule, one task)"
            << (done ? "" : " (NOT all reconciled)") << "\n"
            << "  RSS idle " << idle / 1024 << " MiB; with " << settings.pipelines << " Pipelines reconciled: "
            << RssKiB(seed_operator->pid()) / 1024 << " MiB (created and reconciled in " << std::fixed
            << std::setprecision(1) << seconds << " s)\n";
  return done ? 0 : 1;
}

int Skew(const Settings& settings) {
  SeedCluster cluster({.tls = true, .history = 100000});
  cluster.Apply(Template().dump());
  for (int i = 0; i < settings.pipelines; ++i) {
    Create(cluster, "pipelines", PipelineObject("p" + std::to_string(i), {{"cron", "* * * * *"}, {"catchup", "None"}}));
  }
  auto seed_operator = StartOperator(cluster, settings, false);
  auto count_status = [&] {
    int n = 0;
    for (const auto& write : cluster.Writes()) {
      n += write.value("resource", "") == "pipelines" && write.value("subresource", "") == "status" &&
           write.value("code", 0) < 300;
    }
    return n;
  };
  WaitUntil([&] { return count_status() >= settings.pipelines; }, std::chrono::seconds(600), std::chrono::milliseconds(500));
  // The first whole minute after every Pipeline was reconciled.
  auto boundary = std::chrono::floor<std::chrono::minutes>(std::chrono::system_clock::now()) + std::chrono::minutes(1);
  std::string suffix = "-" + std::to_string(std::chrono::floor<std::chrono::seconds>(boundary).time_since_epoch().count() / 60);
  auto runs_at_boundary = [&](std::vector<double>* skews) {
    int n = 0;
    double scheduled_us = static_cast<double>(std::chrono::floor<std::chrono::seconds>(boundary).time_since_epoch().count()) * 1e6;
    for (const auto& write : cluster.Writes()) {
      if (write.value("resource", "") != "pipelineruns" || write.value("verb", "") != "create" ||
          write.value("code", 0) >= 300) continue;
      std::string name = write.value("name", "");
      if (name.size() < suffix.size() || name.compare(name.size() - suffix.size(), suffix.size(), suffix) != 0) continue;
      ++n;
      if (skews) skews->push_back((MicrosOf(write.value("time", "")) - scheduled_us) / 1e6);
    }
    return n;
  };
  bool done = WaitUntil([&] { return runs_at_boundary(nullptr) >= settings.pipelines; }, std::chrono::seconds(240),
                        std::chrono::milliseconds(500));
  std::vector<double> skews;
  runs_at_boundary(&skews);
  std::cout << "scenario skew: " << settings.pipelines << " `* * * * *` Pipelines, workers " << settings.workers
            << "; runs for " << seed::api::FormatRfc3339(
                   std::chrono::floor<std::chrono::seconds>(boundary)) << ": " << skews.size()
            << (done ? "" : " (NOT all created)") << "\n"
            << std::fixed << std::setprecision(3) << "  creation skew: p50 " << Percentile(skews, 0.5) << " s, p99 "
            << Percentile(skews, 0.99) << " s, max " << Percentile(skews, 1.0) << " s\n"
            << "  operator RSS: " << RssKiB(seed_operator->pid()) / 1024 << " MiB\n";
  return done ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"bench_operator: the Seed controllers against the test API emulator"};
  Settings settings;
  app.add_option("--scenario", settings.scenario)->check(CLI::IsMember({"throughput", "scheduled", "rss", "skew"}));
  app.add_option("--runs", settings.runs, "throughput: PipelineRuns to create");
  app.add_option("--pipelines", settings.pipelines, "scheduled, rss, skew: Pipelines to create");
  app.add_option("--workers", settings.workers, "operator workers per controller");
  CLI11_PARSE(app, argc, argv);
  signal(SIGPIPE, SIG_IGN);
  try {
    if (settings.scenario == "throughput") return Throughput(settings);
    if (settings.scenario == "scheduled") return Scheduled(settings);
    if (settings.scenario == "rss") return Rss(settings);
    return Skew(settings);
  } catch (const std::exception& e) {
    std::cerr << "bench_operator: " << e.what() << "\n";
    return 1;
  }
}
