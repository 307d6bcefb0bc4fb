#include <gtest/gtest.h>

#include <atomic>
#include <filesystem>
#include <map>
#include <mutex>
#include <thread>

#include "kube-emulator/emulator_process.h"
#include "kube/client.h"
#include "kube/config.h"
#include "kube/curl_transport.h"
#include "kube/informer.h"
#include "kube/retry.h"
#include "process.h"

namespace kube {
namespace {

using kubeemu::EmulatorOptions;
using kubeemu::EmulatorProcess;
using std::chrono::milliseconds;
using std::chrono::seconds;
using testing::WaitUntil;

const GroupVersionResource kConfigMaps = ConfigMapsResource();

EmulatorOptions TokenOptions(int history = 1000) {
  EmulatorOptions o;
  o.tokens = {{"tok-admin", "admin"}, {"tok-alice", "alice"}, {"tok-bob", "bob"}};
  o.history = history;
  return o;
}

std::shared_ptr<Client> TokenClient(const EmulatorProcess& emu, const std::string& token) {
  auto path = emu.WriteKubeconfig(emu.Dir() + "/kubeconfig-" + token, token);
  auto config = LoadKubeconfig({path});
  EXPECT_TRUE(config.ok()) << config.error().ToString();
  config->qps = 0;
  return Client::FromConfig(*config);
}

Json ConfigMap(const std::string& name, const std::string& n) {
  return {{"apiVersion", "v1"},
          {"kind", "ConfigMap"},
          {"metadata", {{"name", name}, {"namespace", "default"}}},
          {"data", {{"n", n}}}};
}

TEST(KubeIntegrationTest, TokenAuthOverVerifiedTls) {
  EmulatorProcess emu(TokenOptions());
  auto client = TokenClient(emu, "tok-alice");
  ASSERT_TRUE(client->Create(kConfigMaps, "default", ConfigMap("a", "1")).ok());
  auto got = client->Get(kConfigMaps, "default", "a");
  ASSERT_TRUE(got.ok()) << got.error().ToString();
  EXPECT_EQ((*got)["data"]["n"], "1");

  auto writes = emu.Admin("GET", "/writes");
  ASSERT_FALSE(writes.empty());
  EXPECT_EQ(writes.back()["user"], "alice");

  // A wrong token is a typed 401; a client that does not trust the test CA fails TLS verification.
  EXPECT_TRUE(IsUnauthorized(TokenClient(emu, "wrong")->Get(kConfigMaps, "default", "a").error()));
  RestConfig untrusted = client->config();
  untrusted.tls.ca_file.clear();
  untrusted.tls.ca_pem.clear();
  auto r = Client::FromConfig(untrusted)->Get(kConfigMaps, "default", "a");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::kTransport) << r.error().ToString();

  // Nor does one that trusts another CA (a second emulator's): verification fails closed, and
  // nothing in a default configuration turns it off.
  EXPECT_FALSE(RestConfig{}.tls.insecure_skip_verify);
  EXPECT_FALSE(client->config().tls.insecure_skip_verify);
  EmulatorProcess other(TokenOptions());
  RestConfig wrong_ca = client->config();
  wrong_ca.tls.ca_pem.clear();
  wrong_ca.tls.ca_file = other.CaFile();
  auto w = Client::FromConfig(wrong_ca)->Get(kConfigMaps, "default", "a");
  ASSERT_FALSE(w.ok());
  EXPECT_EQ(w.error().code, ErrorCode::kTransport) << w.error().ToString();
  EXPECT_NE(w.error().ToString().find("certificate"), std::string::npos) << w.error().ToString();
}

TEST(KubeIntegrationTest, ClientCertificateAuth) {
  EmulatorOptions options;
  options.client_ca = true;
  options.tokens = {{"tok-admin", "admin"}};
  EmulatorProcess emu(options);
  auto [cert, key] = emu.IssueClientCert("carol");
  std::string kubeconfig = emu.Dir() + "/kubeconfig-cert";
  {
    std::ofstream out(kubeconfig);
    out << "apiVersion: v1\nkind: Config\ncurrent-context: it\n"
        << "clusters:\n- name: emu\n  cluster:\n    server: " << emu.Url() << "\n    certificate-authority: "
        << emu.CaFile() << "\n"
        << "users:\n- name: carol\n  user:\n    client-certificate: " << cert << "\n    client-key: " << key << "\n"
        << "contexts:\n- name: it\n  context: {cluster: emu, user: carol, namespace: default}\n";
  }
  auto config = LoadKubeconfig({kubeconfig});
  ASSERT_TRUE(config.ok()) << config.error().ToString();
  auto client = Client::FromConfig(*config);
  auto created = client->Create(kConfigMaps, "default", ConfigMap("cert", "1"));
  ASSERT_TRUE(created.ok()) << created.error().ToString();
  auto writes = emu.Admin("GET", "/writes");
  EXPECT_EQ(writes.back()["user"], "carol");

  // The same certificate and key given inline as *-data work too.
  auto read = [](const std::string& p) {
    std::ifstream in(p);
    return std::string((std::istreambuf_iterator<char>(in)), {});
  };
  RestConfig inline_config = *config;
  inline_config.tls.client_cert_file.clear();
  inline_config.tls.client_key_file.clear();
  inline_config.tls.client_cert_pem = read(cert);
  inline_config.tls.client_key_pem = read(key);
  inline_config.tls.ca_file.clear();
  inline_config.tls.ca_pem = read(emu.CaFile());
  EXPECT_TRUE(Client::FromConfig(inline_config)->Get(kConfigMaps, "default", "cert").ok());
}

TEST(KubeIntegrationTest, ConflictsAreRetriedOnFreshState) {
  EmulatorProcess emu(TokenOptions());
  auto client = TokenClient(emu, "tok-alice");
  ASSERT_TRUE(client->Create(kConfigMaps, "default", ConfigMap("counter", "0")).ok());
  constexpr int kThreads = 4, kEach = 25;
  std::vector<std::thread> threads;
  std::atomic<int> failures{0};
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < kEach; ++i) {
        auto s = RetryOnConflict(
            [&]() -> Status {
              auto cm = client->Get(kConfigMaps, "default", "counter");
              if (!cm.ok()) return cm.error();
              Json updated = *cm;
              updated["data"]["n"] = std::to_string(std::stoi((*cm)["data"]["n"].get<std::string>()) + 1);
              auto r = client->Replace(kConfigMaps, "default", updated);
              if (!r.ok()) return r.error();
              return {};
            },
            RealClock::Instance(), 200, milliseconds(1));
        if (!s.ok()) ++failures;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_EQ((*client->Get(kConfigMaps, "default", "counter"))["data"]["n"], std::to_string(kThreads * kEach));
  int conflicts = 0;
  for (const auto& w : emu.Admin("GET", "/writes")) conflicts += w["code"] == 409;
  EXPECT_GT(conflicts, 0) << "the race must actually have produced 409s";
}

class InformerIntegrationTest : public ::testing::Test {
 protected:
  static InformerOptions Options() {
    InformerOptions o;
    o.gvr = kConfigMaps;
    o.namespaces = {"default"};
    o.backoff.initial = milliseconds(50);
    o.backoff.max = milliseconds(500);
    return o;
  }
};

TEST_F(InformerIntegrationTest, SurvivesDropsRestartsAndRelistsOnGone) {
  EmulatorProcess emu(TokenOptions());
  auto client = TokenClient(emu, "tok-alice");
  ASSERT_TRUE(client->Create(kConfigMaps, "default", ConfigMap("a", "0")).ok());
  Informer informer(client, Options());
  informer.Start();
  ASSERT_TRUE(informer.WaitForSync(seconds(10)));
  auto has = [&](const std::string& name) { return informer.store().Get("default/" + name) != nullptr; };
  ASSERT_TRUE(has("a"));

  // 410 as the HTTP status of the next watch.
  emu.Admin("POST", "/expire-next-watch?mode=status");
  emu.Admin("POST", "/drop-watches");
  ASSERT_TRUE(WaitUntil([&] { return informer.stats().relists_after_gone >= 1; }, seconds(10)));
  ASSERT_TRUE(client->Create(kConfigMaps, "default", ConfigMap("b", "0")).ok());
  ASSERT_TRUE(WaitUntil([&] { return has("b"); }, seconds(10)));

  // 410 as an in-stream ERROR event.
  emu.Admin("POST", "/expire-next-watch?mode=stream");
  emu.Admin("POST", "/drop-watches");
  ASSERT_TRUE(WaitUntil([&] { return informer.stats().relists_after_gone >= 2; }, seconds(10)));
  ASSERT_TRUE(client->Create(kConfigMaps, "default", ConfigMap("c", "0")).ok());
  ASSERT_TRUE(WaitUntil([&] { return has("c"); }, seconds(10)));

  // A server restart drops every connection; the watch resumes from its version.
  auto lists_before = informer.stats().lists;
  emu.Admin("POST", "/restart");
  ASSERT_TRUE(client->Create(kConfigMaps, "default", ConfigMap("d", "0")).ok());
  ASSERT_TRUE(WaitUntil([&] { return has("d"); }, seconds(15)));
  EXPECT_EQ(informer.stats().lists, lists_before) << "a restart alone needs no relist";

  // Compaction while disconnected: watches fail (injected 500s) while "a" is deleted and the history
  // is compacted, so the re-watch gets 410 and only the relist (an atomic swap) reveals the delete.
  emu.Admin("POST", "/faults", Json::parse(R"({"rules":[{"verb":"watch","resource":"configmaps","code":500}]})"));
  emu.Admin("POST", "/drop-watches");
  auto errors_before = informer.stats().watch_errors;
  ASSERT_TRUE(WaitUntil([&] { return informer.stats().watch_errors > errors_before; }, seconds(10)));
  ASSERT_TRUE(client->Delete(kConfigMaps, "default", "a").ok());
  emu.Admin("POST", "/compact");
  emu.Admin("DELETE", "/faults");
  ASSERT_TRUE(WaitUntil([&] { return !has("a"); }, seconds(10)));
  EXPECT_GE(informer.stats().relists_after_gone, 3u);
  informer.Stop();
  EXPECT_EQ(informer.store().Size(), 3u);
}

TEST_F(InformerIntegrationTest, NoEventLostOrReorderedWithWatchesDroppedEvery100ms) {
  EmulatorProcess emu(TokenOptions(/*history=*/5000));
  auto client = TokenClient(emu, "tok-alice");
  constexpr int kObjects = 10, kUpdates = 100;  // 1000 writes
  for (int i = 0; i < kObjects; ++i) {
    ASSERT_TRUE(client->Create(kConfigMaps, "default", ConfigMap("obj-" + std::to_string(i), "0")).ok());
  }
  std::mutex mu;
  std::map<std::string, std::vector<int>> seen;
  auto record = [&](const ObjectPtr& o) {
    std::lock_guard lock(mu);
    seen[(*o)["metadata"]["name"]].push_back(std::stoi((*o)["data"]["n"].get<std::string>()));
  };
  Informer informer(client, Options());
  informer.AddEventHandler({record, [&](const ObjectPtr&, const ObjectPtr& n) { record(n); }, nullptr});
  informer.Start();
  ASSERT_TRUE(informer.WaitForSync(seconds(10)));

  StopSignal stop_dropping;
  std::atomic<int> drops{0};
  std::thread dropper([&] {
    while (!stop_dropping.WaitFor(milliseconds(100))) {
      emu.Admin("POST", "/drop-watches");
      ++drops;
    }
  });
  // At least kUpdates rounds, and more until the watch was dropped 3 times while writing (a fast
  // API server finishes 1000 writes before the third drop).
  int updates = 0;
  while ((updates < kUpdates || drops.load() < 3) && updates < 100 * kUpdates) {
    ++updates;
    for (int i = 0; i < kObjects; ++i) {
      auto r = client->Patch(kConfigMaps, "default", "obj-" + std::to_string(i), PatchType::kMerge,
                             {{"data", {{"n", std::to_string(updates)}}}});
      ASSERT_TRUE(r.ok()) << r.error().ToString();
    }
  }
  bool converged = WaitUntil(
      [&] {
        std::lock_guard lock(mu);
        for (int i = 0; i < kObjects; ++i) {
          auto& v = seen["obj-" + std::to_string(i)];
          if (v.empty() || v.back() != updates) return false;
        }
        return true;
      },
      seconds(30));
  stop_dropping.Stop();
  dropper.join();
  informer.Stop();
  ASSERT_TRUE(converged);
  EXPECT_GE(drops.load(), 3) << "the watch must really have been dropped during the writes";
  EXPECT_GE(informer.stats().watches, 3u);
  EXPECT_EQ(informer.stats().relists_after_gone, 0u);
  std::vector<int> expected;
  for (int n = 0; n <= updates; ++n) expected.push_back(n);
  std::lock_guard lock(mu);
  for (int i = 0; i < kObjects; ++i) {
    EXPECT_EQ(seen["obj-" + std::to_string(i)], expected) << "obj-" << i << ": every update once, in order";
  }
  RecordProperty("watch_drops", drops.load());
  RecordProperty("watches", static_cast<int>(informer.stats().watches));
}

}  // namespace
}  // namespace kube
