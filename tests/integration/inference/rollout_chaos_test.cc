// The InferenceService chaos scenario, short (bench_chaos --scenario rollout runs it at full size):
// canary upgrades one after another on three InferenceServices, every fourth new version broken,
// while two operator replicas lose their leader three times, 5 % of their requests fail and their
// watches are dropped and expired. Clients never lose their backend, the stable Services never move,
// the route only ever shows canary steps, a broken version is rolled back without touching the one
// serving, and every upgrade ends once the faults stop.
#include "pipeline_testing/rollout_chaos.h"

#include <gtest/gtest.h>

#include <iostream>

namespace seed::pipeline_testing {
namespace {

TEST(RolloutChaosTest, UpgradesUnderLeaderKillsFaultsAndWatchLossNeverLeaveClientsWithoutABackend) {
  RolloutChaosSettings settings;
  settings.services = 3;
  settings.min_upgrades = 3;
  settings.broken_every = 4;
  settings.interval_every = std::chrono::milliseconds(500);
  settings.faults = ShortFaults();
  settings.settle = std::chrono::seconds(60);
  const RolloutChaosReport report = RunRolloutChaos(settings, std::cout);

  EXPECT_GE(report.upgrades_started, settings.services * settings.min_upgrades);
  EXPECT_EQ(report.upgrades_stuck, 0);
  EXPECT_EQ(report.upgrades_completed + report.rollbacks, report.upgrades_started);
  EXPECT_GT(report.rollbacks_expected, 0) << "no broken version was tried";
  EXPECT_EQ(report.rollbacks, report.rollbacks_expected);
  EXPECT_EQ(report.unexpected, std::vector<std::string>{});
  EXPECT_GT(report.states_checked, 50);
  EXPECT_EQ(report.without_backend, std::vector<std::string>{});
  EXPECT_EQ(report.stable_changes, std::vector<std::string>{});
  // Each completed upgrade shows at least its first canary step and the switch on its route (a look
  // that comes a whole interval late goes on from where the clock is, so a middle step can pass
  // unseen).
  EXPECT_GE(report.route_states, 2 * report.upgrades_completed)
      << "the canary steps never showed on the routes";
  EXPECT_EQ(report.bad_route_weights, std::vector<std::string>{});
  EXPECT_EQ(report.touched_on_rollback, std::vector<std::string>{});
  EXPECT_EQ(report.writes_outside_term, 0);
  EXPECT_EQ(report.leader_kills, 3);
  EXPECT_EQ(SlowFailovers(report.failover_seconds, settings.faults), std::vector<std::string>{});
  EXPECT_GT(report.faults_injected, 0) << "the faults never fired";
}

}  // namespace
}  // namespace seed::pipeline_testing
