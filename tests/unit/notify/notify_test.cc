// seed-job notify: the message and body shapes, and real POSTs to a loopback HTTP receiver
// (retries on 503, no retry on 400, DingTalk's errcode, the per-attempt timeout, bad URLs).
#include <gtest/gtest.h>
#include <httplib.h>
#include <stdlib.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <condition_variable>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <thread>

#include "commands/commands.h"
#include "commands/notify_message.h"
#include "io/input_error.h"

namespace seed::commands {
namespace {

using nlohmann::json;

const json kFailures = json::parse(
    R"json([{"task": "forecast", "item": 7, "reason": "", "message": "exit code 1: no NWP for wf08"},
        {"task": "report", "reason": "Timeout", "message": "exceeded timeoutSeconds (600)"}])json");

TEST(NotifyMessageTest, ChecksUrlsWithoutEchoingThem) {
  EXPECT_EQ(CheckWebhookUrl("https://oapi.dingtalk.com/robot/send?access_token=abc"), std::nullopt);
  EXPECT_EQ(CheckWebhookUrl("http://127.0.0.1:9093/api/v2/alerts"), std::nullopt);
  EXPECT_EQ(CheckWebhookUrl("ftp://example.com/x"), "the webhook URL must start with https:// or http://");
  EXPECT_EQ(CheckWebhookUrl("https:///path"), "the webhook URL has no host");
  EXPECT_EQ(CheckWebhookUrl("https://hooks.slack.com/x\n"),
            "the webhook URL contains a space or control character (a stray newline in the secret?)");
  EXPECT_EQ(CheckWebhookUrl(""), "the webhook URL is empty");
}

TEST(NotifyMessageTest, RendersTheTemplate) {
  NotifyMessage message{"fleet-29922735", "Failed", kFailures, "https://grafana.example.com/d/seed"};
  EXPECT_EQ(RenderNotifyText("Run ${run} ${status} (${count} failures) ${link}\n${failures}", message),
            "Run fleet-29922735 Failed (2 failures) https://grafana.example.com/d/seed\n"
            "forecast[7]: exit code 1: no NWP for wf08\nreport: Timeout: exceeded timeoutSeconds (600)");
  EXPECT_EQ(json::parse(RenderNotifyText("${failures_json}", message)), kFailures);
  EXPECT_THROW(RenderNotifyText("${rn}", message), std::invalid_argument);
  EXPECT_THROW(RenderNotifyText("${run", message), std::invalid_argument);
  EXPECT_EQ(RenderNotifyText("no placeholders, $ and {} kept", message), "no placeholders, $ and {} kept");
}

TEST(NotifyMessageTest, BodiesHaveEachReceiversShape) {
  NotifyMessage message{"fleet-1", "Failed", kFailures, "https://x.example/run"};
  EXPECT_EQ(NotifyBody(WebhookFormat::kSlack, "hi", message), json({{"text", "hi"}}));
  json text_message = {{"msgtype", "text"}, {"text", {{"content", "hi"}}}};
  EXPECT_EQ(NotifyBody(WebhookFormat::kDingTalk, "hi", message), text_message);
  EXPECT_EQ(NotifyBody(WebhookFormat::kWeCom, "hi", message), text_message);
  json alerts = NotifyBody(WebhookFormat::kAlertmanager, "hi", message);
  ASSERT_TRUE(alerts.is_array());
  EXPECT_EQ(alerts[0]["labels"]["alertname"], "SeedPipelineRunFailed");
  EXPECT_EQ(alerts[0]["labels"]["severity"], "critical");
  EXPECT_EQ(alerts[0]["generatorURL"], "https://x.example/run");
  EXPECT_EQ(json::parse(alerts[0]["annotations"]["failures"].get<std::string>()), kFailures);
  json plain = NotifyBody(WebhookFormat::kJson, "hi", message);
  EXPECT_EQ(plain["failures"], kFailures);
  EXPECT_EQ(plain["run"], "fleet-1");
  EXPECT_TRUE(ReplyAccepted(WebhookFormat::kDingTalk, R"({"errcode":0,"errmsg":"ok"})"));
  EXPECT_FALSE(ReplyAccepted(WebhookFormat::kWeCom, R"({"errcode":93000,"errmsg":"invalid webhook url"})"));
  EXPECT_TRUE(ReplyAccepted(WebhookFormat::kSlack, "ok"));
}

// A loopback receiver: answers each request with the next scripted status (then 200).
class Receiver {
 public:
  explicit Receiver(std::vector<int> statuses, std::string reply = "ok") : statuses_(std::move(statuses)) {
    server_.Post("/hook", [this, reply](const httplib::Request& request, httplib::Response& response) {
      std::unique_lock lock(mu_);
      bodies_.push_back(request.body);
      content_types_.push_back(request.get_header_value("Content-Type"));
      size_t index = bodies_.size() - 1;
      if (hang_) cv_.wait(lock, [this] { return released_; });
      response.status = index < statuses_.size() ? statuses_[index] : 200;
      response.set_content(reply, "application/json");
    });
    port_ = server_.bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { server_.listen_after_bind(); });
    // The socket already listens (bind_to_any_port): a request waits in its backlog until the loop runs.
  }
  ~Receiver() {
    {
      std::lock_guard lock(mu_);
      released_ = true;
    }
    cv_.notify_all();
    server_.stop();
    thread_.join();
  }
  std::string Url() const { return "http://127.0.0.1:" + std::to_string(port_) + "/hook"; }
  void Hang() { hang_ = true; }
  std::vector<std::string> Bodies() {
    std::lock_guard lock(mu_);
    return bodies_;
  }
  std::vector<std::string> ContentTypes() {
    std::lock_guard lock(mu_);
    return content_types_;
  }

 private:
  httplib::Server server_;
  std::thread thread_;
  int port_ = 0;
  std::vector<int> statuses_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool hang_ = false;
  bool released_ = false;
  std::vector<std::string> bodies_;
  std::vector<std::string> content_types_;
};

class NotifyCommandTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() / ("seed_notify_test_" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir_);
    results_ = (dir_ / "results.json").string();
    ::setenv("SEED_RESULTS_FILE", results_.c_str(), 1);
  }
  void TearDown() override {
    ::unsetenv("SEED_RESULTS_FILE");
    ::unsetenv("SEED_TEST_HOOK");
    std::filesystem::remove_all(dir_);
  }
  static void Run(std::vector<std::string> args) {
    CLI::App app{"seed-job"};
    app.require_subcommand(1);
    AddAll(app);
    args.insert(args.begin(), "notify");
    std::vector<std::string> reversed(args.rbegin(), args.rend());
    app.parse(reversed);
  }
  json Results() const {
    std::ifstream in(results_);
    return json::parse(in);
  }
  std::filesystem::path dir_;
  std::string results_;
};

TEST_F(NotifyCommandTest, PostsTheFailuresAndRetriesAfterA503) {
  Receiver receiver({503});
  ::setenv("SEED_TEST_HOOK", receiver.Url().c_str(), 1);
  Run({"--url-env", "SEED_TEST_HOOK", "--run", "fleet-1", "--status", "Failed", "--failures",
       kFailures.dump(), "--retry-wait", "0", "--template", "${run}: ${status}"});
  auto bodies = receiver.Bodies();
  ASSERT_EQ(bodies.size(), 2u);
  EXPECT_EQ(bodies[0], bodies[1]);
  json body = json::parse(bodies[1]);
  EXPECT_EQ(body["failures"], kFailures);
  EXPECT_EQ(body["status"], "Failed");
  EXPECT_EQ(body["text"], "fleet-1: Failed");
  EXPECT_EQ(receiver.ContentTypes()[1], "application/json; charset=utf-8");
  EXPECT_EQ(Results(), json({{"sent", true}, {"attempts", 2}, {"httpStatus", 200}}));
}

TEST_F(NotifyCommandTest, ReadsTheUrlFromAFileAndSendsSlackShape) {
  Receiver receiver({});
  std::string file = (dir_ / "url").string();
  std::ofstream(file) << receiver.Url() << "\n";  // a Secret file usually ends with a newline
  Run({"--url-file", file, "--format", "slack", "--status", "Succeeded", "--run", "r"});
  ASSERT_EQ(receiver.Bodies().size(), 1u);
  EXPECT_EQ(json::parse(receiver.Bodies()[0]), json({{"text", "Seed run r: Succeeded\n"}}));
}

TEST_F(NotifyCommandTest, SendsNothingForAStatusNotListedInOn) {
  Receiver receiver({});
  ::setenv("SEED_TEST_HOOK", receiver.Url().c_str(), 1);
  Run({"--url-env", "SEED_TEST_HOOK", "--status", "Succeeded", "--on", "Failed", "--on", "Cancelled"});
  EXPECT_TRUE(receiver.Bodies().empty());
  EXPECT_EQ(Results(), json({{"sent", false}}));
}

TEST_F(NotifyCommandTest, A400IsNotRetriedAndFails) {
  Receiver receiver({400, 400});
  ::setenv("SEED_TEST_HOOK", receiver.Url().c_str(), 1);
  EXPECT_THROW(Run({"--url-env", "SEED_TEST_HOOK", "--status", "Failed", "--retry-wait", "0"}),
               std::runtime_error);
  EXPECT_EQ(receiver.Bodies().size(), 1u);
  EXPECT_EQ(Results()["sent"], false);
}

TEST_F(NotifyCommandTest, ADingTalkErrcodeIsAFailure) {
  Receiver receiver({}, R"({"errcode": 310000, "errmsg": "keywords not in content"})");
  ::setenv("SEED_TEST_HOOK", receiver.Url().c_str(), 1);
  try {
    Run({"--url-env", "SEED_TEST_HOOK", "--format", "dingtalk", "--status", "Failed", "--retry-wait", "0"});
    FAIL() << "expected a failure";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("keywords not in content"), std::string::npos) << e.what();
  }
}

TEST_F(NotifyCommandTest, EachAttemptIsBoundedByTheTimeout) {
  Receiver receiver({});
  receiver.Hang();
  ::setenv("SEED_TEST_HOOK", receiver.Url().c_str(), 1);
  auto start = std::chrono::steady_clock::now();
  EXPECT_THROW(Run({"--url-env", "SEED_TEST_HOOK", "--status", "Failed", "--timeout", "0.3", "--retries", "1",
                    "--retry-wait", "0"}),
               std::runtime_error);
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(20));
  EXPECT_EQ(Results()["attempts"], 2);
}

TEST_F(NotifyCommandTest, BadUrlsAndTemplatesAreUsageErrors) {
  ::setenv("SEED_TEST_HOOK", "hooks.slack.com/services/x", 1);
  EXPECT_THROW(Run({"--url-env", "SEED_TEST_HOOK", "--status", "Failed"}), io::UsageError);
  ::unsetenv("SEED_TEST_HOOK");
  EXPECT_THROW(Run({"--url-env", "SEED_TEST_HOOK", "--status", "Failed"}), io::UsageError);
  ::setenv("SEED_TEST_HOOK", "http://127.0.0.1:1/hook", 1);
  EXPECT_THROW(Run({"--url-env", "SEED_TEST_HOOK", "--status", "Failed", "--template", "${oops}"}),
               io::UsageError);
  EXPECT_THROW(Run({"--url-env", "SEED_TEST_HOOK", "--status", "Failed", "--failures", "{"}), io::UsageError);
  std::string file = (dir_ / "bad-url").string();
  std::ofstream(file) << "mailto:ops@example.com";
  EXPECT_THROW(Run({"--url-file", file, "--status", "Failed"}), io::InputError);
}

}  // namespace
}  // namespace seed::commands
