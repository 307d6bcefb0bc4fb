#include "serve/model_server.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <httplib.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <condition_variable>
#include <cstring>
#include <future>
#include <mutex>
#include <nlohmann/json.hpp>
#include <stdexcept>

#include "fake_model.h"
#include "promtool/promtool.h"

namespace seed::serve {
namespace {

using nlohmann::json;
using ::testing::HasSubstr;

constexpr auto kTimeout = std::chrono::seconds(10);
constexpr char kJson[] = "application/json";
constexpr char kOneRow[] = R"({"inputs": [{"name": "x", "shape": [1, 2], "datatype": "FP64", "data": [7.5, 10]}]})";

// A latch the test opens; waiting past kTimeout fails instead of hanging.
class Gate {
 public:
  void Open() {
    {
      std::lock_guard lock(mutex_);
      open_ = true;
    }
    cv_.notify_all();
  }
  void Wait() {
    std::unique_lock lock(mutex_);
    if (!cv_.wait_for(lock, kTimeout, [this] { return open_; })) throw std::runtime_error("gate never opened");
  }

 private:
  std::mutex mutex_;
  std::condition_variable cv_;
  bool open_ = false;
};

// Sends raw bytes to the server on a new loopback connection and returns everything it answers
// until it closes the connection ("" and a test failure on a connection or read error).
std::string SendAndReadUntilClosed(int port, const std::string& bytes) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  EXPECT_GE(fd, 0);
  if (fd < 0) return "";
  timeval timeout{.tv_sec = kTimeout.count(), .tv_usec = 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(static_cast<uint16_t>(port));
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  std::string answer;
  if (connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 ||
      send(fd, bytes.data(), bytes.size(), MSG_NOSIGNAL) != static_cast<ssize_t>(bytes.size())) {
    ADD_FAILURE() << "cannot send to port " << port;
  } else {
    char buffer[4096];
    ssize_t n;
    while ((n = recv(fd, buffer, sizeof buffer, 0)) > 0) answer.append(buffer, static_cast<size_t>(n));
    EXPECT_EQ(n, 0) << "the server did not close the connection";
  }
  close(fd);
  return answer;
}

size_t Count(const std::string& text, const std::string& what) {
  size_t count = 0;
  for (size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++count;
  return count;
}

class ModelServerTest : public ::testing::Test {
 protected:
  // Starts a server on a free loopback port whose model loads only when `load_gate_` opens.
  void StartServer(ModelLoader loader = nullptr, size_t max_body_bytes = 4096) {
    if (!loader) {
      loader = [this] {
        load_gate_.Wait();
        return testing::FakeModel();
      };
    }
    server_ = std::make_unique<ModelServer>(ServerOptions{.host = "127.0.0.1",
                                                          .port = 0,
                                                          .threads = 2,
                                                          .max_body_bytes = max_body_bytes,
                                                          .model_name = "wind-wf01",
                                                          .model_version = "v2.1",
                                                          .server_version = "0.1.0"},
                                            std::move(loader));
    server_->Start();
    client_ = std::make_unique<httplib::Client>("127.0.0.1", server_->port());
    client_->set_read_timeout(10);
  }
  void LoadModel() {
    load_gate_.Open();
    ASSERT_TRUE(server_->WaitUntilSettled(kTimeout));
    ASSERT_EQ(server_->state(), ModelState::kReady);
  }
  void TearDown() override {
    load_gate_.Open();
    client_.reset();
    server_.reset();
  }
  // Status and parsed body; fails the test when there is no response.
  std::pair<int, json> Get(const std::string& path) {
    auto result = client_->Get(path);
    EXPECT_TRUE(result) << path << ": " << httplib::to_string(result.error());
    if (!result) return {0, nullptr};
    return {result->status, json::parse(result->body, nullptr, false)};
  }
  std::pair<int, json> Post(const std::string& path, const std::string& body) {
    auto result = client_->Post(path, body, kJson);
    EXPECT_TRUE(result) << path << ": " << httplib::to_string(result.error());
    if (!result) return {0, nullptr};
    EXPECT_EQ(result->get_header_value("Content-Type"), kJson);
    return {result->status, json::parse(result->body, nullptr, false)};
  }

  Gate load_gate_;
  std::unique_ptr<ModelServer> server_;
  std::unique_ptr<httplib::Client> client_;
};

TEST_F(ModelServerTest, LiveAtOnceButReadyOnlyOnceTheModelIsLoaded) {
  StartServer();
  EXPECT_EQ(server_->state(), ModelState::kLoading);
  EXPECT_EQ(Get("/v2/health/live"), std::make_pair(200, json{{"live", true}}));
  EXPECT_EQ(Get("/v2/health/ready"), std::make_pair(503, json{{"ready", false}}));
  EXPECT_EQ(Get("/v2/models/wind-wf01/ready"), std::make_pair(503, json{{"name", "wind-wf01"}, {"ready", false}}));
  EXPECT_EQ(Post("/v2/models/wind-wf01/infer", kOneRow),
            std::make_pair(503, json{{"error", "model wind-wf01 is still loading"}}));
  EXPECT_EQ(Get("/v2/models/wind-wf01").first, 503);

  LoadModel();
  EXPECT_EQ(Get("/v2/health/ready"), std::make_pair(200, json{{"ready", true}}));
  EXPECT_EQ(Get("/v2/models/wind-wf01/ready"), std::make_pair(200, json{{"name", "wind-wf01"}, {"ready", true}}));
  EXPECT_EQ(Get("/v2/models/wind-wf01/versions/v2.1/ready").first, 200);
}

TEST_F(ModelServerTest, InferAnswersInTheOpenInferenceProtocolShape) {
  StartServer();
  LoadModel();
  auto [status, body] = Post("/v2/models/wind-wf01/versions/v2.1/infer",
                             R"({"id": "a1", "inputs": [{"name": "ws", "shape": [1], "datatype": "FP64", "data": [7.5]},
                                                        {"name": "wd", "shape": [1], "datatype": "FP64", "data": [10]}],
                                 "outputs": [{"name": "p90"}, {"name": "forecast_mw"}]})");
  EXPECT_EQ(status, 200);
  EXPECT_EQ(body, json::parse(R"({"model_name": "wind-wf01", "model_version": "v2.1", "id": "a1", "outputs": [
      {"name": "p90", "datatype": "FP64", "shape": [1], "data": [21.0]},
      {"name": "forecast_mw", "datatype": "FP64", "shape": [1], "data": [20.0]}]})"));
  EXPECT_EQ(Post("/v2/models/wind-wf01/infer", kOneRow).second["outputs"][1]["data"], json::parse("[20.0]"));
}

TEST_F(ModelServerTest, ServerAndModelMetadata) {
  StartServer();
  LoadModel();
  EXPECT_EQ(Get("/v2"), std::make_pair(200, json::parse(R"({"name": "seed-job", "version": "0.1.0", "extensions": []})")));
  auto [status, metadata] = Get("/v2/models/wind-wf01");
  EXPECT_EQ(status, 200);
  EXPECT_EQ(metadata["platform"], "seed");
  EXPECT_EQ(metadata["versions"], json::parse(R"(["v2.1"])"));
  EXPECT_EQ(metadata["inputs"][1], json::parse(R"({"name": "wd", "datatype": "FP64", "shape": [-1]})"));
  EXPECT_EQ(metadata["outputs"].size(), 4u);
  EXPECT_EQ(Get("/v2/models/wind-wf01/versions/v2.1").first, 200);
}

TEST_F(ModelServerTest, UnknownModelsVersionsAndPathsAre404WithAJsonError) {
  StartServer();
  LoadModel();
  EXPECT_EQ(Post("/v2/models/solar/infer", kOneRow),
            std::make_pair(404, json{{"error", "unknown model \"solar\"; this server serves \"wind-wf01\""}}));
  EXPECT_EQ(Post("/v2/models/wind-wf01/versions/v9/infer", kOneRow),
            std::make_pair(404, json{{"error", "unknown version \"v9\" of model \"wind-wf01\"; the served version is \"v2.1\""}}));
  EXPECT_EQ(Get("/v2/models/solar/ready").first, 404);
  auto [status, body] = Get("/v1/models");
  EXPECT_EQ(status, 404);
  EXPECT_THAT(body["error"].get<std::string>(), HasSubstr("no endpoint GET /v1/models"));
}

TEST_F(ModelServerTest, BadRequestsAre400WithAJsonErrorAndTheServerKeepsServing) {
  StartServer();
  LoadModel();
  EXPECT_EQ(Post("/v2/models/wind-wf01/infer", "{\"inputs\": [1,").first, 400);
  EXPECT_EQ(Post("/v2/models/wind-wf01/infer", R"({"inputs": [{"name": "x", "shape": [1, 2], "datatype": "BOOL", "data": [true, false]}]})"),
            std::make_pair(400, json{{"error", "input \"x\": datatype BOOL is not supported; use FP32, FP64, INT32 or INT64"}}));
  EXPECT_EQ(Post("/v2/models/wind-wf01/infer", R"({"inputs": [{"name": "ws", "shape": [1], "datatype": "FP64", "data": [1]}]})"),
            std::make_pair(400, json{{"error", "missing input \"wd\"; the model needs ws, wd"}}));
  EXPECT_EQ(Post("/v2/models/wind-wf01/infer", R"({"inputs": [{"name": "x", "shape": [3], "datatype": "FP64", "data": [1, 2, 3]}]})").first,
            400);
  EXPECT_EQ(Post("/v2/models/wind-wf01/infer", "").first, 400);
  EXPECT_EQ(Post("/v2/models/wind-wf01/infer", kOneRow).first, 200);
}

TEST_F(ModelServerTest, AnOversizedBodyIs413WithAJsonError) {
  StartServer(nullptr, 2048);
  LoadModel();
  std::string big = R"({"inputs": [{"name": "x", "shape": [1, 2], "datatype": "FP64", "data": [1, 2]}], "pad": ")" +
                    std::string(4096, 'a') + "\"}";
  EXPECT_EQ(Post("/v2/models/wind-wf01/infer", big),
            std::make_pair(413, json{{"error", "the request body is larger than 2048 bytes (--max-body-bytes); send fewer "
                                               "rows per request"}}));
  client_ = std::make_unique<httplib::Client>("127.0.0.1", server_->port());
  EXPECT_EQ(Post("/v2/models/wind-wf01/infer", kOneRow).first, 200);
}

TEST_F(ModelServerTest, AFarLargerBodyIsRefusedWith413WithoutBeingBufferedAndTheServerKeepsServing) {
  StartServer(nullptr, 2048);
  LoadModel();
  // Past four times the limit the body is read and dropped, never buffered; the answer is still 413.
  auto result = client_->Post("/v2/models/wind-wf01/infer", std::string(1 << 20, ' '), kJson);
  ASSERT_TRUE(result) << httplib::to_string(result.error());
  EXPECT_EQ(result->status, 413);
  client_ = std::make_unique<httplib::Client>("127.0.0.1", server_->port());
  EXPECT_EQ(Post("/v2/models/wind-wf01/infer", kOneRow).first, 200);
}

TEST_F(ModelServerTest, IdleKeepAliveConnectionsDoNotHoldTheWorkers) {
  StartServer();  // two worker threads
  LoadModel();
  // More open keep-alive connections than workers: each is answered at once (a worker held by an
  // idle connection would make the third wait for the 5 s idle timeout, past the 3 s read timeout).
  std::vector<std::unique_ptr<httplib::Client>> clients;
  for (int i = 0; i < 6; ++i) {
    clients.push_back(std::make_unique<httplib::Client>("127.0.0.1", server_->port()));
    clients.back()->set_keep_alive(true);
    clients.back()->set_read_timeout(3);
    clients.back()->set_tcp_nodelay(true);
  }
  for (int round = 0; round < 3; ++round) {
    for (auto& client : clients) {
      auto result = client->Post("/v2/models/wind-wf01/infer", kOneRow, kJson);
      ASSERT_TRUE(result) << "round " << round << ": " << httplib::to_string(result.error());
      EXPECT_EQ(result->status, 200);
    }
  }
}

TEST_F(ModelServerTest, ClientsThatLeaveBeforeTheirAnswerDoNotStopTheServer) {
  StartServer();
  LoadModel();
  const std::string request = "GET /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
  for (int i = 0; i < 20; ++i) {
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    ASSERT_GE(fd, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(static_cast<uint16_t>(server_->port()));
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ASSERT_EQ(connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address), 0);
    ASSERT_EQ(send(fd, request.data(), request.size(), MSG_NOSIGNAL), static_cast<ssize_t>(request.size()));
    linger reset{.l_onoff = 1, .l_linger = 0};  // close with a reset: the server's write fails
    setsockopt(fd, SOL_SOCKET, SO_LINGER, &reset, sizeof reset);
    close(fd);
  }
  EXPECT_EQ(Get("/v2/health/live"), std::make_pair(200, json{{"live", true}}));
}

TEST_F(ModelServerTest, PipelinedRequestsAreAnsweredInOrderOnOneConnection) {
  StartServer();
  LoadModel();
  const std::string infer = std::string("POST /v2/models/wind-wf01/infer HTTP/1.1\r\nHost: x\r\nContent-Length: ") +
                            std::to_string(std::strlen(kOneRow)) + "\r\n\r\n" + kOneRow;
  const std::string answer = SendAndReadUntilClosed(
      server_->port(), infer + "GET /v2/health/live HTTP/1.1\r\nHost: x\r\n\r\n" + infer +
                           "GET /v2/health/ready HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
  EXPECT_EQ(Count(answer, "HTTP/1.1 200 OK\r\n"), 4u) << answer;
  const size_t first = answer.find("\"forecast_mw\"");
  const size_t live = answer.find(R"({"live":true})");
  const size_t second = answer.find("\"forecast_mw\"", live);
  const size_t ready = answer.find(R"({"ready":true})");
  EXPECT_LT(first, live);
  EXPECT_LT(live, second);
  EXPECT_LT(second, ready);
  EXPECT_NE(ready, std::string::npos);
}

TEST_F(ModelServerTest, Http10AndConnectionCloseAreAnsweredThenClosed) {
  StartServer();
  LoadModel();
  std::string answer = SendAndReadUntilClosed(server_->port(), "GET /v2/health/live HTTP/1.0\r\n\r\n");
  EXPECT_EQ(answer.rfind("HTTP/1.0 200 OK\r\n", 0), 0u) << answer;
  EXPECT_THAT(answer, HasSubstr(R"({"live":true})"));
  answer = SendAndReadUntilClosed(server_->port(), "GET /v1 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
  EXPECT_EQ(answer.rfind("HTTP/1.1 404 Not Found\r\n", 0), 0u) << answer;
  EXPECT_THAT(answer, HasSubstr("Content-Type: application/json\r\n"));
  EXPECT_THAT(answer, HasSubstr(R"({"error":"no endpoint GET /v1;)"));
}

// A proxy holds pooled keep-alive connections and may send on one just as the pod's drain starts
// (it has not seen the endpoint go yet): that request must be answered by the model, not lost to a
// closed connection or refused with 503. Readiness is false meanwhile, and each connection closes
// after its answer, so the drain still ends well before the idle timeout.
TEST_F(ModelServerTest, ADrainAnswersRequestsOnOpenKeepAliveConnectionsThenClosesThem) {
  StartServer();
  LoadModel();
  client_->set_keep_alive(true);
  httplib::Client prober("127.0.0.1", server_->port());
  prober.set_keep_alive(true);
  EXPECT_EQ(Get("/v2/health/live").first, 200);  // both connections stay open, idle
  EXPECT_EQ(prober.Get("/v2/health/ready")->status, 200);
  const int port = server_->port();
  auto stopped = std::async(std::launch::async, [this] { server_->Stop(); });
  // The drain has begun once the listener refuses new connections.
  httplib::Client fresh("127.0.0.1", port);
  fresh.set_connection_timeout(1);
  bool refused = false;
  for (auto deadline = std::chrono::steady_clock::now() + kTimeout;
       !refused && std::chrono::steady_clock::now() < deadline;) {
    refused = !fresh.Get("/v2/health/live");
  }
  ASSERT_TRUE(refused);

  auto ready = prober.Get("/v2/health/ready");
  ASSERT_TRUE(ready) << httplib::to_string(ready.error());
  EXPECT_EQ(ready->status, 503);
  EXPECT_EQ(ready->get_header_value("Connection"), "close");
  auto infer = client_->Post("/v2/models/wind-wf01/infer", kOneRow, kJson);
  ASSERT_TRUE(infer) << httplib::to_string(infer.error());
  EXPECT_EQ(infer->status, 200) << infer->body;
  EXPECT_THAT(infer->body, HasSubstr("\"forecast_mw\""));
  EXPECT_EQ(infer->get_header_value("Connection"), "close");
  // Both connections closed after their answers: the drain is over, well before the 5 s idle timeout.
  ASSERT_EQ(stopped.wait_for(std::chrono::seconds(3)), std::future_status::ready);
}

// A connection that stays idle through the drain is closed at its idle timeout: a drain is bounded.
TEST_F(ModelServerTest, ADrainClosesAConnectionThatStaysIdleAtItsIdleTimeout) {
  StartServer();
  LoadModel();
  client_->set_keep_alive(true);
  EXPECT_EQ(Get("/v2/health/live").first, 200);
  const auto started = std::chrono::steady_clock::now();
  auto stopped = std::async(std::launch::async, [this] { server_->Stop(); });
  ASSERT_EQ(stopped.wait_for(kTimeout), std::future_status::ready);
  EXPECT_GE(std::chrono::steady_clock::now() - started, std::chrono::seconds(4));  // the 5 s idle timeout
  EXPECT_FALSE(client_->Get("/v2/health/live"));
}

TEST_F(ModelServerTest, MetricsCountRequestsByEndpointAndCodeWithLatency) {
  StartServer();
  LoadModel();
  Post("/v2/models/wind-wf01/infer", kOneRow);
  Post("/v2/models/wind-wf01/infer", kOneRow);
  Post("/v2/models/wind-wf01/infer", "nope");
  Get("/v2/health/live");
  // A request is recorded just after its response is written, so the client can be a moment
  // ahead of the counters: read /metrics until the last request shows up (bounded).
  const std::string last = "seed_serve_requests_total{endpoint=\"health_live\",code=\"200\"} 1\n";
  const std::string infers = "seed_serve_request_duration_seconds_count{endpoint=\"infer\"} 3\n";
  const std::string only_this = "seed_serve_requests_in_flight 1\n";  // the /metrics request itself
  int status = 0;
  std::string content_type, text;
  for (auto deadline = std::chrono::steady_clock::now() + kTimeout; std::chrono::steady_clock::now() < deadline;) {
    auto result = client_->Get("/metrics");
    if (!result) break;
    status = result->status;
    content_type = result->get_header_value("Content-Type");
    text = result->body;
    if (text.find(last) != std::string::npos && text.find(infers) != std::string::npos &&
        text.find(only_this) != std::string::npos) {
      break;
    }
  }
  EXPECT_EQ(status, 200);
  EXPECT_EQ(content_type, "text/plain; version=0.0.4; charset=utf-8");
  EXPECT_THAT(text, HasSubstr("seed_serve_requests_total{endpoint=\"infer\",code=\"200\"} 2\n"));
  EXPECT_THAT(text, HasSubstr("seed_serve_requests_total{endpoint=\"infer\",code=\"400\"} 1\n"));
  EXPECT_THAT(text, HasSubstr("seed_serve_requests_total{endpoint=\"health_live\",code=\"200\"} 1\n"));
  EXPECT_THAT(text, HasSubstr("seed_serve_request_duration_seconds_bucket{endpoint=\"infer\",le=\"+Inf\"} 3\n"));
  EXPECT_THAT(text, HasSubstr("seed_serve_request_duration_seconds_count{endpoint=\"infer\"} 3\n"));
  EXPECT_THAT(text, HasSubstr("seed_serve_requests_in_flight 1\n"));  // the /metrics request itself
  EXPECT_THAT(text, HasSubstr("seed_serve_model_ready 1\n"));
  // Prometheus' own linter accepts the exposition after this traffic (every family has samples).
  promtool::CheckResult checked = promtool::CheckMetrics(text);
  EXPECT_TRUE(checked.ok) << checked.output << "\n" << text;
}

TEST_F(ModelServerTest, AModelThatFailsToLoadIsNeverReadyAndSaysWhy) {
  StartServer([]() -> ServedModel { throw std::runtime_error("model.json: checksum mismatch"); });
  ASSERT_TRUE(server_->WaitUntilSettled(kTimeout));
  EXPECT_EQ(server_->state(), ModelState::kFailed);
  EXPECT_EQ(server_->load_error(), "model.json: checksum mismatch");
  EXPECT_EQ(Get("/v2/health/ready").first, 503);
  EXPECT_EQ(Post("/v2/models/wind-wf01/infer", kOneRow),
            std::make_pair(503, json{{"error", "model wind-wf01 failed to load: model.json: checksum mismatch"}}));
}

TEST_F(ModelServerTest, StopFinishesTheRequestInFlightThenRefusesConnections) {
  auto in_predict = std::make_shared<std::promise<void>>();
  auto release = std::make_shared<Gate>();
  StartServer([in_predict, release] {
    ServedModel model = testing::FakeModel();
    auto plain = model.predict;
    model.predict = [plain, in_predict, release](const double* row, double* out) {
      in_predict->set_value();  // one request only in this test
      release->Wait();
      plain(row, out);
    };
    return model;
  });
  load_gate_.Open();
  ASSERT_TRUE(server_->WaitUntilSettled(kTimeout));

  auto in_flight = std::async(std::launch::async, [port = server_->port()] {
    httplib::Client client("127.0.0.1", port);
    client.set_read_timeout(10);
    auto result = client.Post("/v2/models/wind-wf01/infer", kOneRow, kJson);
    return result ? result->status : -1;
  });
  ASSERT_EQ(in_predict->get_future().wait_for(kTimeout), std::future_status::ready);
  auto stopped = std::async(std::launch::async, [this] { server_->Stop(); });
  // The listener closes at once while the request in flight is still held.
  httplib::Client probe("127.0.0.1", server_->port());
  probe.set_connection_timeout(1);
  bool refused = false;
  for (auto deadline = std::chrono::steady_clock::now() + kTimeout; !refused && std::chrono::steady_clock::now() < deadline;) {
    refused = !probe.Get("/v2/health/live");
  }
  EXPECT_TRUE(refused);
  EXPECT_EQ(stopped.wait_for(std::chrono::milliseconds(0)), std::future_status::timeout);
  release->Open();
  ASSERT_EQ(in_flight.wait_for(kTimeout), std::future_status::ready);
  EXPECT_EQ(in_flight.get(), 200);
  ASSERT_EQ(stopped.wait_for(kTimeout), std::future_status::ready);
}

}  // namespace
}  // namespace seed::serve
