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
//   create-rate the emulator alone: N PipelineRun creates by C concurrent kept-alive clients, the
//               raw create rate (the floor under the skew: N runs need at least N / rate).
#include <signal.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <atomic>
#include <fstream>
#include <functional>
#include <iomanip>
#include <iostream>
#include <mutex>
#include <sstream>
#include <thread>

#include "api/time_format.h"
#include "engine/schedule_decision.h"
#include "kube/client.h"
#include "kube/config.h"
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

// The latency model of the test API emulator (tests/kube-emulator/server/latency_model.h): what a
// client of a real API server backed by etcd sees per request. The defaults are calibrated in
// RESULTS.md ("The latency model") against a Kubernetes v1.32 API server measured at ~300 writes/s.
struct Latency {
  double write_ms = 6;
  double read_ms = 2;
  double jitter = 0.5;
  double writes_per_second = 0;  // the server's write ceiling; 0: none
  bool off = false;              // --no-latency: the emulator answers as fast as it can
};

struct Settings {
  std::string scenario = "throughput";
  int runs = 300;
  int pipelines = 1000;
  int workers = 2;  // the scenarios other than boundary (whose --config carries the flags)
  int clients = 4;
  int boundaries = 1;
  int items = 1000;      // fanout
  int parallelism = 100;  // fanout
  Latency latency;
  // boundary: seed-operator's flags on top of the bench's own (kubeconfig, ports, log level); one
  // run per configuration, one after the other, each on a fresh emulator.
  std::vector<std::string> configs;
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

// CPU seconds (user + system) the process has used so far, from /proc/<pid>/stat.
double CpuSeconds(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  auto close = text.rfind(')');  // the command name may hold spaces
  if (close == std::string::npos) return -1;
  std::istringstream fields(text.substr(close + 2));
  std::string field;
  long utime = 0, stime = 0;
  for (int i = 3; fields >> field; ++i) {  // field 3 is the state
    if (i == 14) utime = std::stol(field);
    if (i == 15) {
      stime = std::stol(field);
      break;
    }
  }
  return static_cast<double>(utime + stime) / static_cast<double>(sysconf(_SC_CLK_TCK));
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

// Creates `count` objects made by `make(i)` through kube clients on kept-alive connections, four
// at a time (one TLS handshake per request, as the admin helper does, would dominate at 10,000).
// The kubelet's identity is used, so none of these writes counts as the operator's.
void CreateMany(SeedCluster& cluster, const std::string& plural, int count,
                const std::function<json(int)>& make, int threads_count = 4) {
  auto config = kube::LoadKubeconfig({cluster.kubelet_kubeconfig()});
  if (!config.ok()) throw std::runtime_error("bench client: " + config.error().ToString());
  config->qps = 100000;
  config->burst = 100000;
  config->user_agent = "bench-operator";
  kube::GroupVersionResource gvr{"seed.dev", "v1alpha1", plural, true, ""};
  const int kThreads = std::max(1, threads_count);
  std::vector<std::thread> threads;
  std::atomic<int> failures{0};
  std::string first_error;
  std::mutex mu;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      auto client = kube::Client::FromConfig(*config);
      for (int i = t; i < count; i += kThreads) {
        auto created = client->Create(gvr, "default", make(i));
        if (!created.ok()) {
          std::lock_guard lock(mu);
          if (failures++ == 0) first_error = created.error().ToString();
        }
      }
    });
  }
  for (auto& thread : threads) thread.join();
  if (failures > 0)
    throw std::runtime_error(std::to_string(failures.load()) + " creates failed: " + first_error);
}

// Successful status writes to Pipelines so far (one per reconciled Pipeline at first sight).
int PipelineStatusWrites(SeedCluster& cluster) {
  int n = 0;
  for (const auto& write : cluster.Writes()) {
    n += write.value("resource", "") == "pipelines" && write.value("subresource", "") == "status" &&
         write.value("code", 0) < 300;
  }
  return n;
}

// Waits until the real clock's second within the minute is in [from, to), so a batch of creations
// starting now stays inside one minute.
void WaitForSecondOfMinute(int from, int to) {
  for (;;) {
    auto now = std::chrono::system_clock::now();
    auto second =
        std::chrono::duration_cast<std::chrono::seconds>(now - std::chrono::floor<std::chrono::minutes>(now))
            .count();
    if (second >= from && second < to) return;
    std::this_thread::sleep_for(std::chrono::milliseconds(200));  // a benchmark driver waiting for wall time
  }
}

// Turns the emulator's latency model on (unless --no-latency) for everything after the cluster's
// own setup: the driver's creates pay it too, as a real server's clients would.
void ApplyLatency(SeedCluster& cluster, const Latency& latency) {
  if (latency.off) return;
  json answer = cluster.emulator().Admin("POST", "/latency",
                                         {{"writeMs", latency.write_ms},
                                          {"readMs", latency.read_ms},
                                          {"jitter", latency.jitter},
                                          {"writesPerSecond", latency.writes_per_second}});
  if (answer.contains("code"))
    throw std::runtime_error("the emulator refused the latency model: " + answer.dump());
}

std::string LatencyText(const Latency& latency) {
  if (latency.off) return "no latency model";
  std::ostringstream out;
  out << "latency model: write median " << latency.write_ms << " ms, read median " << latency.read_ms
      << " ms, jitter (log-normal sigma) " << latency.jitter << ", write ceiling "
      << (latency.writes_per_second > 0 ? std::to_string(static_cast<int>(latency.writes_per_second)) + "/s"
                                        : std::string("none"));
  return out.str();
}

std::unique_ptr<OperatorProcess> StartOperator(SeedCluster& cluster, const Settings& settings,
                                               bool test_clock) {
  OperatorOptions options;
  options.kubeconfig = cluster.operator_kubeconfig();
  options.workers = settings.workers;
  if (test_clock) options.clock_file = cluster.clock_file();
  options.log_path = cluster.Dir() + "/operator.log";
  options.extra_args = {"--log-level", "warn"};
  return std::make_unique<OperatorProcess>(options);
}

struct WriteCounts {
  std::map<std::string, int>
      by_kind;  // "pipelineruns create", "pods create", "pipelineruns/status update", ...
  int total = 0;
  std::map<std::string, int>
      failed;  // attempts answered >= 300 (409 Conflict or AlreadyExists), by kind and code
};

WriteCounts CountOperatorWrites(const std::vector<json>& writes) {
  WriteCounts counts;
  for (const auto& write : writes) {
    if (write.value("user", "") != seed::pipeline_testing::kOperatorUser) continue;
    std::string key = write.value("resource", "");
    if (!write.value("subresource", "").empty()) key += "/" + write.value("subresource", "");
    key += " " + write.value("verb", "");
    if (write.value("code", 0) >= 300) {
      counts.failed[key + " " + std::to_string(write.value("code", 0))]++;
      continue;
    }
    counts.by_kind[key]++;
    counts.total++;
  }
  return counts;
}

void PrintWrites(const WriteCounts& counts, int runs, const std::string& unit = "run") {
  int without_events = 0;
  for (const auto& [key, n] : counts.by_kind) {
    std::cout << "  " << std::left << std::setw(34) << key << n << " (" << std::fixed << std::setprecision(2)
              << static_cast<double>(n) / runs << " per " << unit << ")\n";
    if (key.rfind("events", 0) != 0) without_events += n;
  }
  std::string failed;
  for (const auto& [key, n] : counts.failed)
    failed += (failed.empty() ? "" : ", ") + key + ": " + std::to_string(n);
  std::cout << "  failed write attempts: " << (failed.empty() ? "none" : failed) << "\n";
  std::cout << "  operator writes per " << unit << ": " << std::setprecision(2)
            << static_cast<double>(counts.total) / runs
            << " (without Events: " << static_cast<double>(without_events) / runs << ")\n";
}

int Throughput(const Settings& settings) {
  SeedCluster cluster({.tls = true, .history = 1000000});
  cluster.Apply(Template().dump());
  ApplyLatency(cluster, settings.latency);
  cluster.Apply(PipelineObject("one", nullptr).dump());
  FakeKubelet kubelet(
      cluster.kubelet_kubeconfig(), [](const json&) { return PodOutcome::Succeed(); },
      FakeKubeletOptions{.skip_running = true});
  auto seed_operator = StartOperator(cluster, settings, false);
  // Let the operator sync before the clock starts.
  WaitUntil([&] { return !cluster.Get("jobtemplates", "step").value("status", json::object()).empty(); },
            std::chrono::seconds(30));
  auto begin = Clock::now();
  CreateMany(cluster, "pipelineruns", settings.runs, [](int i) {
    return json{{"apiVersion", "seed.dev/v1alpha1"},
                {"kind", "PipelineRun"},
                {"metadata", {{"name", "run-" + std::to_string(i)}, {"namespace", "default"}}},
                {"spec", {{"pipelineRef", {{"name", "one"}}}}}};
  });
  auto created = Clock::now();
  auto succeeded = [&] {
    int n = 0;
    for (const auto& run : cluster.List("pipelineruns"))
      n += run.value("status", json::object()).value("phase", "") == "Succeeded";
    return n;
  };
  bool done = WaitUntil([&] { return succeeded() == settings.runs; }, std::chrono::seconds(600),
                        std::chrono::milliseconds(100));
  auto end = Clock::now();
  double seconds = std::chrono::duration<double>(end - begin).count();
  auto writes = cluster.Writes();
  std::map<std::string, double> run_created, pod_created;
  for (const auto& write : writes) {
    if (write.value("verb", "") != "create" || write.value("code", 0) >= 300) continue;
    if (write.value("resource", "") == "pipelineruns")
      run_created[write.value("name", "")] = MicrosOf(write.value("time", ""));
    if (write.value("resource", "") == "pods") {
      std::string pod = write.value("name", "");
      pod_created[pod.substr(0, pod.size() - 4)] = MicrosOf(write.value("time", ""));  // "<run>-a-1"
    }
  }
  std::vector<double> latency_ms;
  for (const auto& [run, t] : run_created) {
    if (pod_created.count(run)) latency_ms.push_back((pod_created[run] - t) / 1000.0);
  }
  std::cout << "scenario throughput: " << settings.runs << " one-pod PipelineRuns, workers "
            << settings.workers << (done ? "" : " (NOT all finished)") << "\n"
            << "  created in " << std::fixed << std::setprecision(2)
            << std::chrono::duration<double>(created - begin).count() << " s; all succeeded after " << seconds
            << " s\n"
            << "  throughput: " << std::setprecision(0) << settings.runs / seconds * 60 << " runs/min\n"
            << "  creation-to-pod latency: p50 " << std::setprecision(1) << Percentile(latency_ms, 0.5)
            << " ms, p99 " << Percentile(latency_ms, 0.99) << " ms, max " << Percentile(latency_ms, 1.0)
            << " ms\n"
            << "  operator RSS: " << RssKiB(seed_operator->pid()) / 1024 << " MiB\n";
  PrintWrites(CountOperatorWrites(writes), settings.runs);
  return done ? 0 : 1;
}

// Scheduled runs on the test clock. The Pipelines are created (real time) inside one minute M, with
// the test clock one second before their creation, so nothing is due; once every Pipeline has its
// nextScheduleTime, the clock jumps to M + 1 min: exactly one time is due per Pipeline. The fake
// kubelet stamps pod times from the same test clock, so the operator and the "node" agree on now.
int Scheduled(const Settings& settings) {
  SeedCluster cluster({.tls = true, .history = 1000000});
  cluster.Apply(Template().dump());
  ApplyLatency(cluster, settings.latency);
  WaitForSecondOfMinute(2, 40);
  const auto created_from = std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now());
  cluster.SetClock(created_from - std::chrono::seconds(1));
  CreateMany(cluster, "pipelines", settings.pipelines, [](int i) {
    return PipelineObject("p" + std::to_string(i), {{"cron", "* * * * *"}});
  });
  const auto boundary = std::chrono::floor<std::chrono::minutes>(created_from) + std::chrono::minutes(1);
  if (std::chrono::system_clock::now() >= boundary)
    throw std::runtime_error("creating the Pipelines took past the minute");
  FakeKubeletOptions kubelet_options{.skip_running = true};
  kubelet_options.now = [&cluster] { return cluster.ClockText(); };
  FakeKubelet kubelet(
      cluster.kubelet_kubeconfig(), [](const json&) { return PodOutcome::Succeed(); }, kubelet_options);
  auto seed_operator = StartOperator(cluster, settings, true);
  bool reconciled = WaitUntil([&] { return PipelineStatusWrites(cluster) >= settings.pipelines; },
                              std::chrono::seconds(600), std::chrono::milliseconds(500));
  if (!reconciled) throw std::runtime_error("the Pipelines were not all reconciled within 600 s");
  size_t before = cluster.Writes().size();
  cluster.SetClock(boundary);
  auto succeeded = [&] {
    int n = 0;
    for (const auto& run : cluster.List("pipelineruns"))
      n += run.value("status", json::object()).value("phase", "") == "Succeeded";
    return n;
  };
  bool done = WaitUntil([&] { return succeeded() >= settings.pipelines; }, std::chrono::seconds(600),
                        std::chrono::milliseconds(200));
  // Let the last writes land: wait until the log has not grown for 2 s.
  size_t last = 0;
  WaitUntil(
      [&] {
        size_t now = cluster.Writes().size();
        bool still = now == last;
        last = now;
        return still;
      },
      std::chrono::seconds(30), std::chrono::seconds(2));
  auto writes = cluster.Writes();
  writes.erase(writes.begin(), writes.begin() + static_cast<long>(before));
  std::map<std::string, int> pods, runs;
  for (const auto& write : writes) {
    if (write.value("verb", "") != "create" || write.value("code", 0) >= 300) continue;
    if (write.value("resource", "") == "pods") ++pods[write.value("name", "")];
    if (write.value("resource", "") == "pipelineruns") ++runs[write.value("name", "")];
  }
  int repeated = 0;
  for (const auto& [name, n] : pods) repeated += n > 1;
  const int all_runs = succeeded();
  std::cout << "scenario scheduled: " << settings.pipelines
            << " `* * * * *` one-pod Pipelines, one minute boundary ("
            << seed::api::FormatRfc3339(std::chrono::floor<std::chrono::seconds>(boundary))
            << " on the test clock), "
            << "workers " << settings.workers << (done ? "" : " (NOT all finished)") << "\n"
            << "  runs created: " << runs.size() << ", runs Succeeded: " << all_runs
            << ", pods created: " << pods.size() << " (names created more than once: " << repeated << ")\n";
  PrintWrites(CountOperatorWrites(writes), settings.pipelines);
  (void)seed_operator;
  return done && static_cast<int>(pods.size()) == settings.pipelines && all_runs == settings.pipelines ? 0
                                                                                                       : 1;
}

// RSS of the operator: idle after its caches synced, then with P Pipelines (yearly schedule, so no
// run is due) cached and each reconciled once (its first status write is in the write log).
int Rss(const Settings& settings) {
  SeedCluster cluster({.tls = true, .history = 1000000});
  cluster.Apply(Template().dump());
  ApplyLatency(cluster, settings.latency);
  auto seed_operator = StartOperator(cluster, settings, false);
  WaitUntil([&] { return !cluster.Get("jobtemplates", "step").value("status", json::object()).empty(); },
            std::chrono::seconds(30));
  long idle = RssKiB(seed_operator->pid());
  auto begin = Clock::now();
  CreateMany(cluster, "pipelines", settings.pipelines, [](int i) {
    return PipelineObject("p" + std::to_string(i), {{"cron", "0 0 1 1 *"}});
  });
  double create_seconds = std::chrono::duration<double>(Clock::now() - begin).count();
  bool done = WaitUntil([&] { return PipelineStatusWrites(cluster) >= settings.pipelines; },
                        std::chrono::seconds(900), std::chrono::seconds(2));
  double seconds = std::chrono::duration<double>(Clock::now() - begin).count();
  long reconciled = RssKiB(seed_operator->pid());
  // A little later, once in-flight buffers are gone: what an idle operator with P Pipelines holds.
  std::this_thread::sleep_for(std::chrono::seconds(5));
  long settled = RssKiB(seed_operator->pid());
  std::cout << "scenario rss: " << settings.pipelines << " Pipelines (yearly schedule, one task)"
            << (done ? "" : " (NOT all reconciled)") << "\n"
            << std::fixed << std::setprecision(1)
            << "  RSS idle (caches synced, no Pipelines): " << idle / 1024.0 << " MiB\n"
            << "  RSS with " << settings.pipelines << " Pipelines, all reconciled: " << reconciled / 1024.0
            << " MiB; 5 s later: " << settled / 1024.0 << " MiB (" << std::setprecision(2)
            << (settled - idle) / static_cast<double>(settings.pipelines) << " KiB per Pipeline)\n"
            << std::setprecision(1) << "  created in " << create_seconds << " s; all reconciled after "
            << seconds << " s\n";
  return done ? 0 : 1;
}

// Cron skew on the real clock: P `* * * * *` Pipelines are created and reconciled once; the
// measured boundary is the first whole minute at least 20 s after that (so the operator is idle
// when it comes). Skew of a run = the emulator's write-log time of its successful create minus
// its scheduled time (both on this machine's clock). The driver does not poll the emulator until
// 20 s after the boundary, so the measurement does not compete with itself.
int Skew(const Settings& settings) {
  SeedCluster cluster({.tls = true, .history = 1000000});
  cluster.Apply(Template().dump());
  ApplyLatency(cluster, settings.latency);
  CreateMany(cluster, "pipelines", settings.pipelines, [](int i) {
    return PipelineObject("p" + std::to_string(i), {{"cron", "* * * * *"}, {"catchup", "None"}});
  });
  auto seed_operator = StartOperator(cluster, settings, false);
  bool reconciled = WaitUntil([&] { return PipelineStatusWrites(cluster) >= settings.pipelines; },
                              std::chrono::seconds(900), std::chrono::seconds(2));
  if (!reconciled) throw std::runtime_error("the Pipelines were not all reconciled within 900 s");
  auto boundary =
      std::chrono::floor<std::chrono::minutes>(std::chrono::system_clock::now() + std::chrono::seconds(20)) +
      std::chrono::minutes(1);
  const auto scheduled = std::chrono::floor<std::chrono::seconds>(boundary);
  const std::string suffix = "-" + std::to_string(scheduled.time_since_epoch().count() / 60);
  const double scheduled_us = static_cast<double>(scheduled.time_since_epoch().count()) * 1e6;
  auto runs_at_boundary = [&](std::vector<double>* skews) {
    int n = 0;
    for (const auto& write : cluster.Writes()) {
      if (write.value("resource", "") != "pipelineruns" || write.value("verb", "") != "create" ||
          write.value("code", 0) >= 300)
        continue;
      std::string name = write.value("name", "");
      if (name.size() < suffix.size() ||
          name.compare(name.size() - suffix.size(), suffix.size(), suffix) != 0)
        continue;
      ++n;
      if (skews) skews->push_back((MicrosOf(write.value("time", "")) - scheduled_us) / 1e6);
    }
    return n;
  };
  std::this_thread::sleep_until(boundary - std::chrono::seconds(2));
  const double operator_cpu = CpuSeconds(seed_operator->pid());
  const double emulator_cpu = CpuSeconds(cluster.emulator().Pid());
  // CPU of both processes every 100 ms (reading /proc, never the emulator) while it is measured.
  struct CpuSample {
    double at, operator_cpu, emulator_cpu;  // seconds after the boundary; CPU seconds since 2 s before it
  };
  std::vector<CpuSample> samples;
  // Until 55 s after the boundary at most (the next boundary would start another burst), or once
  // the operator has been idle for a second.
  for (std::chrono::system_clock::time_point t = boundary; t < boundary + std::chrono::seconds(55);
       t += std::chrono::milliseconds(100)) {
    std::this_thread::sleep_until(t);
    samples.push_back({std::chrono::duration<double>(t - boundary).count(),
                       CpuSeconds(seed_operator->pid()) - operator_cpu,
                       CpuSeconds(cluster.emulator().Pid()) - emulator_cpu});
    if (samples.size() >= 30 && samples.back().operator_cpu == samples[samples.size() - 11].operator_cpu)
      break;
  }
  bool done = WaitUntil([&] { return runs_at_boundary(nullptr) >= settings.pipelines; },
                        std::chrono::seconds(240), std::chrono::seconds(10));
  std::vector<double> skews;
  runs_at_boundary(&skews);
  const double last = skews.empty() ? 0.0 : *std::max_element(skews.begin(), skews.end());
  // What else was written while the runs were being created: the pods of the runs already made,
  // their first status writes, the Pipelines' status writes.
  std::map<std::string, int> during;
  for (const auto& write : cluster.Writes()) {
    double t = (MicrosOf(write.value("time", "")) - scheduled_us) / 1e6;
    if (t < 0 || t > last || write.value("code", 0) >= 300) continue;
    std::string key = write.value("resource", "");
    if (!write.value("subresource", "").empty()) key += "/" + write.value("subresource", "");
    during[key + " " + write.value("verb", "")]++;
  }
  std::string others;
  for (const auto& [key, n] : during) others += (others.empty() ? "" : ", ") + key + " " + std::to_string(n);
  std::cout << "scenario skew: " << settings.pipelines << " `* * * * *` Pipelines, workers "
            << settings.workers << "; runs for " << seed::api::FormatRfc3339(scheduled) << ": "
            << skews.size() << (done ? "" : " (NOT all created)") << "\n"
            << std::fixed << std::setprecision(3) << "  creation skew (write-log time - scheduled time): p50 "
            << Percentile(skews, 0.5) << " s, p99 " << Percentile(skews, 0.99) << " s, max "
            << Percentile(skews, 1.0) << " s, min "
            << (skews.empty() ? 0.0 : *std::min_element(skews.begin(), skews.end())) << " s\n"
            << "  writes from the boundary to the last run create: " << others << "\n";
  auto cpu_at = [&](double at) {
    for (const auto& sample : samples) {
      if (sample.at >= at) return sample;
    }
    return samples.empty() ? CpuSample{at, 0, 0} : samples.back();
  };
  CpuSample at_last = cpu_at(last), at_end = samples.empty() ? CpuSample{0, 0, 0} : samples.back();
  std::cout << std::setprecision(1) << "  CPU seconds from 2 s before the boundary: to the last run create (+"
            << last << " s) operator " << at_last.operator_cpu << ", emulator " << at_last.emulator_cpu
            << "; until the operator was idle (+" << at_end.at << " s) operator " << at_end.operator_cpu
            << ", emulator " << at_end.emulator_cpu << "\n"
            << "  operator RSS: " << RssKiB(seed_operator->pid()) / 1024 << " MiB\n";
  return done ? 0 : 1;
}

// Seed-operator's flags from one --config value ("--workers 2 --qps 0"), split on spaces.
std::vector<std::string> SplitArgs(const std::string& text) {
  std::istringstream in(text);
  std::vector<std::string> args;
  for (std::string arg; in >> arg;) args.push_back(arg);
  return args;
}

struct BoundaryFigures {
  std::string config;
  std::vector<double> run_delays, pod_delays;  // seconds after the scheduled minute, all boundaries
  int expected = 0;                            // runs due: Pipelines x boundaries
  int run_misses = 0, pod_misses = 0;          // due runs (or their pods) not created in the minute
  int repeated = 0;                            // run or pod names created more than once
  int extra_pods = 0;                          // runs with more than one pod
  WriteCounts writes;                          // the operator's, from the first boundary to the last + 60 s
  double operator_cpu = 0;                     // CPU seconds over the measured minutes
  int exit_code = 0;
};

// Run and pod creation on the real clock, as the issue measured them on a real API server: P
// `* * * * *` one-pod Pipelines, `boundaries` consecutive minute boundaries; for each due run, the
// write-log time of its successful create minus its scheduled time, and the same for its pod. No
// kubelet runs (pods stay Pending, as with no nodes), so each run costs its create, its pod, one run
// status and one Pipeline status. The driver stays off the emulator from 2 s before the first
// boundary until 58 s after the last (it would compete with the operator) and reads the write log
// once at the end: a run or pod not created within a minute of its scheduled time is a miss.
BoundaryFigures BoundaryRun(const Settings& settings, const std::string& config) {
  BoundaryFigures figures;
  figures.config = config;
  SeedCluster cluster({.tls = true, .history = 10000000});
  cluster.Apply(Template().dump());
  ApplyLatency(cluster, settings.latency);
  CreateMany(cluster, "pipelines", settings.pipelines, [](int i) {
    return PipelineObject("p" + std::to_string(i), {{"cron", "* * * * *"}, {"catchup", "None"}});
  });
  OperatorOptions options;
  options.kubeconfig = cluster.operator_kubeconfig();
  options.default_args = false;
  options.log_path = cluster.Dir() + "/operator.log";
  options.extra_args = {"--job-image",   "seed-job:test", "--metrics-addr", "127.0.0.1:0",
                        "--health-addr", "127.0.0.1:0",   "--log-level",    "warn"};
  for (auto& arg : SplitArgs(config)) options.extra_args.push_back(arg);
  auto seed_operator = std::make_unique<OperatorProcess>(options);
  bool reconciled = WaitUntil([&] { return PipelineStatusWrites(cluster) >= settings.pipelines; },
                              std::chrono::seconds(900), std::chrono::seconds(2));
  if (!reconciled) throw std::runtime_error("the Pipelines were not all reconciled within 900 s");
  const auto first =
      std::chrono::floor<std::chrono::minutes>(std::chrono::system_clock::now() + std::chrono::seconds(20)) +
      std::chrono::minutes(1);
  const auto last = first + std::chrono::minutes(settings.boundaries - 1);
  std::this_thread::sleep_until(first - std::chrono::seconds(2));  // a driver waiting for wall time
  const double cpu_before = CpuSeconds(seed_operator->pid());
  std::this_thread::sleep_until(last + std::chrono::seconds(58));
  figures.operator_cpu = CpuSeconds(seed_operator->pid()) - cpu_before;
  auto writes = cluster.Writes();
  seed_operator.reset();  // stop it before anything else reads the emulator

  const double first_us =
      static_cast<double>(std::chrono::floor<std::chrono::seconds>(first).time_since_epoch().count()) * 1e6;
  const double end_us = first_us + (settings.boundaries * 60.0) * 1e6;
  std::map<std::string, double> run_created, pod_created;  // run name -> first successful create (s)
  std::map<std::string, int> creates, pods_per_run;
  std::vector<json> window;
  for (const auto& write : writes) {
    const double at = MicrosOf(write.value("time", ""));
    if (at < first_us || at >= end_us) continue;
    window.push_back(write);
    if (write.value("verb", "") != "create" || write.value("code", 0) >= 300) continue;
    const std::string resource = write.value("resource", ""), name = write.value("name", "");
    if (resource != "pipelineruns" && resource != "pods") continue;
    if (++creates[resource + "/" + name] == 2) ++figures.repeated;
    std::string run = name;
    if (resource == "pods") {  // <run>-<task>-<attempt>
      for (int dash = 0; dash < 2 && run.rfind('-') != std::string::npos; ++dash) run.erase(run.rfind('-'));
      if (++pods_per_run[run] == 2) ++figures.extra_pods;
    }
    auto& created = resource == "pods" ? pod_created : run_created;
    if (!created.count(run)) created[run] = at / 1e6;
  }
  for (int b = 0; b < settings.boundaries; ++b) {
    const auto boundary = std::chrono::floor<std::chrono::seconds>(first + std::chrono::minutes(b));
    const double scheduled = static_cast<double>(boundary.time_since_epoch().count());
    const std::string suffix = "-" + std::to_string(boundary.time_since_epoch().count() / 60);
    for (int i = 0; i < settings.pipelines; ++i) {
      const std::string run = "p" + std::to_string(i) + suffix;
      ++figures.expected;
      auto r = run_created.find(run);
      if (r == run_created.end() || r->second - scheduled >= 60) {
        ++figures.run_misses;
      } else {
        figures.run_delays.push_back(r->second - scheduled);
      }
      auto p = pod_created.find(run);
      if (p == pod_created.end() || p->second - scheduled >= 60) {
        ++figures.pod_misses;
      } else {
        figures.pod_delays.push_back(p->second - scheduled);
      }
    }
  }
  figures.writes = CountOperatorWrites(window);
  figures.exit_code =
      figures.run_misses == 0 && figures.pod_misses == 0 && figures.repeated == 0 && figures.extra_pods == 0
          ? 0
          : 1;
  return figures;
}

void PrintBoundary(const Settings& settings, const BoundaryFigures& f) {
  const int runs = std::max(1, f.expected);
  std::cout << std::fixed << std::setprecision(2) << "configuration: seed-operator " << f.config << "\n"
            << "  run created after the minute: p50 " << Percentile(f.run_delays, 0.5) << " s, p99 "
            << Percentile(f.run_delays, 0.99) << " s, max " << Percentile(f.run_delays, 1.0) << " s\n"
            << "  pod created after the minute: p50 " << Percentile(f.pod_delays, 0.5) << " s, p99 "
            << Percentile(f.pod_delays, 0.99) << " s, max " << Percentile(f.pod_delays, 1.0) << " s\n"
            << "  due runs: " << f.expected << "; misses (not created within the minute): runs "
            << f.run_misses << ", pods " << f.pod_misses << "; duplicates: names created twice " << f.repeated
            << ", runs with more than one pod " << f.extra_pods << "\n"
            << "  operator CPU over the " << settings.boundaries
            << " measured minute(s): " << std::setprecision(1) << f.operator_cpu << " s\n";
  PrintWrites(f.writes, runs);
}

int Boundary(const Settings& settings) {
  std::vector<std::string> configs = settings.configs;
  if (configs.empty()) configs = {"--workers 2 --qps 0", ""};  // previous defaults, then the binary's own
  std::cout << "scenario boundary: " << settings.pipelines << " `* * * * *` one-pod Pipelines, "
            << settings.boundaries << " minute boundar" << (settings.boundaries == 1 ? "y" : "ies")
            << " each, real clock, no kubelet; " << LatencyText(settings.latency) << "\n";
  std::vector<BoundaryFigures> all;
  for (const auto& config : configs) {
    all.push_back(BoundaryRun(settings, config));
    PrintBoundary(settings, all.back());
    std::cout.flush();
  }
  if (all.size() > 1) {
    std::cout
        << "\n| seed-operator flags | run p50 / p99 (s) | pod p50 / p99 (s) | misses runs / pods | "
           "duplicates | writes per run without Events | Events per run |\n|---|---|---|---|---|---|---|\n";
    for (const auto& f : all) {
      int without = 0, events = 0;
      for (const auto& [key, n] : f.writes.by_kind) (key.rfind("events", 0) == 0 ? events : without) += n;
      const double runs = std::max(1, f.expected);
      std::cout << std::fixed << std::setprecision(2) << "| `" << (f.config.empty() ? "(defaults)" : f.config)
                << "` | " << Percentile(f.run_delays, 0.5) << " / " << Percentile(f.run_delays, 0.99) << " | "
                << Percentile(f.pod_delays, 0.5) << " / " << Percentile(f.pod_delays, 0.99) << " | "
                << f.run_misses << " / " << f.pod_misses << " | " << f.repeated + f.extra_pods << " | "
                << without / runs << " | " << events / runs << " |\n";
    }
  }
  int code = 0;
  for (const auto& f : all) code = std::max(code, f.exit_code);
  return code;
}

// The emulator's raw create rate for PipelineRuns: no operator, C clients on kept-alive
// connections (each creates its share in turn), N creates; rate = N / (last create - first create)
// from the write log. The emulator's CPU per create is from /proc/<pid>/stat.
int CreateRate(const Settings& settings) {
  SeedCluster cluster({.tls = true, .history = 1000000});
  cluster.Apply(Template().dump());
  ApplyLatency(cluster, settings.latency);
  cluster.Apply(PipelineObject("one", nullptr).dump());
  // Warm the connections' TLS handshakes out of the measured window with one create per client.
  CreateMany(
      cluster, "pipelineruns", settings.clients,
      [](int i) {
        return json{{"apiVersion", "seed.dev/v1alpha1"},
                    {"kind", "PipelineRun"},
                    {"metadata", {{"name", "warm-" + std::to_string(i)}, {"namespace", "default"}}},
                    {"spec", {{"pipelineRef", {{"name", "one"}}}}}};
      },
      settings.clients);
  const std::string uid = cluster.Get("pipelines", "one")["metadata"].value("uid", "");
  const double cpu_before = CpuSeconds(cluster.emulator().Pid());
  auto begin = Clock::now();
  CreateMany(
      cluster, "pipelineruns", settings.runs,
      [&uid](int i) {
        // As the scheduler makes them (run_records.cc): labels, the scheduled-time annotation, the
        // Pipeline as controller owner, spec.scheduledTime.
        json owner = {{"apiVersion", "seed.dev/v1alpha1"}, {"kind", "Pipeline"}, {"name", "one"},
                      {"uid", uid}, {"controller", true}, {"blockOwnerDeletion", true}};
        return json{{"apiVersion", "seed.dev/v1alpha1"},
                    {"kind", "PipelineRun"},
                    {"metadata",
                     {{"name", "one-" + std::to_string(29000000 + i)},
                      {"namespace", "default"},
                      {"labels",
                       {{"app.kubernetes.io/managed-by", "seed-operator"},
                        {"app.kubernetes.io/part-of", "seed"},
                        {"seed.dev/pipeline", "one"}}},
                      {"annotations", {{"seed.dev/scheduled-time", "2026-11-22T20:00:00Z"}}},
                      {"ownerReferences", json::array({owner})}}},
                    {"spec", {{"pipelineRef", {{"name", "one"}}}, {"scheduledTime", "2026-11-22T20:00:00Z"}}}};
      },
      settings.clients);
  const double wall = std::chrono::duration<double>(Clock::now() - begin).count();
  const double cpu = CpuSeconds(cluster.emulator().Pid()) - cpu_before;
  double first = 0, last = 0;
  int n = 0;
  for (const auto& write : cluster.Writes()) {
    if (write.value("resource", "") != "pipelineruns" || write.value("verb", "") != "create" ||
        write.value("name", "").rfind("one-", 0) != 0 || write.value("code", 0) >= 300)
      continue;
    double t = MicrosOf(write.value("time", "")) / 1e6;
    if (n++ == 0) first = t;
    last = t;
  }
  std::cout << "scenario create-rate: " << settings.runs << " PipelineRun creates by " << settings.clients
            << " kept-alive clients, emulator only\n"
            << std::fixed << std::setprecision(2) << "  " << n << " created in " << wall << " s (write log: "
            << last - first << " s from first to last): " << std::setprecision(0)
            << (last > first ? (n - 1) / (last - first) : 0) << " creates/s\n"
            << std::setprecision(1) << "  emulator CPU: " << cpu << " s, " << cpu / n * 1e6 << " us per create\n";
  return n == settings.runs ? 0 : 1;
}

// One PipelineRun whose task fans out over `items` literal items (the run's parallelism bounds the
// live pods), then a fan-in task that reads the items' outputs as one list. The fake kubelet
// succeeds each pod at once with {"score": <item>}. Measures API writes per item, the operator's
// CPU per item and the run's status size at the end.
int FanOut(const Settings& settings) {
  SeedCluster cluster({.tls = true, .history = 1000000});
  ApplyLatency(cluster, settings.latency);
  cluster.Apply(json{{"apiVersion", "seed.dev/v1alpha1"},
                     {"kind", "JobTemplate"},
                     {"metadata", {{"name", "score"}, {"namespace", "default"}}},
                     {"spec",
                      {{"command", {"seed-job", "score"}},
                       {"args", {"{{params.plant}}"}},
                       {"params", {{{"name", "plant"}}}},
                       {"outputs", {{{"name", "score"}, {"kind", "value"}}}}}}}
                    .dump());
  cluster.Apply(json{{"apiVersion", "seed.dev/v1alpha1"},
                     {"kind", "JobTemplate"},
                     {"metadata", {{"name", "sum"}, {"namespace", "default"}}},
                     {"spec",
                      {{"command", {"seed-job", "sum"}},
                       {"args", {"{{params.scores}}"}},
                       {"params", {{{"name", "scores"}}}}}}}
                    .dump());
  json items = json::array();
  for (int i = 0; i < settings.items; ++i) items.push_back("p" + std::to_string(i));
  cluster.Apply(json{{"apiVersion", "seed.dev/v1alpha1"},
                     {"kind", "Pipeline"},
                     {"metadata", {{"name", "fleet"}, {"namespace", "default"}}},
                     {"spec",
                      {{"parallelism", settings.parallelism},
                       {"tasks",
                        {{{"name", "score"},
                          {"templateRef", {{"name", "score"}}},
                          {"withItems", items},
                          {"params", {{"plant", "{{item}}"}}}},
                         {{"name", "sum"},
                          {"templateRef", {{"name", "sum"}}},
                          {"params", {{"scores", "{{tasks.score.outputs.score}}"}}}}}}}}}
                    .dump());
  FakeKubelet kubelet(
      cluster.kubelet_kubeconfig(),
      [](const json& pod) {
        json labels = pod["metadata"].value("labels", json::object());
        if (!labels.contains("seed.dev/item")) return PodOutcome::Succeed();
        return PodOutcome::Succeed(json{{"score", std::stoi(labels["seed.dev/item"].get<std::string>())}}.dump());
      },
      FakeKubeletOptions{.skip_running = true});
  auto seed_operator = StartOperator(cluster, settings, false);
  WaitUntil([&] { return !cluster.Get("jobtemplates", "sum").value("status", json::object()).empty(); },
            std::chrono::seconds(30));
  const double cpu_before = CpuSeconds(seed_operator->pid());
  const size_t writes_before = cluster.Writes().size();
  auto begin = Clock::now();
  cluster.Apply(json{{"apiVersion", "seed.dev/v1alpha1"},
                     {"kind", "PipelineRun"},
                     {"metadata", {{"name", "fleet-1"}, {"namespace", "default"}}},
                     {"spec", {{"pipelineRef", {{"name", "fleet"}}}}}}
                    .dump());
  auto phase = [&] { return cluster.Get("pipelineruns", "fleet-1").value("status", json::object()).value("phase", ""); };
  bool done = WaitUntil([&] { return phase() == "Succeeded" || phase() == "Failed"; }, std::chrono::seconds(900),
                        std::chrono::milliseconds(200));
  double seconds = std::chrono::duration<double>(Clock::now() - begin).count();
  // Let the last writes land: wait until the log has not grown for 2 s.
  size_t last = 0;
  WaitUntil(
      [&] {
        size_t now = cluster.Writes().size();
        bool still = now == last;
        last = now;
        return still;
      },
      std::chrono::seconds(30), std::chrono::seconds(2));
  const double cpu = CpuSeconds(seed_operator->pid()) - cpu_before;
  auto writes = cluster.Writes();
  writes.erase(writes.begin(), writes.begin() + static_cast<long>(writes_before));
  WriteCounts counts = CountOperatorWrites(writes);
  int item_pods = 0, duplicates = 0;
  std::map<std::string, int> pods;
  for (const auto& write : writes) {
    if (write.value("resource", "") == "pods" && write.value("verb", "") == "create" && write.value("code", 0) < 300)
      ++pods[write.value("name", "")];
  }
  for (const auto& [name, n] : pods) {
    item_pods += name.find("-score-") != std::string::npos;
    duplicates += n - 1;
  }
  json run = cluster.Get("pipelineruns", "fleet-1");
  const size_t status_bytes = run.value("status", json::object()).dump().size();
  const size_t object_bytes = run.dump().size();
  std::cout << "scenario fanout: " << settings.items << " items, parallelism " << settings.parallelism << ", workers "
            << settings.workers << ", " << LatencyText(settings.latency) << "\n"
            << "  run " << phase() << (done ? "" : " (NOT finished)") << " after " << std::fixed
            << std::setprecision(1) << seconds << " s; item pods " << item_pods << ", pods created twice "
            << duplicates << "\n"
            << "  operator CPU: " << std::setprecision(2) << cpu << " s, " << std::setprecision(2)
            << cpu / settings.items * 1000 << " ms per item; RSS " << RssKiB(seed_operator->pid()) / 1024 << " MiB\n"
            << "  final status: " << status_bytes << " bytes (whole object " << object_bytes << " bytes)\n";
  PrintWrites(counts, settings.items, "item");
  return done && phase() == "Succeeded" && duplicates == 0 && item_pods == settings.items ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"bench_operator: the Seed controllers against the test API emulator"};
  Settings settings;
  app.add_option("--scenario", settings.scenario)
      ->check(CLI::IsMember({"throughput", "scheduled", "rss", "skew", "create-rate", "boundary", "fanout"}));
  app.add_option("--items", settings.items, "fanout: items of the fanned-out task")->check(CLI::Range(1, 5000));
  app.add_option("--parallelism", settings.parallelism, "fanout: the run's parallelism")->check(CLI::Range(0, 5000));
  app.add_option("--runs", settings.runs, "throughput, create-rate: PipelineRuns to create");
  app.add_option("--pipelines", settings.pipelines, "scheduled, rss, skew: Pipelines to create");
  app.add_option("--workers", settings.workers,
                 "operator workers per controller (not boundary: see --config)");
  app.add_option("--boundaries", settings.boundaries, "boundary: consecutive minute boundaries to measure")
      ->check(CLI::Range(1, 10));
  app.add_option("--config", settings.configs,
                 "boundary: seed-operator flags of one configuration, e.g. \"--workers 2 --qps 0\" "
                 "(repeatable; \"\" is the binary's defaults; default: those two)");
  app.add_flag("--no-latency", settings.latency.off, "the emulator answers at once (no latency model)");
  app.add_option("--write-latency-ms", settings.latency.write_ms, "latency model: median of a write")
      ->check(CLI::Range(0.0, 10000.0))
      ->capture_default_str();
  app.add_option("--read-latency-ms", settings.latency.read_ms, "latency model: median of a get or list")
      ->check(CLI::Range(0.0, 10000.0))
      ->capture_default_str();
  app.add_option("--latency-jitter", settings.latency.jitter, "latency model: log-normal sigma")
      ->check(CLI::Range(0.0, 2.0))
      ->capture_default_str();
  app.add_option("--writes-per-second", settings.latency.writes_per_second,
                 "latency model: the server's write ceiling (0: none)")
      ->check(CLI::Range(0.0, 1000000.0))
      ->capture_default_str();
  app.add_option("--clients", settings.clients, "create-rate: concurrent kept-alive clients")->check(CLI::Range(1, 64));
  CLI11_PARSE(app, argc, argv);
  signal(SIGPIPE, SIG_IGN);
  try {
    if (settings.scenario == "throughput") return Throughput(settings);
    if (settings.scenario == "scheduled") return Scheduled(settings);
    if (settings.scenario == "rss") return Rss(settings);
    if (settings.scenario == "create-rate") return CreateRate(settings);
    if (settings.scenario == "boundary") return Boundary(settings);
    if (settings.scenario == "fanout") return FanOut(settings);
    return Skew(settings);
  } catch (const std::exception& e) {
    std::cerr << "bench_operator: " << e.what() << "\n";
    return 1;
  }
}
