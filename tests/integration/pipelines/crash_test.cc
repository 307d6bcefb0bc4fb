// Crash safety: the operator is SIGKILLed at random points (seeded, bounded random delays) and
// restarted while 50 scheduled runs of the six-task wind DAG go through; the emulator's write log
// must show no pod and no run created twice, no scheduled time lost, and every run finished.
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

}  // namespace
}  // namespace seed::pipeline_testing
