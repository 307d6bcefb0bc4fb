// seed-operator as a process against the test API emulator. A separate executable because it needs
// the seed-operator binary (and so all of Seed's controllers), which the kube runtime's own tests do not.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include "api/yaml_json.h"
#include "kube-emulator/emulator_process.h"
#include "kube/curl_transport.h"
#include "kube/resource.h"
#include "process.h"

namespace kube {
namespace {

using std::chrono::seconds;
using testing::ChildProcess;
using testing::WaitUntil;

class SeedOperatorIntegrationTest : public ::testing::Test {
 protected:
  SeedOperatorIntegrationTest() {
    kubeemu::EmulatorOptions o;
    o.tokens = {{"tok-admin", "admin"}, {"tok-alice", "alice"}};
    emu_ = std::make_unique<kubeemu::EmulatorProcess>(o);
  }
  Json Lease(const std::string& name) {
    return emu_->Request("GET", "/apis/coordination.k8s.io/v1/namespaces/default/leases/" + name);
  }

  std::unique_ptr<kubeemu::EmulatorProcess> emu_;
};

// seed-operator itself: serves health and metrics, is ready once its caches of Seed's kinds have
// synced (so the CRDs are installed first), holds and releases the lease, exits 0 on SIGTERM.
TEST_F(SeedOperatorIntegrationTest, ServesHealthAndMetricsHoldsAndReleasesTheLease) {
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
          if (j.is_object() && j.value("msg", "") == "serving")
            ports[j["endpoints"]] = std::stoi(j["port"].get<std::string>());
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
  ASSERT_TRUE(WaitUntil(
      [&] { return Lease("seed-op").value("spec", Json::object()).value("holderIdentity", "") != ""; },
      seconds(10)));
  ASSERT_TRUE(WaitUntil(
      [&] {
        return get(ports["metrics"], "/metrics")
                   .body.find("leader_election_master_status{name=\"seed-op\"} 1") != std::string::npos;
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
