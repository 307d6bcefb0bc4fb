// Hot reload under load: the artifact is replaced (by rename) while clients hammer /infer; every
// request succeeds, every reload shows in /metrics, readiness never drops, and a corrupt artifact
// is refused while the old model keeps serving.
#include "serve/model_watcher.h"

#include <gtest/gtest.h>
#include <httplib.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <thread>

#include "io/json_file.h"
#include "kernels/model.h"
#include "kernels/residual_quantiles.h"
#include "kernels/ridge.h"
#include "serve/artifact_model.h"

namespace seed::serve {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

constexpr auto kTimeout = std::chrono::seconds(20);
constexpr char kOneRow[] =
    R"({"inputs": [{"name": "x", "shape": [1, 2], "datatype": "FP64", "data": [7.5, 10]}]})";

// p50 = slope * ws + 0.5 wd: for the row above, 7.5 slope + 5 (clamped to the 100 MW capacity).
kernels::ModelArtifact Linear(double slope) {
  kernels::ModelArtifact model;
  model.kind = "linear";
  model.features = {"ws", "wd"};
  model.quantiles = {0.1, 0.5, 0.9};
  model.capacity_mw = 100;
  model.train_rows = 10;
  kernels::RidgeModel ridge;
  ridge.mean = {0, 0};
  ridge.scale = {1, 1};
  ridge.coef = {slope, 0.5};
  kernels::ResidualQuantiles residuals;
  residuals.capacity = 100;
  residuals.taus = model.quantiles;
  residuals.offsets = {{-1, 0, 1}};
  model.parameters = {{"ridge", ridge.ToJson()}, {"residuals", residuals.ToJson()}};
  return model;
}

// The value of a sample line `name` in Prometheus text, or -1.
double Sample(const std::string& text, const std::string& name) {
  const size_t at = text.find("\n" + name + " ");
  if (at == std::string::npos) return -1;
  return std::stod(text.substr(at + name.size() + 2));
}

class ModelWatcherTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("seed-serve-watch-" + std::to_string(::getpid()));
    fs::create_directories(dir_);
    Publish(Linear(2));
    server_ = std::make_unique<ModelServer>(
        ServerOptions{.host = "127.0.0.1", .port = 0, .threads = 2, .model_name = "m"},
        [this] { return LoadArtifactModel(dir_.string(), ""); });
    server_->Start();
    ASSERT_TRUE(server_->WaitUntilSettled(kTimeout));
    ASSERT_EQ(server_->state(), ModelState::kReady);
    watcher_ = std::make_unique<ModelWatcher>(*server_, dir_.string(), ReadArtifact(dir_.string()).sha256,
                                              std::chrono::milliseconds(5), [this](const std::string& line) {
                                                std::lock_guard lock(log_mutex_);
                                                log_.push_back(line);
                                              });
    watcher_->Start();
  }
  void TearDown() override {
    watcher_.reset();
    server_.reset();
    fs::remove_all(dir_);
  }

  // Writes the artifact beside the served one and renames it over model.json (atomic).
  void Publish(const kernels::ModelArtifact& model) {
    kernels::SaveModel((dir_ / "next.json").string(), model);
    fs::rename(dir_ / "next.json", dir_ / "model.json");
  }
  void PublishBytes(const std::string& bytes) {
    std::ofstream(dir_ / "next.json", std::ios::binary) << bytes;
    fs::rename(dir_ / "next.json", dir_ / "model.json");
  }
  std::string Metrics() {
    httplib::Client client("127.0.0.1", server_->port());
    auto response = client.Get("/metrics");
    return response && response->status == 200 ? response->body : "";
  }
  // Polls /metrics until the sample reaches `value` (bounded).
  bool WaitSample(const std::string& name, double value) {
    const auto deadline = std::chrono::steady_clock::now() + kTimeout;
    while (std::chrono::steady_clock::now() < deadline) {
      if (Sample(Metrics(), name) >= value) return true;
      std::this_thread::yield();
    }
    return false;
  }

  fs::path dir_;
  std::unique_ptr<ModelServer> server_;
  std::unique_ptr<ModelWatcher> watcher_;
  std::mutex log_mutex_;
  std::vector<std::string> log_;
};

TEST_F(ModelWatcherTest, TwentyReloadsUnderLoadDropNoRequestAndACorruptArtifactIsRefused) {
  std::atomic<bool> stop{false};
  std::atomic<int> ok{0}, failed{0}, not_ready{0};
  std::mutex seen_mutex;
  std::set<double> seen;  // the p50s answered: only the published models' values
  std::vector<std::thread> clients;
  for (int c = 0; c < 3; ++c) {
    clients.emplace_back([&] {
      httplib::Client client("127.0.0.1", server_->port());
      client.set_keep_alive(true);
      while (!stop) {
        auto response = client.Post("/v2/models/m/infer", kOneRow, "application/json");
        if (!response || response->status != 200) {
          ++failed;
          continue;
        }
        ++ok;
        const double p50 = json::parse(response->body)["outputs"][1]["data"][0].get<double>();
        std::lock_guard lock(seen_mutex);
        seen.insert(p50);
      }
    });
  }
  clients.emplace_back([&] {
    httplib::Client client("127.0.0.1", server_->port());
    while (!stop) {
      auto response = client.Get("/v2/models/m/ready");
      if (!response || response->status != 200) ++not_ready;
    }
  });

  std::set<double> published = {7.5 * 2 + 5};
  for (int i = 1; i <= 20; ++i) {
    const double slope = 2 + i / 4.0;  // exact in binary, and below the 100 MW capacity clamp
    Publish(Linear(slope));
    published.insert(7.5 * slope + 5);
    ASSERT_TRUE(WaitSample("seed_serve_model_reloads_total{result=\"reloaded\"}", i)) << "reload " << i;
    // Let the clients see this version before the next replaces it.
    const int before = ok.load();
    while (ok.load() < before + 20) std::this_thread::yield();
  }
  const std::string sha_before = ReadArtifact(dir_.string()).sha256;
  PublishBytes("{\"kind\": \"linear\", \"features\": [\"ws\"");  // cut short: not JSON
  ASSERT_TRUE(WaitSample("seed_serve_model_reloads_total{result=\"refused\"}", 1));
  const int before = ok.load();
  while (ok.load() < before + 50) std::this_thread::yield();
  stop = true;
  for (auto& client : clients) client.join();

  EXPECT_EQ(failed.load(), 0);
  EXPECT_EQ(not_ready.load(), 0);
  EXPECT_GT(ok.load(), 400);
  for (double p50 : seen) EXPECT_TRUE(published.count(p50)) << p50;
  EXPECT_GE(seen.size(), 15u);  // the clients saw the versions change under them
  const std::string metrics = Metrics();
  EXPECT_EQ(Sample(metrics, "seed_serve_model_reloads_total{result=\"reloaded\"}"), 20);
  EXPECT_EQ(Sample(metrics, "seed_serve_model_reloads_total{result=\"refused\"}"), 1);
  // The last good artifact is still the one served.
  EXPECT_NE(metrics.find("seed_serve_model_info{sha256=\"" + sha_before + "\"} 1"), std::string::npos)
      << metrics;
  httplib::Client client("127.0.0.1", server_->port());
  auto answer = client.Post("/v2/models/m/infer", kOneRow, "application/json");
  ASSERT_TRUE(answer);
  EXPECT_EQ(answer->status, 200);
  EXPECT_EQ(json::parse(answer->body)["outputs"][1]["data"][0], 7.5 * 7 + 5);
  std::lock_guard lock(log_mutex_);
  ASSERT_EQ(log_.size(), 21u);
  EXPECT_NE(log_.back().find("refused the new model artifact"), std::string::npos) << log_.back();
  EXPECT_NE(log_.back().find("still serving sha256 " + sha_before), std::string::npos) << log_.back();
}

TEST_F(ModelWatcherTest, ARefusedArtifactIsNotRetriedUntilTheFileChanges) {
  PublishBytes("not a model");
  ASSERT_TRUE(WaitSample("seed_serve_model_reloads_total{result=\"refused\"}", 1));
  watcher_->Stop();  // from here the test looks itself
  EXPECT_EQ(watcher_->CheckOnce(), ModelWatcher::Outcome::kUnchanged);
  // The same bad bytes again (a new inode): still not retried, not counted twice.
  PublishBytes("not a model");
  EXPECT_EQ(watcher_->CheckOnce(), ModelWatcher::Outcome::kUnchanged);
  Publish(Linear(4));
  EXPECT_EQ(watcher_->CheckOnce(), ModelWatcher::Outcome::kReloaded);
  EXPECT_EQ(Sample(Metrics(), "seed_serve_model_reloads_total{result=\"refused\"}"), 1);
}

}  // namespace
}  // namespace seed::serve
