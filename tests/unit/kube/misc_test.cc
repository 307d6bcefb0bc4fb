#include <gtest/gtest.h>
#include <spdlog/sinks/ostream_sink.h>

#include <atomic>
#include <future>
#include <sstream>

#include "fake_transport.h"
#include "kube/events.h"
#include "kube/http_server.h"
#include "kube/logging.h"
#include "kube/metrics.h"
#include "kube/rate_limiter.h"

namespace kube {
namespace {

using testing::FakeTransport;
using testing::JsonResponse;

TEST(MetricsTest, RendersPrometheusText) {
  Metrics m;
  m.GetCounter("a_total", "A counter.", {{"controller", "x"}}).Inc(2);
  m.GetGauge("b", "A gauge.").Set(1.5);
  auto& h = m.GetHistogram("c_seconds", "A histogram.", {{"k", "v\"q"}}, {0.1, 1});
  h.Observe(0.05);
  h.Observe(0.5);
  h.Observe(5);
  EXPECT_EQ(m.Render(),
            "# HELP a_total A counter.\n# TYPE a_total counter\na_total{controller=\"x\"} 2\n"
            "# HELP b A gauge.\n# TYPE b gauge\nb 1.5\n"
            "# HELP c_seconds A histogram.\n# TYPE c_seconds histogram\n"
            "c_seconds_bucket{k=\"v\\\"q\",le=\"0.10000000000000001\"} 1\n"
            "c_seconds_bucket{k=\"v\\\"q\",le=\"1\"} 2\n"
            "c_seconds_bucket{k=\"v\\\"q\",le=\"+Inf\"} 3\n"
            "c_seconds_sum{k=\"v\\\"q\"} 5.5499999999999998\n"
            "c_seconds_count{k=\"v\\\"q\"} 3\n");
}

TEST(MetricsTest, CollectorsRenderCurrentGaugesAfterTheRegistry) {
  Metrics m;
  m.GetGauge("b", "A gauge.").Set(1);
  int scrapes = 0;
  m.AddCollector([&scrapes] {
    ++scrapes;
    return std::vector<Metrics::CollectedGauge>{
        {"state_now",
         "Computed at scrape.",
         {{{{"name", "x\\y"}}, double(scrapes)}, {{{"name", "z"}}, 0.5}}}};
  });
  EXPECT_EQ(m.Render(),
            "# HELP b A gauge.\n# TYPE b gauge\nb 1\n"
            "# HELP state_now Computed at scrape.\n# TYPE state_now gauge\n"
            "state_now{name=\"x\\\\y\"} 1\nstate_now{name=\"z\"} 0.5\n");
  EXPECT_NE(m.Render().find("state_now{name=\"x\\\\y\"} 2\n"), std::string::npos);  // computed again
}

TEST(BackoffTest, JitteredExponentialFrom800msTo30s) {
  FakeClock clock;
  Backoff b(clock, {}, 42);
  std::vector<double> base = {0.8, 1.6, 3.2, 6.4, 12.8, 25.6, 30, 30};
  for (double d : base) {
    double got = std::chrono::duration<double>(b.Next()).count();
    EXPECT_GE(got, d);
    EXPECT_LE(got, std::min(30.0, 2 * d));
  }
  clock.Advance(std::chrono::minutes(3));  // healthy for over 2 minutes: start again
  double got = std::chrono::duration<double>(b.Next()).count();
  EXPECT_GE(got, 0.8);
  EXPECT_LE(got, 1.6);
}

TEST(LoggingTest, JsonLinesCarryFieldsAndNeverTokens) {
  std::ostringstream out;
  auto sink = std::make_shared<spdlog::sinks::ostream_sink_mt>(out);
  auto logger = std::make_shared<spdlog::logger>("seed", sink);
  logger->set_formatter(MakeLogFormatter(LogFormat::kJson));
  auto previous = spdlog::default_logger();
  spdlog::set_default_logger(logger);
  LogFields(spdlog::level::info, "reconcile done", {{"key", "ns/a"}, {"reconcileID", "r-1"}});
  spdlog::info("sending Authorization: Bearer abc.def.ghi to server");
  spdlog::set_default_logger(previous);
  std::string text = out.str();
  auto first = Json::parse(text.substr(0, text.find('\n')));
  EXPECT_EQ(first["msg"], "reconcile done");
  EXPECT_EQ(first["key"], "ns/a");
  EXPECT_EQ(first["reconcileID"], "r-1");
  EXPECT_EQ(first["level"], "info");
  EXPECT_EQ(text.find("abc.def.ghi"), std::string::npos) << text;
  EXPECT_NE(text.find("Bearer [REDACTED]"), std::string::npos);
}

TEST(LoggingTest, TextFormatQuotesValuesWithSpaces) {
  std::ostringstream out;
  auto logger = std::make_shared<spdlog::logger>("seed", std::make_shared<spdlog::sinks::ostream_sink_mt>(out));
  logger->set_formatter(MakeLogFormatter(LogFormat::kText));
  auto previous = spdlog::default_logger();
  spdlog::set_default_logger(logger);
  LogFields(spdlog::level::warn, "failed", {{"error", "HTTP 409 Conflict"}, {"key", "ns/a"}});
  spdlog::set_default_logger(previous);
  std::string line = out.str();
  EXPECT_NE(line.find(" warning failed error=\"HTTP 409 Conflict\" key=ns/a\n"), std::string::npos) << line;
}

TEST(LoggingTest, RejectsUnknownLevelAndFormat) {
  EXPECT_FALSE(SetupLogging("loud", "text").ok());
  EXPECT_FALSE(SetupLogging("info", "xml").ok());
}

TEST(EventRecorderTest, RepeatsAreAggregatedAndFailuresNeverPropagate) {
  auto transport = std::make_shared<FakeTransport>();
  std::atomic<int> creates{0}, patches{0};
  std::atomic<bool> fail{false};
  transport->handler = [&](const HttpRequest& r) {
    if (fail) return JsonResponse(500, R"({"kind":"Status","code":500})");
    if (r.method == "POST") ++creates;
    if (r.method == "PATCH") ++patches;
    return JsonResponse(201, r.body.empty() ? "{}" : r.body);
  };
  RestConfig config;
  config.server = "https://api.test";
  config.qps = 0;
  FakeClock clock;
  auto client = std::make_shared<Client>(config, transport, clock);
  EventRecorder recorder(client, "seed-operator", "pod-1", clock);
  Json run = {{"apiVersion", "seed.dev/v1alpha1"},
              {"kind", "PipelineRun"},
              {"metadata", {{"name", "r1"}, {"namespace", "ns"}, {"uid", "u1"}}}};
  // Flushed one by one: each repeat finds the previous one sent, so it updates its series.
  for (int i = 0; i < 3; ++i) {
    recorder.Publish(run, "Warning", "TaskFailed", "Reconcile", "task train failed");
    recorder.Flush();
  }
  recorder.Publish(run, "Normal", "Started", "Reconcile", "started");
  recorder.Flush();
  EXPECT_EQ(creates, 2);
  EXPECT_EQ(patches, 2);
  auto reqs = transport->Requests();
  Json created = Json::parse(reqs[0].body);
  EXPECT_EQ(reqs[0].url, "https://api.test/apis/events.k8s.io/v1/namespaces/ns/events");
  EXPECT_EQ(created["regarding"]["uid"], "u1");
  EXPECT_EQ(created["reportingController"], "seed-operator");
  EXPECT_EQ(created["reportingInstance"], "pod-1");
  EXPECT_EQ(created["eventTime"], "2026-01-01T00:00:00.000000Z");
  EXPECT_FALSE(created.contains("series"));
  EXPECT_EQ(Json::parse(reqs[2].body)["series"]["count"], 3);
  clock.Advance(std::chrono::minutes(11));  // outside the window: a new Event
  recorder.Publish(run, "Warning", "TaskFailed", "Reconcile", "task train failed");
  recorder.Flush();
  EXPECT_EQ(creates, 3);
  fail = true;
  recorder.Publish(run, "Warning", "Other", "Reconcile", "x");  // logged, never thrown
  recorder.Publish(Json::object(), "Warning", "Other", "Reconcile", "no metadata");
  recorder.Flush();
  EXPECT_EQ(recorder.created(), 3u);
}

TEST(EventRecorderTest, PublishNeverWaitsAndAFullBufferDropsAndCounts) {
  auto transport = std::make_shared<FakeTransport>();
  std::atomic<int> creates{0}, patches{0};
  transport->handler = [&](const HttpRequest& r) {
    if (r.method == "POST") ++creates;
    if (r.method == "PATCH") ++patches;
    return JsonResponse(201, r.body);
  };
  RestConfig config;
  config.server = "https://api.test";
  config.qps = 0;
  FakeClock clock;
  auto client = std::make_shared<Client>(config, transport, clock);
  EventRecorder recorder(client, "seed-operator", "pod-1", clock, /*max_buffered=*/2);
  Metrics metrics;
  recorder.SetMetrics(metrics);
  // The sender asks for its turn before every write; held here, as urgent work would hold it.
  std::promise<void> turn;
  std::shared_future<void> turn_given = turn.get_future().share();
  recorder.SetWaitTurn([turn_given] { turn_given.wait(); });
  Json run = {{"apiVersion", "seed.dev/v1alpha1"},
              {"kind", "PipelineRun"},
              {"metadata", {{"name", "r1"}, {"namespace", "ns"}, {"uid", "u1"}}}};
  for (int i = 0; i < 3; ++i) recorder.Publish(run, "Warning", "TaskFailed", "Reconcile", "task train failed");
  recorder.Publish(run, "Normal", "Started", "Reconcile", "started");
  recorder.Publish(run, "Normal", "Succeeded", "Reconcile", "done");  // a third kind: the buffer is full
  EXPECT_EQ(recorder.buffered(), 2u) << "repeats share one buffered entry";
  EXPECT_EQ(recorder.dropped(), 1u);
  EXPECT_EQ(creates, 0) << "nothing is written while the sender waits for its turn";
  turn.set_value();
  recorder.Flush();
  EXPECT_EQ(creates, 2);
  EXPECT_EQ(patches, 0);
  EXPECT_EQ(recorder.buffered(), 0u);
  auto reqs = transport->Requests();
  ASSERT_EQ(reqs.size(), 2u);
  Json first = Json::parse(reqs[0].body);
  EXPECT_EQ(first["reason"], "TaskFailed");
  EXPECT_EQ(first["series"]["count"], 3) << "three occurrences, one write";
  EXPECT_FALSE(Json::parse(reqs[1].body).contains("series"));
  recorder.Stop();
  recorder.Publish(run, "Normal", "Late", "Reconcile", "after stop");
  EXPECT_EQ(recorder.dropped(), 2u);
  EXPECT_NE(metrics.Render().find("\nseed_events_dropped_total 2\n"), std::string::npos) << metrics.Render();
}

TEST(HttpServerTest, ParseHostPort) {
  EXPECT_EQ(*ParseHostPort(":8080"), std::make_pair(std::string("0.0.0.0"), 8080));
  EXPECT_EQ(*ParseHostPort("127.0.0.1:0"), std::make_pair(std::string("127.0.0.1"), 0));
  EXPECT_FALSE(ParseHostPort("8080").ok());
  EXPECT_FALSE(ParseHostPort("host:99999").ok());
  EXPECT_FALSE(ParseHostPort("host:http").ok());
}

}  // namespace
}  // namespace kube
