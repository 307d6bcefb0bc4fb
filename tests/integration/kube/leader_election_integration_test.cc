#include <gtest/gtest.h>

#include <regex>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "api/yaml_json.h"
#include "kube-emulator/emulator_process.h"
#include "kube/client.h"
#include "kube/config.h"
#include "kube/credentials.h"
#include "kube/curl_transport.h"
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

std::vector<Write> ConfigMapWrites(const EmulatorProcess& emu) {
  std::vector<Write> out;
  for (const auto& w : emu.Admin("GET", "/writes")) {
    // The ticker's patches; the setup's create (by the helper's admin identity) is not an action.
    if (w.value("resource", "") != "configmaps" || w.value("name", "") != "tick" || w.value("verb", "") != "patch") {
      continue;
    }
    int code = w.value("code", 0);
    if (code < 200 || code >= 300) continue;
    out.push_back({w.value("seq", int64_t{0}), w.value("user", ""), "configmaps", code, ParseTime(w["time"])});
  }
  std::sort(out.begin(), out.end(), [](const Write& a, const Write& b) { return a.seq < b.seq; });
  return out;
}

int Count(const std::vector<Write>& writes, const std::string& user) {
  return static_cast<int>(std::count_if(writes.begin(), writes.end(), [&](const Write& w) { return w.user == user; }));
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
                  Json{{"apiVersion", "v1"}, {"kind", "ConfigMap"}, {"metadata", {{"name", "tick"}}}, {"data", Json::object()}});
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
  ASSERT_TRUE(WaitUntil([&] { return Count(ConfigMapWrites(*emu_), "alice") >= 5; }, seconds(15))) << alice->Log();
  auto bob = Start("bob");
  // Both run for a while: only alice acts.
  ASSERT_TRUE(WaitUntil([&] { return Count(ConfigMapWrites(*emu_), "alice") >= 40; }, seconds(15)));
  EXPECT_EQ(Count(ConfigMapWrites(*emu_), "bob"), 0) << bob->Log();

  alice->Signal(SIGKILL);
  auto killed_at = std::chrono::steady_clock::now();
  ASSERT_TRUE(alice->Wait(seconds(5)).has_value());
  ASSERT_TRUE(WaitUntil([&] { return Count(ConfigMapWrites(*emu_), "bob") >= 1; }, seconds(15))) << bob->Log();
  auto takeover = std::chrono::duration_cast<milliseconds>(std::chrono::steady_clock::now() - killed_at);
  // bob must see the record unchanged for a lease duration (measured from when it last saw it
  // change, at most one retry period after alice's last renew), plus one jittered retry to notice.
  EXPECT_LE(takeover.count(), kLeaseMs + 3 * kRetryMs) << "takeover took " << takeover.count() << " ms";
  RecordProperty("takeover_ms", static_cast<int>(takeover.count()));

  bob->Signal(SIGTERM);
  auto code = bob->Wait(seconds(15));
  ASSERT_TRUE(code.has_value());
  EXPECT_EQ(*code, 0) << bob->Log();
  EXPECT_EQ(Lease()["spec"]["holderIdentity"], "") << "released on SIGTERM";

  auto writes = ConfigMapWrites(*emu_);
  EXPECT_EQ(Runs(writes), (std::vector<std::string>{"alice", "bob"})) << "writes of two identities interleaved";
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
  ASSERT_TRUE(WaitUntil([&] { return Count(ConfigMapWrites(*emu_), "alice") >= 3; }, seconds(15))) << alice->Log();
  auto bob = Start("bob");
  ASSERT_TRUE(WaitUntil([&] { return Count(ConfigMapWrites(*emu_), "alice") >= 20; }, seconds(15)));
  alice->Signal(SIGTERM);
  auto code = alice->Wait(seconds(15));
  ASSERT_TRUE(code.has_value());
  EXPECT_EQ(*code, 0) << alice->Log();
  auto released_at = std::chrono::steady_clock::now();
  ASSERT_TRUE(WaitUntil([&] { return Count(ConfigMapWrites(*emu_), "bob") >= 1; }, seconds(15))) << bob->Log();
  auto handover = std::chrono::duration_cast<milliseconds>(std::chrono::steady_clock::now() - released_at);
  // A released lease (leaseDurationSeconds 1) is free after 1 s of observation plus one retry.
  EXPECT_LE(handover.count(), 1000 + 3 * kRetryMs) << handover.count() << " ms";
  bob->Signal(SIGTERM);
  ASSERT_TRUE(bob->Wait(seconds(15)).has_value());
  EXPECT_EQ(Runs(ConfigMapWrites(*emu_)), (std::vector<std::string>{"alice", "bob"}));
}

TEST_F(LeaderElectionIntegrationTest, LeaderThatCannotRenewStopsWritingAndExitsNonZero) {
  auto alice = Start("alice");
  ASSERT_TRUE(WaitUntil([&] { return Count(ConfigMapWrites(*emu_), "alice") >= 3; }, seconds(15))) << alice->Log();
  // Every lease write now fails: alice must stop acting within the renew deadline and exit non-zero.
  emu_->Admin("POST", "/faults", Json::parse(R"({"rules":[{"verb":"update","resource":"leases","code":500}]})"));
  auto faulted_at = std::chrono::steady_clock::now();
  auto code = alice->Wait(milliseconds(kRenewMs + kRetryMs * 4 + 5000));
  ASSERT_TRUE(code.has_value()) << alice->Log();
  EXPECT_NE(*code, 0);
  // No configmap write after the fence closed (the last successful renew + renew deadline).
  auto writes = ConfigMapWrites(*emu_);
  ASSERT_FALSE(writes.empty());
  double last_write = writes.back().time;
  double faulted = std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count() -
                   std::chrono::duration<double>(std::chrono::steady_clock::now() - faulted_at).count();
  EXPECT_LE(last_write, faulted + kRenewMs / 1000.0 + 0.5);
  emu_->Admin("DELETE", "/faults");
}

// seed-operator itself: serves health and metrics, is ready once its caches of Seed's kinds have
// synced (so the CRDs are installed first), holds and releases the lease, exits 0 on SIGTERM.
TEST_F(LeaderElectionIntegrationTest, SeedOperatorServesHealthAndMetricsAndShutsDownCleanly) {
  for (const auto& entry : std::filesystem::directory_iterator(std::string(SEED_SOURCE_DIR) + "/crds")) {
    if (entry.path().extension() != ".yaml") continue;
    std::ifstream in(entry.path());
    std::stringstream text;
    text << in.rdbuf();
    for (const auto& document : seed::api::ParseYamlDocuments(text.str())) {
      emu_->Request("POST", "/apis/apiextensions.k8s.io/v1/customresourcedefinitions", document.value);
    }
  }
  std::string kubeconfig = emu_->WriteKubeconfig(emu_->Dir() + "/kubeconfig-op", "tok-alice");
  ChildProcess op({SEED_OPERATOR_BINARY, "--kubeconfig", kubeconfig, "--leader-elect", "--leader-election-id",
                   "seed-op", "--leader-election-namespace", "default", "--health-addr", "127.0.0.1:0",
                   "--metrics-addr", "127.0.0.1:0", "--log-format", "json", "--namespace", "default"},
                  emu_->Dir() + "/op.log");
  std::map<std::string, int> ports;
  ASSERT_TRUE(WaitUntil(
      [&] {
        ports.clear();
        std::istringstream lines(op.Log());
        for (std::string line; std::getline(lines, line);) {
          auto j = Json::parse(line, nullptr, false);
          if (j.is_object() && j.value("msg", "") == "serving") ports[j["endpoints"]] = std::stoi(j["port"].get<std::string>());
        }
        return ports.size() == 2;
      },
      seconds(10)))
      << op.Log();
  auto http = MakeCurlTransport({});
  auto get = [&](int port, const std::string& path) {
    HttpRequest r;
    r.url = "http://127.0.0.1:" + std::to_string(port) + path;
    auto resp = http->Do(r, CancelToken());
    return resp.ok() ? *resp : HttpResponse{};
  };
  EXPECT_EQ(get(ports["healthz,readyz"], "/healthz").status, 200);
  ASSERT_TRUE(WaitUntil([&] { return get(ports["healthz,readyz"], "/readyz").status == 200; }, seconds(10)));
  ASSERT_TRUE(WaitUntil([&] { return Lease("seed-op").value("spec", Json::object()).value("holderIdentity", "") != ""; },
                        seconds(10)));
  ASSERT_TRUE(WaitUntil(
      [&] {
        return get(ports["metrics"], "/metrics").body.find("leader_election_master_status{name=\"seed-op\"} 1") !=
               std::string::npos;
      },
      seconds(10)));
  op.Signal(SIGTERM);
  auto code = op.Wait(seconds(15));
  ASSERT_TRUE(code.has_value());
  EXPECT_EQ(*code, 0) << op.Log();
  EXPECT_EQ(Lease("seed-op")["spec"]["holderIdentity"], "");
  EXPECT_EQ(op.Log().find("tok-alice"), std::string::npos) << "tokens are never logged";
}

}  // namespace
}  // namespace kube
