// A model upgrade under load through a real proxy, on loopback: two real `seed-job serve`
// processes stand for the pods of the old (v2.1) and the new (v2.2) version, nginx for the
// Gateway's HTTPRoute, and client threads post Open Inference Protocol requests through it without
// pause while the route's weights follow the operator's own rollout decisions (DecideRollout) step
// by step; then the old server is retired with SIGTERM, as the operator deletes the old Deployment
// after its retire delay. No request may fail.
#include <gtest/gtest.h>
#include <httplib.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/stat.h>

#include <atomic>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <functional>
#include <mutex>
#include <nlohmann/json.hpp>
#include <thread>

#include "api/inference_service.h"
#include "child_process.h"
#include "controllers/inference_service_rollout.h"
#include "nginx_process.h"
#include "pipeline_testing/seed_cluster.h"
#include "render/inference_service.h"

namespace seed::inference_testing {
namespace {

using nlohmann::json;
using stream_test::ChildProcess;
using namespace std::chrono_literals;

constexpr char kModel[] = "wind-wf01";
constexpr char kInferPath[] = "/v2/models/wind-wf01/infer";
constexpr int kClientThreads = 4;
// Answers each version must give at a step (and the new one after the switch and after the
// retirement) before the next step: enough that every step is seen under load.
constexpr int64_t kAnswersPerStep = 300;
constexpr auto kBound = 60s;  // any single wait

bool WaitFor(const std::function<bool()>& condition, std::chrono::milliseconds timeout = kBound) {
  return pipeline_testing::WaitUntil(condition, timeout, 2ms);  // fine-grained: the steps are short
}

std::string MakeTempDir() {
  std::string pattern = (std::filesystem::temp_directory_path() / "seed-upgrade-load.XXXXXX").string();
  if (!mkdtemp(pattern.data())) throw std::runtime_error("mkdtemp failed");
  chmod(pattern.c_str(), 0755);  // nginx runs as nobody under root: it must reach its directory inside
  return pattern;
}

// One version's pod: `seed-job serve` on a free port of its choosing (read from its log).
class ServeProcess {
 public:
  ServeProcess(const std::string& dir, const std::string& artifact, const std::string& version)
      : process_({SEED_JOB_BINARY, "serve", "--model", artifact, "--name", kModel, "--version", version,
                  "--host", "127.0.0.1", "--port", "0", "--threads", "2"},
                 dir + "/serve-" + version + ".log") {}

  // The port from the log's first line, then /v2/health/ready: the readiness probe behind the
  // Deployment's Available.
  bool WaitReady() {
    const bool listening = WaitFor([&] {
      const std::string log = process_.Log();
      const std::string marker = "listening on 127.0.0.1:";
      const size_t at = log.find(marker);
      if (at == std::string::npos) return false;
      port_ = std::atoi(log.c_str() + at + marker.size());
      return port_ > 0;
    });
    return listening && WaitFor([&] {
             httplib::Client client("127.0.0.1", port_);
             auto result = client.Get("/v2/health/ready");
             return result && result->status == 200;
           });
  }
  int port() const { return port_; }
  ChildProcess& process() { return process_; }

 private:
  ChildProcess process_;
  int port_ = 0;
};

// Client threads, each on its own keep-alive connection to the proxy, posting one row at a time
// and checking every answer: HTTP 200, an output with a finite number, and the model version that
// answered.
class LoadClient {
 public:
  LoadClient(int port, std::string body) : port_(port), body_(std::move(body)) {
    for (int i = 0; i < kClientThreads; ++i) threads_.emplace_back([this] { Run(); });
  }
  ~LoadClient() { Stop(); }
  void Stop() {
    stop_ = true;
    for (auto& thread : threads_) {
      if (thread.joinable()) thread.join();
    }
  }

  int64_t sent() const { return sent_.load(); }
  int64_t failed() const { return failed_.load(); }
  int64_t answered(int version) const { return answered_[version].load(); }  // 0: v2.1, 1: v2.2
  std::vector<std::string> failures() const {
    std::lock_guard lock(mutex_);
    return failures_;
  }

 private:
  void Fail(const std::string& what) {
    ++failed_;
    std::lock_guard lock(mutex_);
    if (failures_.size() < 20) failures_.push_back(what);
  }

  void Check(const httplib::Result& result) {
    if (!result) return Fail("no answer: " + httplib::to_string(result.error()));
    if (result->status != 200)
      return Fail("HTTP " + std::to_string(result->status) + ": " + result->body.substr(0, 200));
    const json answer = json::parse(result->body, nullptr, false);
    if (answer.is_discarded() || !answer.contains("outputs") || answer["outputs"].empty() ||
        !answer["outputs"][0]["data"][0].is_number() ||
        !std::isfinite(answer["outputs"][0]["data"][0].get<double>())) {
      return Fail("no prediction in: " + result->body.substr(0, 200));
    }
    const std::string version = answer.value("model_version", "");
    if (version == "v2.1") {
      ++answered_[0];
    } else if (version == "v2.2") {
      ++answered_[1];
    } else {
      Fail("answered by version \"" + version + "\"");
    }
  }

  void Run() {
    httplib::Client client("127.0.0.1", port_);
    client.set_keep_alive(true);
    client.set_tcp_nodelay(true);  // headers and body are two writes: no 40 ms wait for a delayed ACK
    client.set_connection_timeout(5s);
    client.set_read_timeout(10s);
    while (!stop_) {
      ++sent_;
      Check(client.Post(kInferPath, body_, "application/json"));
    }
  }

  int port_;
  std::string body_;
  std::atomic<bool> stop_{false};
  std::atomic<int64_t> sent_{0}, failed_{0};
  std::atomic<int64_t> answered_[2]{};
  mutable std::mutex mutex_;
  std::vector<std::string> failures_;
  std::vector<std::thread> threads_;
};

// The InferenceService the operator would hold after `model.version` was patched to `version`:
// the canary of the example.
api::InferenceService Isvc(const std::string& version, int64_t generation) {
  const json object = {
      {"apiVersion", "seed.dev/v1alpha1"},
      {"kind", "InferenceService"},
      {"metadata", {{"name", kModel}, {"namespace", "default"}, {"generation", generation}}},
      {"spec",
       {{"model", {{"name", kModel}, {"version", version}, {"uri", "pvc://models/wind-wf01"}}},
        {"resources", {{"requests", {{"cpu", "500m"}}}}},
        {"host", "wf01.example.com"},
        {"rollout", {{"canaryPercent", 10}, {"steps", {10, 50, 100}}, {"intervalSeconds", 300}}}}}};
  api::ValidationErrors errors;
  api::InferenceService isvc = api::ParseInferenceService(object, &errors);
  for (const auto& error : errors) ADD_FAILURE() << api::FormatError(error);
  return isvc;
}

// A version's Deployment as the deployment controller reports it (one replica, Available when the
// server's readiness probe passes).
json Deployment(const std::string& name, const std::string& version, bool available) {
  const int ready = available ? 1 : 0;
  return {
      {"metadata",
       {{"name", name}, {"generation", 1}, {"annotations", {{render::kModelVersionAnnotation, version}}}}},
      {"spec", {{"replicas", 1}}},
      {"status",
       {{"observedGeneration", 1},
        {"replicas", 1},
        {"updatedReplicas", 1},
        {"readyReplicas", ready},
        {"availableReplicas", ready},
        {"conditions", {{{"type", "Available"}, {"status", available ? "True" : "False"}}}}}}};
}

json StableService(const std::string& selected) {
  return {{"spec", {{"selector", {{"app.kubernetes.io/instance", selected}}}}}};
}

// Trains the two versions' artifacts on one synthetic plant: a ridge model (v2.1), then
// gradient-boosted trees (v2.2), with the same inputs and different predictions.
void TrainArtifacts(const std::string& dir) {
  const std::string log = dir + "/train.log";
  ASSERT_TRUE(stream_test::RunCommand(
      {SEED_JOB_BINARY, "synth", "--days", "60", "--nwp-sources", "ec", "--out-dir", dir + "/plant"}, log))
      << log;
  for (const auto& [model, out] : {std::pair{"linear", "/v2.1.json"}, std::pair{"gbdt", "/v2.2.json"}}) {
    ASSERT_TRUE(stream_test::RunCommand(
        {SEED_JOB_BINARY, "train", "--model", model, "--nwp", dir + "/plant/nwp.csv", "--measurements",
         dir + "/plant/measurements.csv", "--capacity", "100", "--speed-column", "ec_ws",
         "--direction-column", "ec_wd", "--out", dir + out},
        log))
        << log;
  }
}

// One row of the model's inputs (every finite row does), from its metadata.
std::string RequestBody(int port) {
  httplib::Client client("127.0.0.1", port);
  auto metadata = client.Get("/v2/models/wind-wf01");
  if (!metadata || metadata->status != 200) return "";
  const size_t features = json::parse(metadata->body)["inputs"].size();
  return json{{"inputs",
               {{{"name", "features"},
                 {"shape", {1, features}},
                 {"datatype", "FP64"},
                 {"data", std::vector<double>(features, 5.0)}}}}}
      .dump();
}

TEST(UpgradeUnderLoadTest, TheRouteFollowsTheCanaryThroughNginxAndNoRequestFails) {
  const std::string dir = MakeTempDir();
  TrainArtifacts(dir);
  if (HasFatalFailure()) return;

  ServeProcess old_server(dir, dir + "/v2.1.json", "v2.1");
  ASSERT_TRUE(old_server.WaitReady()) << old_server.process().Log();
  const std::string body = RequestBody(old_server.port());
  ASSERT_FALSE(body.empty());

  const api::InferenceService v21 = Isvc("v2.1", 1);
  const api::InferenceService v22 = Isvc("v2.2", 2);
  const std::string old_name = render::InferenceServiceChildName(v21.spec);
  const std::string new_name = render::InferenceServiceChildName(v22.spec);
  int new_port = 0;
  auto site = [&](int old_weight, int new_weight) {
    return WeightedProxySite("model", {{old_server.port(), old_weight}, {new_port, new_weight}});
  };

  std::filesystem::create_directories(dir + "/nginx");
  NginxProcess nginx(dir + "/nginx");
  nginx.Start(site(100, 0));
  LoadClient load(nginx.port(), body);
  ASSERT_TRUE(WaitFor([&] { return load.answered(0) >= kAnswersPerStep; })) << load.failures().size();

  // model.version is patched: the new version's pod starts while the old one serves everything.
  controllers::RolloutInput input;
  input.isvc = &v22;
  input.canary = true;
  input.stable_service = StableService(old_name);
  input.deployments = {Deployment(old_name, "v2.1", true), Deployment(new_name, "v2.2", false)};
  input.now = std::chrono::sys_seconds(std::chrono::seconds(1'800'000'000));
  ServeProcess new_server(dir, dir + "/v2.2.json", "v2.2");
  std::vector<std::pair<int64_t, int64_t>> applied = {{100, 0}};  // (old, new) weights, as the route had them
  std::vector<std::string> shares;
  bool new_available = false;
  bool retired = false;
  for (int round = 0; round < 20 && !retired && !HasFatalFailure(); ++round) {
    const controllers::RolloutDecision decision = controllers::DecideRollout(input);
    int64_t old_weight = 0, new_weight = 0;
    for (const auto& traffic : decision.traffic) {
      if (traffic.deployment == old_name) old_weight = traffic.percent;
      if (traffic.deployment == new_name) new_weight = traffic.percent;
    }
    for (const auto& event : decision.events) retired = retired || event.reason == "VersionRetired";
    if (retired) break;
    if (std::pair{old_weight, new_weight} != applied.back()) {
      nginx.Reload(site(static_cast<int>(old_weight), static_cast<int>(new_weight)));
      applied.push_back({old_weight, new_weight});
      // Counted from the moment only the new config's workers are left.
      ASSERT_TRUE(nginx.WaitPreviousWorkersGone(kBound));
      const int64_t before_old = load.answered(0), before_new = load.answered(1);
      if (old_weight > 0) {
        // A split: both versions answer, in about the route's proportion.
        ASSERT_TRUE(WaitFor([&] {
          return load.answered(0) - before_old >= kAnswersPerStep &&
                 load.answered(1) - before_new >= kAnswersPerStep;
        })) << "at "
            << old_weight << "/" << new_weight << ": " << load.answered(0) - before_old << " and "
            << load.answered(1) - before_new << " answers";
        const double old_count = load.answered(0) - before_old, new_count = load.answered(1) - before_new;
        const double share = 100 * new_count / (old_count + new_count);
        shares.push_back(std::to_string(old_weight) + "/" + std::to_string(new_weight) + ": " +
                         std::to_string(static_cast<int64_t>(old_count)) + " v2.1, " +
                         std::to_string(static_cast<int64_t>(new_count)) + " v2.2");
        EXPECT_NEAR(share, static_cast<double>(new_weight), 5.0) << shares.back();
      } else {
        // All to the new version: v2.1 answers no more.
        ASSERT_TRUE(WaitFor([&] { return load.answered(1) - before_new >= kAnswersPerStep; }));
        EXPECT_EQ(load.answered(0), before_old) << "v2.1 answered after the route sent everything to v2.2";
      }
    }
    if (!new_available) {
      // The kubelet's readiness probe: the Deployment turns Available once the server is ready.
      ASSERT_TRUE(new_server.WaitReady()) << new_server.process().Log();
      new_port = new_server.port();
      input.deployments[1] = Deployment(new_name, "v2.2", true);
      new_available = true;
    }
    // The plan applies the decision: the stable Service follows the version that owns traffic.
    input.stable_service = StableService(decision.view.serving);
    input.previous = decision.status;
    input.now += decision.requeue_after.value_or(1s);
  }
  ASSERT_TRUE(retired) << "the rollout never retired " << old_name;
  const std::vector<std::pair<int64_t, int64_t>> canary = {{100, 0}, {90, 10}, {50, 50}, {0, 100}};
  EXPECT_EQ(applied, canary);

  // The old Deployment is deleted: its pod gets SIGTERM and drains.
  const int64_t new_before = load.answered(1), old_before = load.answered(0);
  old_server.process().Signal(SIGTERM);
  const std::optional<int> status = old_server.process().Wait(30s);
  ASSERT_TRUE(status.has_value()) << "v2.1 did not stop within 30 s:\n" << old_server.process().Log();
  EXPECT_EQ(*status, 0) << old_server.process().Log();
  EXPECT_NE(old_server.process().Log().find("seed-job serve: stopped"), std::string::npos);
  ASSERT_TRUE(WaitFor([&] { return load.answered(1) - new_before >= kAnswersPerStep; }));
  load.Stop();
  EXPECT_EQ(load.answered(0), old_before);

  std::string failures;
  for (const auto& failure : load.failures()) failures += "\n  " + failure;
  EXPECT_EQ(load.failed(), 0) << failures;
  EXPECT_EQ(load.sent(), load.answered(0) + load.answered(1) + load.failed());
  std::printf("upgrade under load: %lld requests sent, %lld failed; v2.1 answered %lld, v2.2 answered %lld\n",
              static_cast<long long>(load.sent()), static_cast<long long>(load.failed()),
              static_cast<long long>(load.answered(0)), static_cast<long long>(load.answered(1)));
  for (const auto& share : shares) std::printf("  split %s\n", share.c_str());
  EXPECT_EQ(nginx.Stop(), 0) << nginx.ErrorLog();
  if (!HasFailure()) std::filesystem::remove_all(dir);
}

// Kubernetes sends a pod SIGTERM while proxies may still route to it (endpoint removal is
// asynchronous): the server's drain must not lose the requests they send meanwhile, including
// those on the proxy's idle keep-alive connections to it.
TEST(UpgradeUnderLoadTest, AServerStoppedWhileTheProxyStillRoutesToItFailsNoRequest) {
  const std::string dir = MakeTempDir();
  TrainArtifacts(dir);
  if (HasFatalFailure()) return;
  ServeProcess stopping(dir, dir + "/v2.1.json", "v2.1");
  ServeProcess staying(dir, dir + "/v2.2.json", "v2.2");
  ASSERT_TRUE(stopping.WaitReady()) << stopping.process().Log();
  ASSERT_TRUE(staying.WaitReady()) << staying.process().Log();
  const std::string body = RequestBody(stopping.port());
  std::filesystem::create_directories(dir + "/nginx");
  NginxProcess nginx(dir + "/nginx");
  nginx.Start(WeightedProxySite("model", {{stopping.port(), 50}, {staying.port(), 50}}));
  LoadClient load(nginx.port(), body);
  ASSERT_TRUE(
      WaitFor([&] { return load.answered(0) >= kAnswersPerStep && load.answered(1) >= kAnswersPerStep; }));

  stopping.process().Signal(SIGTERM);
  const std::optional<int> status = stopping.process().Wait(30s);
  ASSERT_TRUE(status.has_value()) << "the server did not stop within 30 s:\n" << stopping.process().Log();
  EXPECT_EQ(*status, 0) << stopping.process().Log();
  const int64_t after = load.answered(1);
  ASSERT_TRUE(WaitFor([&] { return load.answered(1) - after >= kAnswersPerStep; }));
  load.Stop();

  std::string failures;
  for (const auto& failure : load.failures()) failures += "\n  " + failure;
  EXPECT_EQ(load.failed(), 0) << failures << "\nnginx:\n" << nginx.ErrorLog();
  std::printf("stopped under load: %lld requests sent, %lld failed; the stopped server answered %lld\n",
              static_cast<long long>(load.sent()), static_cast<long long>(load.failed()),
              static_cast<long long>(load.answered(0)));
  EXPECT_EQ(nginx.Stop(), 0) << nginx.ErrorLog();
  if (!HasFailure()) std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace seed::inference_testing
