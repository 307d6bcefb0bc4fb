// Crash safety: the operator is SIGKILLed at random points (seeded, bounded random delays) and
// restarted while 50 scheduled runs of the six-task wind DAG go through, and while a 150-item
// fan-out runs; the emulator's write log must show no pod and no run created twice, no scheduled
// time and no item lost, and every run finished.
#include <gtest/gtest.h>

#include <atomic>
#include <condition_variable>
#include <iostream>
#include <fstream>
#include <random>
#include <thread>

#include "engine/schedule_decision.h"
#include "pipeline_fixture.h"

namespace seed::pipeline_testing {
namespace {

using nlohmann::json;
using std::chrono::minutes;
using std::chrono::seconds;

constexpr int kRuns = 50;

TEST_F(PipelineTest, SigkillAtRandomPointsDuring50ScheduledRunsLosesAndDuplicatesNothing) {
  // The first whole minute after the Pipeline's creation (real time), so only scheduled times
  // reached by the test clock are due.
  const auto start = std::chrono::floor<minutes>(std::chrono::system_clock::now()) + minutes(1);
  cluster_->SetClock(start);
  cluster_->ApplyFile(Testdata("wind_dag.yaml"));
  cluster_->MergePatch("pipelines", "wind-dag",
                       {{"spec", {{"schedule", {{"cron", "* * * * *"}, {"catchup", "All"}, {"concurrencyPolicy", "Allow"}}}}}});
  StartKubelet(WindDagOutcome);
  StartOperator();

  // The chaos: once the restarted operator is running (its log says so), kill it after a random
  // delay, restart it at once, until told to stop.
  const std::string log = cluster_->Dir() + "/operator.log";
  auto started = [&] {
    std::ifstream in(log);
    int n = 0;
    for (std::string line; std::getline(in, line);) n += line.find("manager running") != std::string::npos;
    return n;
  };
  std::mutex mu;
  std::condition_variable cv;
  bool stop = false;
  std::atomic<bool> stopping{false};
  std::atomic<int> kills{0};
  std::thread chaos([&] {
    std::mt19937 rng(20261122);
    std::uniform_int_distribution<int> delay_ms(0, 600);
    for (int instance = 1;; ++instance) {
      WaitUntil([&] { return stopping || started() >= instance; }, seconds(30));
      std::unique_lock lock(mu);
      if (cv.wait_for(lock, std::chrono::milliseconds(delay_ms(rng)), [&] { return stop; })) return;
      operator_->Kill();
      ++kills;
      operator_->Start();
    }
  });

  std::set<std::string> expected;
  bool all_created = true;
  for (int i = 0; i < kRuns && all_created; ++i) {
    auto t = start + minutes(i);
    cluster_->SetClock(t);
    std::string name = engine::ScheduledRunName("wind-dag", t);
    expected.insert(name);
    all_created = WaitUntil([&] { return cluster_->Get("pipelineruns", name).value("kind", "") == "PipelineRun"; },
                            seconds(30));
    EXPECT_TRUE(all_created) << "run " << name << " was never created";
    // Pace the schedule by the chaos, not the other way round: a fast operator would otherwise
    // create every run before many kills happen. At least one kill per four scheduled times.
    if (all_created && i % 4 == 3) {
      const int wanted = (i + 1) / 4;
      WaitUntil([&] { return kills.load() >= wanted; }, seconds(30));
    }
  }
  auto finished = [&] {
    int done = 0;
    for (const auto& run : cluster_->List("pipelineruns")) {
      done += run.value("status", json::object()).value("phase", "") == "Succeeded";
    }
    return done;
  };
  {
    std::lock_guard lock(mu);
    stop = true;
    stopping = true;
  }
  cv.notify_all();
  chaos.join();
  ASSERT_TRUE(all_created);
  // The last instance lives: every run must now finish.
  bool all_finished = WaitUntil([&] { return finished() == kRuns; }, seconds(90), std::chrono::milliseconds(100));
  EXPECT_TRUE(all_finished) << finished() << " of " << kRuns << " runs succeeded";

  WriteSummary summary = SummarizeWrites(cluster_->Writes());
  std::set<std::string> created_runs;
  int duplicate_pods = 0, duplicate_runs = 0;
  for (const auto& [name, count] : summary.run_creates) {
    created_runs.insert(name);
    duplicate_runs += count - 1;
  }
  for (const auto& [name, count] : summary.pod_creates) duplicate_pods += count - 1;
  std::cout << "kills: " << kills.load() << ", pods created: " << summary.pod_creates.size()
            << ", runs created: " << created_runs.size() << ", operator writes: " << summary.operator_writes << "\n";
  RecordProperty("kills", kills.load());
  EXPECT_GE(kills, 10);
  EXPECT_EQ(duplicate_pods, 0);
  EXPECT_EQ(duplicate_runs, 0);
  EXPECT_EQ(created_runs, expected);  // no scheduled time lost, none invented
  EXPECT_EQ(summary.pod_creates.size(), static_cast<size_t>(kRuns * 6));
  // One pod per task attempt: every pod name is <run>-<task>-1 (the fake kubelet never fails).
  for (const auto& [name, count] : summary.pod_creates) EXPECT_EQ(name.substr(name.size() - 2), "-1") << name;
}

TEST_F(PipelineTest, SigkillAtRandomPointsDuringAFanOutLosesAndDuplicatesNoItem) {
  constexpr int kItems = 150;
  json items = json::array();
  for (int i = 0; i < kItems; ++i) items.push_back("p" + std::to_string(i));
  auto object = [](const std::string& kind, const std::string& name, const json& spec) {
    return json{{"apiVersion", "seed.dev/v1alpha1"}, {"kind", kind}, {"metadata", {{"name", name}}}, {"spec", spec}}
        .dump();
  };
  cluster_->Apply(object("JobTemplate", "score",
                         {{"command", {"seed-job", "score"}},
                          {"args", {"{{params.plant}}"}},
                          {"params", {{{"name", "plant"}}}},
                          {"outputs", {{{"name", "score"}, {"kind", "value"}}}}}));
  cluster_->Apply(object("JobTemplate", "sum",
                         {{"command", {"seed-job", "sum"}}, {"args", {"{{params.scores}}"}}, {"params", {{{"name", "scores"}}}}}));
  cluster_->Apply(object("Pipeline", "fan",
                         {{"parallelism", 10},
                          {"tasks",
                           {{{"name", "score"},
                             {"templateRef", {{"name", "score"}}},
                             {"withItems", items},
                             {"params", {{"plant", "{{item}}"}}}},
                            {{"name", "sum"},
                             {"templateRef", {{"name", "sum"}}},
                             {"params", {{"scores", "{{tasks.score.outputs.score}}"}}}}}}}));
  // Item pods are held and finished in batches by the test, a kill between batches, so the chaos
  // paces the fan-out however fast the operator is.
  StartKubelet([](const json& pod) {
    json labels = pod["metadata"].value("labels", json::object());
    return labels.contains("seed.dev/item") ? PodOutcome::Hold() : PodOutcome::Succeed();
  });
  StartOperator();
  const std::string log = cluster_->Dir() + "/operator.log";
  auto started = [&] {
    std::ifstream in(log);
    int n = 0;
    for (std::string line; std::getline(in, line);) n += line.find("manager running") != std::string::npos;
    return n;
  };
  std::atomic<bool> stopping{false};
  std::atomic<int> kills{0};
  std::mutex mu;
  std::condition_variable cv;
  std::thread chaos([&] {
    std::mt19937 rng(20261207);
    std::uniform_int_distribution<int> delay_ms(0, 400);
    for (int instance = 1;; ++instance) {
      WaitUntil([&] { return stopping || started() >= instance; }, seconds(30));
      std::unique_lock lock(mu);
      if (cv.wait_for(lock, std::chrono::milliseconds(delay_ms(rng)), [&] { return stopping.load(); })) return;
      operator_->Kill();
      ++kills;
      operator_->Start();
    }
  });
  cluster_->Apply(RunObject("fan-1", "fan").dump());
  int completed = 0;
  for (int batch = 0; completed < kItems && batch < 10 * kItems; ++batch) {
    if (!WaitUntil([&] { return !kubelet_->Held().empty(); }, seconds(30))) break;
    for (const auto& pod : kubelet_->Held()) {
      // <run>-<task>-<hash>-<item>-<attempt>: the item is the second field from the end.
      size_t end = pod.rfind('-');
      int item = std::stoi(pod.substr(pod.rfind('-', end - 1) + 1));
      completed += kubelet_->Complete(pod, PodOutcome::Succeed(json{{"score", item}}.dump()));
    }
    WaitUntil([&] { return kills.load() > batch; }, seconds(30));
  }
  {
    std::lock_guard lock(mu);
    stopping = true;
  }
  cv.notify_all();
  chaos.join();
  ASSERT_TRUE(WaitForRunPhase("fan-1", "Succeeded", seconds(90))) << Run("fan-1")["status"].dump();

  WriteSummary summary = SummarizeWrites(cluster_->Writes());
  int duplicate_pods = 0, item_pods = 0;
  for (const auto& [name, count] : summary.pod_creates) {
    duplicate_pods += count - 1;
    item_pods += name.find("-score-") != std::string::npos;
  }
  std::cout << "kills: " << kills.load() << ", pods created: " << summary.pod_creates.size() << "\n";
  RecordProperty("kills", kills.load());
  EXPECT_GE(kills, 10);
  EXPECT_EQ(duplicate_pods, 0);
  EXPECT_EQ(completed, kItems);
  EXPECT_EQ(item_pods, kItems);  // one pod per item: none lost, none run twice
  json status = Run("fan-1")["status"];
  EXPECT_EQ(status["tasks"]["score"]["items"]["phases"], std::string(kItems, 'S'));
  json scores = json::parse(status["tasks"]["score"]["outputs"]["score"].get<std::string>());
  ASSERT_EQ(scores.size(), static_cast<size_t>(kItems));
  for (int i = 0; i < kItems; ++i) EXPECT_EQ(scores[i], i) << "item " << i;
}

}  // namespace
}  // namespace seed::pipeline_testing
