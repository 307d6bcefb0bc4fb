#include <gtest/gtest.h>

#include <algorithm>

#include "kube-emulator/emulator_process.h"
#include "kube/client.h"
#include "kube/config.h"
#include "kube/credentials.h"
#include "kube/curl_transport.h"
#include "kube/leader_election.h"
#include "process.h"

namespace kube {
namespace {

using kubeemu::EmulatorOptions;
using kubeemu::EmulatorProcess;
using std::chrono::milliseconds;
using std::chrono::seconds;
using testing::ChildProcess;
using testing::WaitUntil;

// Short timings keep the test fast while keeping client-go's ratios (15 / 10 / 2).
constexpr int kLeaseMs = 3000, kRenewMs = 2000, kRetryMs = 400;
// Request latency and scheduling allowed on top of the takeover bound (a GET to see the renew, a
// GET and a PUT to take the lease, the first write), generous for a loaded machine and sanitizers.
constexpr int kLatencyAllowanceMs = 300;

struct Write {
  int64_t seq;
  std::string user;
  std::string resource;
  int code;
  double time;
};

double ParseTime(const Json& t) {
  if (t.is_number()) return t.get<double>();
  auto parsed = ParseRfc3339(t.get<std::string>());
  return parsed ? std::chrono::duration<double>(parsed->time_since_epoch()).count() : 0;
}

// Successful writes of one resource (and, when given, one name and verb) in the order applied.
std::vector<Write> SuccessfulWrites(const EmulatorProcess& emu, const std::string& resource,
                                    const std::string& name, const std::string& verb) {
  std::vector<Write> out;
  for (const auto& w : emu.Admin("GET", "/writes")) {
    if (w.value("resource", "") != resource) continue;
    if (!name.empty() && w.value("name", "") != name) continue;
    if (!verb.empty() && w.value("verb", "") != verb) continue;
    int code = w.value("code", 0);
    if (code < 200 || code >= 300) continue;
    out.push_back({w.value("seq", int64_t{0}), w.value("user", ""), resource, code, ParseTime(w["time"])});
  }
  std::sort(out.begin(), out.end(), [](const Write& a, const Write& b) { return a.seq < b.seq; });
  return out;
}

// The ticker's patches; the setup's create (by the helper's admin identity) is not an action.
std::vector<Write> ConfigMapWrites(const EmulatorProcess& emu) {
  return SuccessfulWrites(emu, "configmaps", "tick", "patch");
}

double WallSeconds() {
  return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}

int Count(const std::vector<Write>& writes, const std::string& user) {
  return static_cast<int>(
      std::count_if(writes.begin(), writes.end(), [&](const Write& w) { return w.user == user; }));
}

// The users of consecutive runs of writes, e.g. {alice, bob}: leadership changed once.
std::vector<std::string> Runs(const std::vector<Write>& writes) {
  std::vector<std::string> runs;
  for (const auto& w : writes) {
    if (runs.empty() || runs.back() != w.user) runs.push_back(w.user);
  }
  return runs;
}

class LeaderElectionIntegrationTest : public ::testing::Test {
 protected:
  LeaderElectionIntegrationTest() {
    EmulatorOptions o;
    o.tokens = {{"tok-admin", "admin"}, {"tok-alice", "alice"}, {"tok-bob", "bob"}};
    o.history = 100000;
    emu_ = std::make_unique<EmulatorProcess>(o);
    emu_->Request("POST", "/api/v1/namespaces/default/configmaps",
                  Json{{"apiVersion", "v1"},
                       {"kind", "ConfigMap"},
                       {"metadata", {{"name", "tick"}}},
                       {"data", Json::object()}});
  }
  std::unique_ptr<ChildProcess> Start(const std::string& user) {
    std::string kubeconfig = emu_->WriteKubeconfig(emu_->Dir() + "/kubeconfig-" + user, "tok-" + user);
    return std::make_unique<ChildProcess>(
        std::vector<std::string>{KUBE_LEADER_CHILD, kubeconfig, "default", std::to_string(kLeaseMs),
                                 std::to_string(kRenewMs), std::to_string(kRetryMs)},
        emu_->Dir() + "/" + user + ".log");
  }
  Json Lease(const std::string& name = "it-leader") {
    return emu_->Request("GET", "/apis/coordination.k8s.io/v1/namespaces/default/leases/" + name);
  }

  std::unique_ptr<EmulatorProcess> emu_;
};

TEST_F(LeaderElectionIntegrationTest, KilledLeaderIsReplacedWithinTheLeaseAndWritesNeverInterleave) {
  auto alice = Start("alice");
  ASSERT_TRUE(WaitUntil([&] { return Count(ConfigMapWrites(*emu_), "alice") >= 5; }, seconds(15)))
      << alice->Log();
  auto bob = Start("bob");
  // Both run for a while: only alice acts.
  ASSERT_TRUE(WaitUntil([&] { return Count(ConfigMapWrites(*emu_), "alice") >= 40; }, seconds(15)));
  EXPECT_EQ(Count(ConfigMapWrites(*emu_), "bob"), 0) << bob->Log();

  alice->Signal(SIGKILL);
  const double killed_at = WallSeconds();  // the emulator stamps writes with the same (wall) clock
  ASSERT_TRUE(alice->Wait(seconds(5)).has_value());
  ASSERT_TRUE(WaitUntil([&] { return Count(ConfigMapWrites(*emu_), "bob") >= 1; }, seconds(15)))
      << bob->Log();

  // What "replaced within the lease duration" can mean. bob counts the lease from the moment it saw
  // alice's last renew, on its own clock; it never trusts the record's renewTime (alice's clock).
  // It polls every retry period (jittered by up to kAcquireJitter) and once more exactly when the
  // lease it observed expires. So bob takes over no sooner than a lease duration after alice's last
  // renew (safety), and no later than that plus one poll interval (how late bob can see that renew)
  // plus request latency. alice dies at or after her last renew, so the same bound holds from the
  // kill. Strictly within a lease duration of the kill would need bob to trust alice's clock.
  const double lease_s = kLeaseMs / 1000.0;
  const double poll_s = kRetryMs / 1000.0 * (1 + kAcquireJitter);
  const double epsilon_s = kLatencyAllowanceMs / 1000.0;
  double alice_last_renew = 0, bob_acquired = 1e300;
  for (const auto& w : SuccessfulWrites(*emu_, "leases", "it-leader", "")) {
    if (w.user == "alice") alice_last_renew = std::max(alice_last_renew, w.time);
    if (w.user == "bob") bob_acquired = std::min(bob_acquired, w.time);
  }
  ASSERT_GT(alice_last_renew, 0);
  ASSERT_LT(bob_acquired, 1e300);
  EXPECT_GE(bob_acquired - alice_last_renew, lease_s) << "bob took the lease before it expired";
  EXPECT_LE(bob_acquired - alice_last_renew, lease_s + poll_s + epsilon_s);
  double bob_first_write = 1e300;
  for (const auto& w : ConfigMapWrites(*emu_)) {
    if (w.user == "bob") bob_first_write = std::min(bob_first_write, w.time);
  }
  const double takeover_s = bob_first_write - killed_at;
  EXPECT_LE(takeover_s, lease_s + poll_s + epsilon_s) << "from the kill to bob's first write";
  RecordProperty("takeover_ms", static_cast<int>(takeover_s * 1000));
  RecordProperty("acquired_after_last_renew_ms", static_cast<int>((bob_acquired - alice_last_renew) * 1000));

  bob->Signal(SIGTERM);
  auto code = bob->Wait(seconds(15));
  ASSERT_TRUE(code.has_value());
  EXPECT_EQ(*code, 0) << bob->Log();
  EXPECT_EQ(Lease()["spec"]["holderIdentity"], "") << "released on SIGTERM";

  auto writes = ConfigMapWrites(*emu_);
  EXPECT_EQ(Runs(writes), (std::vector<std::string>{"alice", "bob"}))
      << "writes of two identities interleaved";
  // bob's first write comes after alice's lease could have expired.
  double alice_last = 0, bob_first = 1e300;
  for (const auto& w : writes) {
    if (w.user == "alice") alice_last = std::max(alice_last, w.time);
    if (w.user == "bob") bob_first = std::min(bob_first, w.time);
  }
  if (alice_last > 0 && bob_first < 1e300) {
    EXPECT_GT(bob_first, alice_last);
  }
}

TEST_F(LeaderElectionIntegrationTest, SigtermReleasesTheLeaseForAFastHandover) {
  auto alice = Start("alice");
  ASSERT_TRUE(WaitUntil([&] { return Count(ConfigMapWrites(*emu_), "alice") >= 3; }, seconds(15)))
      << alice->Log();
  auto bob = Start("bob");
  ASSERT_TRUE(WaitUntil([&] { return Count(ConfigMapWrites(*emu_), "alice") >= 20; }, seconds(15)));
  alice->Signal(SIGTERM);
  auto code = alice->Wait(seconds(15));
  ASSERT_TRUE(code.has_value());
  EXPECT_EQ(*code, 0) << alice->Log();
  auto released_at = std::chrono::steady_clock::now();
  ASSERT_TRUE(WaitUntil([&] { return Count(ConfigMapWrites(*emu_), "bob") >= 1; }, seconds(15)))
      << bob->Log();
  auto handover = std::chrono::duration_cast<milliseconds>(std::chrono::steady_clock::now() - released_at);
  // A released lease (leaseDurationSeconds 1) is free after 1 s of observation plus one retry.
  EXPECT_LE(handover.count(), 1000 + 3 * kRetryMs) << handover.count() << " ms";
  bob->Signal(SIGTERM);
  ASSERT_TRUE(bob->Wait(seconds(15)).has_value());
  EXPECT_EQ(Runs(ConfigMapWrites(*emu_)), (std::vector<std::string>{"alice", "bob"}));
}

TEST_F(LeaderElectionIntegrationTest, LeaderThatCannotRenewStopsWritingAndExitsNonZero) {
  auto alice = Start("alice");
  ASSERT_TRUE(WaitUntil([&] { return Count(ConfigMapWrites(*emu_), "alice") >= 3; }, seconds(15)))
      << alice->Log();
  // Every lease write now fails: alice must stop acting within the renew deadline and exit non-zero.
  emu_->Admin("POST", "/faults",
              Json::parse(R"({"rules":[{"verb":"update","resource":"leases","code":500}]})"));
  auto faulted_at = std::chrono::steady_clock::now();
  auto code = alice->Wait(milliseconds(kRenewMs + kRetryMs * 4 + 5000));
  ASSERT_TRUE(code.has_value()) << alice->Log();
  EXPECT_NE(*code, 0);
  // No configmap write after the fence closed (the last successful renew + renew deadline).
  auto writes = ConfigMapWrites(*emu_);
  ASSERT_FALSE(writes.empty());
  double last_write = writes.back().time;
  double faulted =
      std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count() -
      std::chrono::duration<double>(std::chrono::steady_clock::now() - faulted_at).count();
  EXPECT_LE(last_write, faulted + kRenewMs / 1000.0 + 0.5);
  emu_->Admin("DELETE", "/faults");
}

}  // namespace
}  // namespace kube
