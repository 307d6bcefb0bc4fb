// The emulator's latency model: which verbs are delayed, the log-normal's median and tail, the cap,
// determinism for a seed, and clear errors for bad settings.
#include "kube-emulator/server/latency_model.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <vector>

#include "kube-emulator/server/api_error.h"

namespace kubeemu {
namespace {

using std::chrono::microseconds;

std::vector<double> SampleMs(LatencyModel& model, const std::string& verb, int n) {
  std::vector<double> out;
  for (int i = 0; i < n; ++i) out.push_back(static_cast<double>(model.Sample(verb).count()) / 1000.0);
  std::sort(out.begin(), out.end());
  return out;
}

double Quantile(const std::vector<double>& sorted, double p) {
  return sorted[static_cast<size_t>(p * static_cast<double>(sorted.size() - 1))];
}

TEST(LatencyModelTest, OffByDefault) {
  LatencyModel model;
  for (const char* verb : {"create", "get", "list", "watch", "patch"})
    EXPECT_EQ(model.Sample(verb), microseconds(0));
}

TEST(LatencyModelTest, WritesAndReadsHaveTheirOwnMedianAndWatchesNone) {
  LatencyModel model;
  model.Configure(nlohmann::json{{"writeMs", 6}, {"readMs", 1.5}});
  for (const char* verb : {"create", "update", "patch", "delete", "deletecollection"})
    EXPECT_EQ(model.Sample(verb), microseconds(6000)) << verb;
  EXPECT_EQ(model.Sample("get"), microseconds(1500));
  EXPECT_EQ(model.Sample("list"), microseconds(1500));
  EXPECT_EQ(model.Sample("watch"), microseconds(0));
  EXPECT_EQ(model.Sample(""), microseconds(0));  // discovery and admin calls
}

TEST(LatencyModelTest, JitterIsLogNormalAroundTheMedian) {
  LatencyModel model;
  model.Configure(nlohmann::json{{"writeMs", 5}, {"jitter", 0.5}});
  auto ms = SampleMs(model, "create", 200000);
  // Log-normal(ln 5, 0.5): median 5, p99 = 5 * exp(0.5 * 2.3263) = 16.0, mean = 5 * exp(0.125) = 5.67.
  EXPECT_NEAR(Quantile(ms, 0.5), 5.0, 0.05);
  EXPECT_NEAR(Quantile(ms, 0.99), 5.0 * std::exp(0.5 * 2.3263), 0.4);
  double mean = 0;
  for (double v : ms) mean += v;
  mean /= static_cast<double>(ms.size());
  EXPECT_NEAR(mean, 5.0 * std::exp(0.125), 0.05);
  EXPECT_GT(ms.front(), 0.0);
}

TEST(LatencyModelTest, TailIsCapped) {
  LatencyModel model;
  model.Configure(nlohmann::json{{"writeMs", 1}, {"jitter", 2}});
  auto ms = SampleMs(model, "create", 100000);
  EXPECT_LE(ms.back(), LatencyModel::kMaxFactor * 1.0 + 1e-9);
  EXPECT_DOUBLE_EQ(ms.back(), LatencyModel::kMaxFactor);  // sigma 2 reaches the cap (z > 1.5) often
}

TEST(LatencyModelTest, WriteCeilingQueuesABurstInOrder) {
  LatencyModel model;
  model.Configure(nlohmann::json{{"writeMs", 4}, {"writesPerSecond", 250}});  // a slot every 4 ms
  const auto t0 = std::chrono::steady_clock::time_point{} + std::chrono::hours(1);
  // Ten writes at once: the k-th waits k slots, then its own 4 ms.
  for (int k = 0; k < 10; ++k) EXPECT_EQ(model.Sample("create", t0), microseconds(4000 * k + 4000)) << k;
  // Reads are not limited and do not take a slot.
  EXPECT_EQ(model.Sample("get", t0), microseconds(0));
  // A write well after the burst finds the server idle again.
  EXPECT_EQ(model.Sample("patch", t0 + std::chrono::seconds(1)), microseconds(4000));
  // At 200 writes/s, below the ceiling, nothing queues.
  for (int k = 0; k < 10; ++k)
    EXPECT_EQ(model.Sample("update", t0 + std::chrono::seconds(2) + std::chrono::milliseconds(5 * k)),
              microseconds(4000));
}

TEST(LatencyModelTest, SameSeedSameDelays) {
  LatencyModel a, b;
  a.Configure(nlohmann::json{{"writeMs", 5}, {"jitter", 0.5}, {"seed", 7}});
  b.Configure(nlohmann::json{{"writeMs", 5}, {"jitter", 0.5}, {"seed", 7}});
  for (int i = 0; i < 100; ++i) EXPECT_EQ(a.Sample("create"), b.Sample("create"));
}

TEST(LatencyModelTest, ClearTurnsItOff) {
  LatencyModel model;
  model.Configure(LatencySettings{.write_ms = 3, .read_ms = 1, .jitter = 0.2});
  EXPECT_GT(model.Sample("create"), microseconds(0));
  model.Clear();
  EXPECT_EQ(model.Sample("create"), microseconds(0));
  EXPECT_EQ(model.settings().write_ms, 0);
}

TEST(LatencyModelTest, BadSettingsAreRefusedNamingTheField) {
  LatencyModel model;
  auto message = [&](const nlohmann::json& body) {
    try {
      model.Configure(body);
    } catch (const ApiError& error) {
      EXPECT_EQ(error.code(), 400);
      return error.ToStatus().value("message", "");
    }
    return std::string("accepted");
  };
  EXPECT_NE(message({{"writeMs", -1}}).find("writeMs must be between 0 and 10000"), std::string::npos);
  EXPECT_NE(message({{"readMs", 1e9}}).find("readMs"), std::string::npos);
  EXPECT_NE(message({{"jitter", 3}}).find("jitter must be between 0 and 2"), std::string::npos);
  EXPECT_NE(message({{"writeMs", "5"}}).find("\"writeMs\" must be a number"), std::string::npos);
  EXPECT_NE(message({{"writeMS", 5}}).find("unknown field \"writeMS\""), std::string::npos);
  EXPECT_NE(message(nlohmann::json::array()).find("must be an object"), std::string::npos);
  EXPECT_NE(message({{"seed", -1}}).find("seed"), std::string::npos);
  EXPECT_NE(message({{"writesPerSecond", -5}}).find("writesPerSecond must be between 0"), std::string::npos);
  EXPECT_THROW(model.Configure(LatencySettings{.write_ms = -2}), std::invalid_argument);
  // A refused configuration leaves the previous one in place.
  EXPECT_EQ(model.Sample("create"), microseconds(0));
}

}  // namespace
}  // namespace kubeemu
