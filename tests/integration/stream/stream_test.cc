// seed-job stream against a real Mosquitto broker on loopback: results equal to the model
// server's for the same features (one row, a batch; MQTT 5 and 3.1.1), rules routing topics to
// models, TLS with a password, a wrong password, bad messages, 100,000 QoS 1 messages across a
// broker restart, and a SIGTERM drain that loses nothing.
#include <gtest/gtest.h>
#include <httplib.h>
#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <regex>
#include <set>
#include <thread>

#include "broker.h"
#include "child_process.h"
#include "serve/artifact_model.h"
#include "serve/oip.h"
#include "test_client.h"

namespace seed::stream_test {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

fs::path g_models;  // two trained artifacts, made once for the suite

class StreamTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    g_models = fs::temp_directory_path() / ("seed-stream-models-" + std::to_string(getpid()));
    fs::create_directories(g_models);
    const std::string dir = g_models.string();
    const std::string log = dir + "/train.log";
    ASSERT_TRUE(RunCommand(
        {SEED_JOB_BINARY, "synth", "--days", "30", "--nwp-sources", "ec", "--out-dir", dir + "/plant"}, log));
    for (const char* kind : {"gbdt", "linear"}) {
      ASSERT_TRUE(RunCommand({SEED_JOB_BINARY,
                              "train",
                              "--nwp",
                              dir + "/plant/nwp.csv",
                              "--measurements",
                              dir + "/plant/measurements.csv",
                              "--capacity",
                              "100",
                              "--speed-column",
                              "ec_ws",
                              "--direction-column",
                              "ec_wd",
                              "--model",
                              kind,
                              "--trees",
                              "20",
                              "--depth",
                              "4",
                              "--threads",
                              "1",
                              "--out",
                              dir + "/" + kind + ".json"},
                             log))
          << kind;
    }
  }
  static void TearDownTestSuite() { fs::remove_all(g_models); }

  void SetUp() override {
    static std::atomic<int> counter{0};
    dir_ = fs::temp_directory_path() /
           ("seed-stream-test-" + std::to_string(getpid()) + "-" + std::to_string(counter++));
    fs::create_directories(dir_);
    broker_ = std::make_unique<Broker>(dir_.string());
  }
  void TearDown() override {
    streams_.clear();
    broker_.reset();
    if (!HasFailure()) fs::remove_all(dir_);
  }

  static std::string Model(const char* kind) { return (g_models / (std::string(kind) + ".json")).string(); }

  // Starts `seed-job stream` with the broker URL and a metrics port; waits for /readyz.
  ChildProcess& StartStream(std::vector<std::string> args, bool wait_ready = true) {
    metrics_port_ = FreePort();
    std::vector<std::string> argv = {SEED_JOB_BINARY, "stream",         "--metrics-host",
                                     "127.0.0.1",     "--metrics-port", std::to_string(metrics_port_)};
    argv.insert(argv.end(), args.begin(), args.end());
    if (std::find(args.begin(), args.end(), "--broker") == args.end()) {
      argv.insert(argv.end(), {"--broker", "mqtt://127.0.0.1:" + std::to_string(broker_->port())});
    }
    streams_.push_back(std::make_unique<ChildProcess>(argv, (dir_ / "stream.log").string()));
    ChildProcess& stream = *streams_.back();
    if (wait_ready) {
      httplib::Client http("127.0.0.1", metrics_port_);
      const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(15);
      bool ready = false;
      while (!ready && stream.running() && std::chrono::steady_clock::now() < deadline) {
        auto res = http.Get("/readyz");
        ready = res && res->status == 200;
        if (!ready) std::this_thread::sleep_for(std::chrono::milliseconds(20));  // bounded readiness polling
      }
      EXPECT_TRUE(ready) << stream.Log();
    }
    return stream;
  }

  std::string Metrics() {
    httplib::Client http("127.0.0.1", metrics_port_);
    auto res = http.Get("/metrics");
    return res ? res->body : "";
  }

  // A deterministic feature row for `model`, varied by i.
  static json Row(const serve::ServedModel& model, int i) {
    json row = json::object();
    for (size_t j = 0; j < model.inputs.size(); ++j)
      row[model.inputs[j]] = 0.25 * ((i * 7 + j * 3) % 61) - 1.5;
    return row;
  }

  // What `seed-job serve` answers for these rows: its own parse, predict and response code.
  static json ServeOutputs(const serve::ServedModel& model, const std::vector<json>& rows) {
    json data = json::array();
    for (const json& row : rows) {
      json values = json::array();
      for (const auto& name : model.inputs) values.push_back(row[name]);
      data.push_back(values);
    }
    const json body = {{"inputs",
                        {{{"name", "x"},
                          {"shape", {rows.size(), model.inputs.size()}},
                          {"datatype", "FP64"},
                          {"data", data}}}}};
    serve::InferRequest request;
    auto error = serve::ParseInferRequest(body.dump(), model, &request);
    EXPECT_FALSE(error) << error->message;
    std::vector<double> predictions;
    serve::PredictRows(model, request, &predictions);
    std::string response;
    serve::WriteInferResponse(model, request, predictions, &response);
    return json::parse(response)["outputs"];
  }

  static std::map<std::string, json> ById(const std::vector<Received>& messages) {
    std::map<std::string, json> by_id;
    for (const auto& m : messages) {
      json body = json::parse(m.payload);
      by_id[body["id"].is_string() ? body["id"].get<std::string>() : body["id"].dump()] = body;
    }
    return by_id;
  }

  fs::path dir_;
  std::unique_ptr<Broker> broker_;
  std::vector<std::unique_ptr<ChildProcess>> streams_;
  int metrics_port_ = 0;
};

class StreamProtocolTest : public StreamTest, public ::testing::WithParamInterface<std::string> {};

TEST_P(StreamProtocolTest, ARowAndABatchArePredictedAsTheModelServerPredictsThem) {
  const std::string protocol = GetParam();
  const int version = protocol == "5" ? 5 : 311;
  StartStream({"--protocol", protocol, "--client-id", "stream-" + protocol, "--input-topic",
               "plant/wf01/features", "--output-topic", "plant/wf01/forecast", "--model", Model("gbdt"),
               "--model-name", "wf01", "--model-version", "v2.1"});
  TestClient client("tester", broker_->port(), version);
  client.Subscribe("plant/wf01/forecast");
  const serve::ServedModel model = serve::LoadArtifactModel(Model("gbdt"), "");
  const json one = Row(model, 1);
  std::vector<json> batch;
  for (int i = 0; i < 5; ++i) batch.push_back(Row(model, 10 + i));
  client.Publish("plant/wf01/features",
                 json{{"id", "one"}, {"time", "2026-12-07T10:00:00.25Z"}, {"features", one}}.dump());
  client.Publish("plant/wf01/features", json{{"id", 42}, {"time", 1796637600.5}, {"features", batch}}.dump());
  ASSERT_TRUE(client.WaitFor(2, std::chrono::seconds(10))) << streams_.back()->Log();
  auto results = ById(client.messages());
  ASSERT_EQ(results.count("one"), 1u);
  ASSERT_EQ(results.count("42"), 1u);
  const json& single = results["one"];
  EXPECT_EQ(single["time"], "2026-12-07T10:00:00.25Z");
  EXPECT_EQ(single["topic"], "plant/wf01/features");
  EXPECT_EQ(single["model_name"], "wf01");
  EXPECT_EQ(single["model_version"], "v2.1");
  EXPECT_EQ(single["outputs"], ServeOutputs(model, {one}));
  EXPECT_EQ(results["42"]["time"], 1796637600.5);
  EXPECT_EQ(results["42"]["outputs"], ServeOutputs(model, batch));
  EXPECT_EQ(results["42"]["outputs"][0]["shape"], json::array({5}));
  // The model server's own request body is accepted too.
  client.Publish("plant/wf01/features", json{{"id", "oip"},
                                             {"inputs",
                                              {{{"name", "x"},
                                                {"shape", {1, model.inputs.size()}},
                                                {"datatype", "FP64"},
                                                {"data",
                                                 [&] {
                                                   json v = json::array();
                                                   for (auto& n : model.inputs) v.push_back(one[n]);
                                                   return v;
                                                 }()}}}},
                                             {"outputs", {{{"name", "p50"}}}}}
                                            .dump());
  ASSERT_TRUE(client.WaitFor(3, std::chrono::seconds(10)));
  results = ById(client.messages());
  EXPECT_EQ(results["oip"]["outputs"].size(), 1u);
  EXPECT_EQ(results["oip"]["outputs"][0], ServeOutputs(model, {one})[1]);  // p50
  const std::string metrics = Metrics();
  EXPECT_NE(
      metrics.find(
          "seed_stream_messages_published_total{subscription=\"plant/wf01/features\",model=\"wf01\"} 3"),
      std::string::npos)
      << metrics;
  EXPECT_NE(
      metrics.find("seed_stream_rows_predicted_total{subscription=\"plant/wf01/features\",model=\"wf01\"} 7"),
      std::string::npos);
  EXPECT_NE(
      metrics.find("seed_stream_lag_seconds_count{subscription=\"plant/wf01/features\",model=\"wf01\"} 2"),
      std::string::npos);
}

INSTANTIATE_TEST_SUITE_P(Mqtt, StreamProtocolTest, ::testing::Values("5", "3.1.1"), [](const auto& test) {
  return test.param == "5" ? std::string("V5") : std::string("V311");
});

TEST_F(StreamTest, RulesRouteTwoTopicsToTwoModels) {
  std::ofstream(dir_ / "rules.json") << json{
      {"models",
       {{"wf01", {{"path", Model("gbdt")}}}, {"wf02", {{"path", Model("linear")}, {"version", "v7"}}}}},
      {"rules",
       {{{"topic", "plant/wf01/+/features"}, {"model", "wf01"}, {"output_topic", "out/wf01"}},
        {{"topic", "plant/wf02/#"}, {"model", "wf02"}, {"output_topic", "out/wf02"}}}}};
  StartStream({"--rules", (dir_ / "rules.json").string(), "--client-id", "rules"});
  TestClient client("tester", broker_->port());
  client.Subscribe("out/#");
  const serve::ServedModel gbdt = serve::LoadArtifactModel(Model("gbdt"), "");
  const serve::ServedModel linear = serve::LoadArtifactModel(Model("linear"), "");
  client.Publish("plant/wf01/t3/features", json{{"id", "a"}, {"features", Row(gbdt, 3)}}.dump());
  client.Publish("plant/wf02/anything/deep", json{{"id", "b"}, {"features", Row(linear, 3)}}.dump());
  ASSERT_TRUE(client.WaitFor(2, std::chrono::seconds(10))) << streams_.back()->Log();
  for (const auto& m : client.messages()) {
    const json body = json::parse(m.payload);
    if (body["id"] == "a") {
      EXPECT_EQ(m.topic, "out/wf01");
      EXPECT_EQ(body["model_name"], "wf01");
      EXPECT_EQ(body["outputs"], ServeOutputs(gbdt, {Row(gbdt, 3)}));
    } else {
      EXPECT_EQ(m.topic, "out/wf02");
      EXPECT_EQ(body["model_name"], "wf02");
      EXPECT_EQ(body["model_version"], "v7");
      EXPECT_EQ(body["outputs"], ServeOutputs(linear, {Row(linear, 3)}));
    }
  }
  EXPECT_NE(ServeOutputs(gbdt, {Row(gbdt, 3)}),
            ServeOutputs(linear, {Row(linear, 3)}));  // two different models
}

TEST_F(StreamTest, TlsWithAPasswordFromACredentialsDirectory) {
  fs::create_directories(dir_ / "secret");
  std::ofstream(dir_ / "secret" / "username") << Broker::kUser << "\n";
  std::ofstream(dir_ / "secret" / "password") << Broker::kPassword << "\n";
  StartStream({"--broker", "mqtts://localhost:" + std::to_string(broker_->tls_port()), "--ca-file",
               broker_->ca_file(), "--credentials-dir", (dir_ / "secret").string(), "--client-id", "tls",
               "--input-topic", "in/#", "--output-topic", "out", "--model", Model("linear")});
  TestClient client("tester", broker_->port());  // the plain listener: same topics
  client.Subscribe("out");
  client.Publish(
      "in/x", json{{"id", "t"}, {"features", Row(serve::LoadArtifactModel(Model("linear"), ""), 1)}}.dump());
  ASSERT_TRUE(client.WaitFor(1, std::chrono::seconds(10))) << streams_.back()->Log();
  EXPECT_EQ(json::parse(client.messages()[0].payload)["id"], "t");
}

TEST_F(StreamTest, AWrongPasswordIsAClearErrorWithExitCode2) {
  fs::create_directories(dir_ / "secret");
  std::ofstream(dir_ / "secret" / "username") << Broker::kUser;
  std::ofstream(dir_ / "secret" / "password") << "not-the-password";
  ChildProcess& stream =
      StartStream({"--broker", "mqtts://localhost:" + std::to_string(broker_->tls_port()), "--ca-file",
                   broker_->ca_file(), "--credentials-dir", (dir_ / "secret").string(), "--client-id", "bad",
                   "--input-topic", "in/#", "--output-topic", "out", "--model", Model("linear")},
                  false);
  auto status = stream.Wait(std::chrono::seconds(20));
  ASSERT_TRUE(status) << "still running: " << stream.Log();
  EXPECT_EQ(*status, 2) << stream.Log();
  EXPECT_NE(stream.Log().find("refused the connection"), std::string::npos) << stream.Log();
  EXPECT_NE(stream.Log().find("--credentials-dir"), std::string::npos) << stream.Log();
}

TEST_F(StreamTest, AnUntrustedCertificateIsAClearErrorWithExitCode2) {
  ChildProcess& stream =
      StartStream({"--broker", "mqtts://localhost:" + std::to_string(broker_->tls_port()), "--ca-file",
                   (g_models / "plant" / "nwp.csv").string(), "--client-id", "ca", "--input-topic", "in/#",
                   "--output-topic", "out", "--model", Model("linear")},
                  false);
  auto status = stream.Wait(std::chrono::seconds(20));
  ASSERT_TRUE(status) << stream.Log();
  EXPECT_EQ(*status, 2) << stream.Log();
  EXPECT_NE(stream.Log().find("--ca-file"), std::string::npos) << stream.Log();
}

TEST_F(StreamTest, BadFlagsRulesAndModelsExitWith2NamingTheProblem) {
  std::ofstream(dir_ / "overlap.json") << R"({"models": {"a": {"path": ")" << Model("linear")
                                       << R"("}}, "rules": [{"topic": "p/+/f", "model": "a"},
                                                            {"topic": "p/wf01/#", "model": "a"}]})";
  std::ofstream(dir_ / "broken.json") << R"({"models": )";
  const std::string broker = "mqtt://127.0.0.1:" + std::to_string(broker_->port());
  const std::vector<std::pair<std::vector<std::string>, std::string>> cases = {
      {{"--broker", "tcp://x", "--input-topic", "in", "--output-topic", "out", "--model", Model("linear")},
       "--broker \"tcp://x\": unknown scheme"},
      {{"--broker", broker, "--rules", (dir_ / "overlap.json").string(), "--output-topic", "out"},
       "overlaps rules[0].topic"},
      {{"--broker", broker, "--rules", (dir_ / "broken.json").string(), "--output-topic", "out"},
       "broken.json"},
      {{"--broker", broker, "--input-topic", "in/#/x", "--output-topic", "out", "--model", Model("linear")},
       "'#' must be a whole level"},
      {{"--broker", broker, "--input-topic", "in", "--output-topic", "out", "--model",
        (dir_ / "none.json").string()},
       "none.json"},
      {{"--broker", broker, "--input-topic", "in", "--output-topic", "out", "--model", Model("linear"),
        "--qos", "2"},
       "--qos must be 0 or 1"},
      {{"--broker", broker, "--input-topic", "in", "--output-topic", "out", "--model", Model("linear"),
        "--credentials-dir", (dir_ / "nothing").string()},
       "is not a directory"},
  };
  for (const auto& [args, expected] : cases) {
    std::vector<std::string> argv = {SEED_JOB_BINARY, "stream"};
    argv.insert(argv.end(), args.begin(), args.end());
    ChildProcess child(argv, (dir_ / "bad.log").string());
    auto status = child.Wait(std::chrono::seconds(20));
    ASSERT_TRUE(status) << expected;
    EXPECT_EQ(*status, 2) << child.Log();
    EXPECT_NE(child.Log().find(expected), std::string::npos) << "expected \"" << expected << "\" in:\n"
                                                             << child.Log();
    std::filesystem::remove(dir_ / "bad.log");
  }
}

TEST_F(StreamTest, AMalformedMessageGetsAnErrorReplyAndTheStreamGoesOn) {
  StartStream({"--client-id", "bad-input", "--input-topic", "in/+", "--output-topic", "out", "--error-topic",
               "errors", "--model", Model("linear"), "--model-name", "wf01"});
  TestClient client("tester", broker_->port());
  client.Subscribe("out");
  client.Subscribe("errors");
  const serve::ServedModel model = serve::LoadArtifactModel(Model("linear"), "");
  json missing = Row(model, 2);
  missing.erase(model.inputs[0]);
  client.Publish("in/a", "{not json");
  client.Publish("in/a", json{{"id", "m"}, {"features", missing}}.dump());
  client.Publish("in/a", json{{"id", "ok"}, {"features", Row(model, 2)}}.dump());
  ASSERT_TRUE(client.WaitFor(3, std::chrono::seconds(10))) << streams_.back()->Log();
  std::vector<json> errors;
  bool answered = false;
  for (const auto& m : client.messages()) {
    if (m.topic == "errors") errors.push_back(json::parse(m.payload));
    if (m.topic == "out") answered = json::parse(m.payload)["id"] == "ok";
  }
  EXPECT_TRUE(answered);
  ASSERT_EQ(errors.size(), 2u);
  for (const json& e : errors) {
    EXPECT_EQ(e["topic"], "in/a");
    if (e.contains("id")) {
      EXPECT_EQ(e["id"], "m");
      EXPECT_NE(e["error"].get<std::string>().find("missing feature \"" + model.inputs[0] + "\""),
                std::string::npos)
          << e;
    } else {
      EXPECT_NE(e["error"].get<std::string>().find("not valid JSON"), std::string::npos) << e;
      EXPECT_EQ(e["payload"], "{not json");
    }
  }
  EXPECT_NE(
      Metrics().find("seed_stream_errors_total{subscription=\"in/+\",model=\"wf01\",reason=\"malformed\"} 2"),
      std::string::npos)
      << Metrics();
  EXPECT_TRUE(streams_.back()->running());
}

TEST_F(StreamTest, AHundredThousandQos1MessagesAcrossABrokerRestartAreAllAnswered) {
  const int total = 100000;
  StartStream({"--client-id", "bulk", "--qos", "1", "--workers", "2", "--input-topic", "in/#",
               "--output-topic", "out", "--model", Model("gbdt")});
  TestClient results("results", broker_->port());
  results.Subscribe("out");
  TestClient publisher("publisher", broker_->port());
  const serve::ServedModel model = serve::LoadArtifactModel(Model("gbdt"), "");
  const std::string row = json{{"features", Row(model, 5)}}.dump().substr(1);  // without its '{'
  for (int i = 0; i < total; ++i) publisher.Publish("in/x", "{\"id\":" + std::to_string(i) + "," + row);
  ASSERT_TRUE(results.WaitFor(total / 3, std::chrono::seconds(120))) << streams_.back()->Log();
  broker_->Restart();  // in the middle: the stream, the publisher and the consumer all lose the broker
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(180);
  std::set<int> ids;
  size_t seen = 0;
  while (static_cast<int>(ids.size()) < total && std::chrono::steady_clock::now() < deadline) {
    results.WaitFor(seen + 1, std::chrono::seconds(5));
    for (const auto& m : results.MessagesFrom(seen)) {
      ids.insert(json::parse(m.payload)["id"].get<int>());
      ++seen;
    }
  }
  EXPECT_EQ(static_cast<int>(ids.size()), total)
      << "duplicates are allowed (QoS 1), losses are not; received " << seen << "\n"
      << streams_.back()->Log();
  EXPECT_NE(streams_.back()->Log().find("reconnected"), std::string::npos) << streams_.back()->Log();
  std::smatch reconnects;
  const std::string metrics = Metrics();
  ASSERT_TRUE(std::regex_search(metrics, reconnects, std::regex(R"(\nseed_stream_reconnects_total (\d+))")))
      << metrics;
  EXPECT_GE(std::stoi(reconnects[1]), 2) << "both connections (reading and publishing) reconnect";
  std::printf("100000 messages: %zu results received (duplicates from QoS 1 redelivery: %zu)\n", seen,
              seen - ids.size());
}

TEST_F(StreamTest, SigtermDrainsWhatWasReadAndTheRestWaitsAtTheBroker) {
  const int total = 20000;
  ChildProcess& first =
      StartStream({"--client-id", "drain", "--workers", "1", "--queue-size", "2000", "--input-topic", "in/#",
                   "--output-topic", "out", "--model", Model("gbdt")});
  TestClient results("results", broker_->port());
  results.Subscribe("out");
  TestClient publisher("publisher", broker_->port());
  const serve::ServedModel model = serve::LoadArtifactModel(Model("gbdt"), "");
  const std::string row = json{{"features", Row(model, 7)}}.dump().substr(1);
  for (int i = 0; i < total; ++i) publisher.Publish("in/x", "{\"id\":" + std::to_string(i) + "," + row);
  ASSERT_TRUE(results.WaitFor(100, std::chrono::seconds(60)));
  first.Signal(SIGTERM);
  auto status = first.Wait(std::chrono::seconds(30));
  ASSERT_TRUE(status) << first.Log();
  EXPECT_EQ(*status, 0) << first.Log();
  std::smatch match;
  const std::string log = first.Log();
  ASSERT_TRUE(std::regex_search(
      log, match,
      std::regex(
          R"(drained: (\d+) messages received, (\d+) results published, 0 errors; every result acknowledged)")))
      << log;
  const size_t received = std::stoul(match[1]);
  EXPECT_EQ(std::stoul(match[2]), received);
  EXPECT_TRUE(results.WaitFor(received, std::chrono::seconds(30)));
  EXPECT_TRUE(publisher.WaitAcknowledged(std::chrono::seconds(60)));
  // The next instance (the same client id, as a restarted pod) takes the rest from the session.
  StartStream(
      {"--client-id", "drain", "--input-topic", "in/#", "--output-topic", "out", "--model", Model("gbdt")});
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(120);
  std::set<int> ids;
  size_t seen = 0;
  while (static_cast<int>(ids.size()) < total && std::chrono::steady_clock::now() < deadline) {
    results.WaitFor(seen + 1, std::chrono::seconds(5));
    for (const auto& m : results.MessagesFrom(seen)) {
      ids.insert(json::parse(m.payload)["id"].get<int>());
      ++seen;
    }
  }
  EXPECT_EQ(static_cast<int>(ids.size()), total) << "the first instance answered " << received;
  EXPECT_LT(received, static_cast<size_t>(total)) << "the drain should have left messages at the broker";
}

}  // namespace
}  // namespace seed::stream_test
