// The chaos scenario, short (bench/chaos runs it at full size): two replicas with leader election,
// the leader SIGKILLed three times, 5 % of the operators' requests failing, watches dropped and
// expired, 48 scheduled runs, 8 of them fanning out over 12 items each. Nothing duplicated, lost, invented or
// stuck; no write outside the writer's lease term; every failover within the lease duration plus a retry
// period and slack.
#include "pipeline_testing/chaos.h"

#include <gtest/gtest.h>

#include <iostream>

namespace seed::pipeline_testing {
namespace {

TEST(ChaosTest, LeaderKillsFaultsAndWatchLossLoseAndDuplicateNothing) {
  ChaosSettings settings;
  settings.pipelines = 5;
  settings.minutes = 8;
  settings.fanout_items = 12;
  settings.faults = ShortFaults();
  settings.settle = std::chrono::seconds(60);
  ChaosReport report = RunChaos(settings, std::cout);
  EXPECT_EQ(report.runs_expected, 48);  // 5 one-pod Pipelines and one fanning out, 8 minutes
  EXPECT_EQ(report.runs_created, 48);
  EXPECT_EQ(report.duplicate_runs, 0);
  EXPECT_EQ(report.lost_runs, 0);
  EXPECT_EQ(report.invented_runs, 0);
  EXPECT_EQ(report.pods_expected, 40 + 8 * 12);
  EXPECT_EQ(report.pods_created, report.pods_expected);
  EXPECT_EQ(report.duplicate_pods, 0);
  EXPECT_EQ(report.runs_stuck, 0);
  EXPECT_EQ(report.writes_outside_term, 0);
  EXPECT_EQ(report.leader_kills, 3);
  EXPECT_EQ(SlowFailovers(report.failover_seconds, settings.faults), std::vector<std::string>{});
  EXPECT_GT(report.faults_injected, 0) << "the faults never fired";
}

// The failover check itself: a lease that never moved, or moved after its bound, is named.
TEST(SlowFailoversTest, NamesTheKillsWhoseLeaseNeverMovedOrMovedLate) {
  FaultSettings faults;  // lease 10 s, retry 1 s: bound 14 s
  EXPECT_EQ(SlowFailovers({9.5, 13.9}, faults), std::vector<std::string>{});
  const auto slow = SlowFailovers({9.5, -1, 14.5}, faults);
  ASSERT_EQ(slow.size(), 2u);
  EXPECT_EQ(slow[0], "kill 2: the lease never moved");
  EXPECT_EQ(slow[1].rfind("kill 3: failover 14.5", 0), 0u) << slow[1];
}

}  // namespace
}  // namespace seed::pipeline_testing
