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
  for (double seconds : report.failover_seconds) {
    EXPECT_GE(seconds, 0) << "the lease never moved after a kill";
    EXPECT_LE(seconds, settings.faults.lease_duration_seconds + settings.faults.retry_period_seconds + 3.0);
  }
  EXPECT_GT(report.faults_injected, 0) << "the faults never fired";
}

}  // namespace
}  // namespace seed::pipeline_testing
