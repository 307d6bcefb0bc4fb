// seed-job notify: POST a JSON message about a run (status, failures, link) to a chat or alerting
// webhook (Slack, DingTalk, WeCom, Alertmanager, or plain JSON), with retries and a timeout.
// The URL comes from a file or an environment variable (a Secret), never from argv.

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <memory>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>

#include "commands/commands.h"
#include "commands/notify_message.h"
#include "io/input_error.h"
#include "io/results.h"
#include "storage/http_transfer.h"

namespace seed::commands {
namespace {

struct NotifyFlags {
  std::string url_file;
  std::string url_env;
  std::string format = "json";
  std::string text_template = "Seed run ${run}: ${status}\n${failures}";
  std::string run;
  std::string status;
  std::string failures = "[]";
  std::string link;
  std::vector<std::string> on;
  int retries = 3;
  double timeout = 10;
  double retry_wait = 1;
};

std::string TrimUrl(std::string text) {
  size_t end = text.find_last_not_of(" \t\r\n");
  text.erase(end == std::string::npos ? 0 : end + 1);
  size_t begin = text.find_first_not_of(" \t\r\n");
  return begin == std::string::npos ? "" : text.substr(begin);
}

std::string ReadWebhookUrl(const NotifyFlags& f) {
  if (!f.url_file.empty()) {
    std::ifstream in(f.url_file);
    if (!in) throw io::InputError(f.url_file, "cannot read the webhook URL file");
    std::stringstream text;
    text << in.rdbuf();
    std::string url = TrimUrl(text.str());
    if (auto problem = CheckWebhookUrl(url)) throw io::InputError(f.url_file, *problem);
    return url;
  }
  std::string name = f.url_env.empty() ? "WEBHOOK_URL" : f.url_env;
  const char* value = std::getenv(name.c_str());
  if (!value || !*value)
    throw io::UsageError("the environment variable " + name +
                         " (the webhook URL) is not set: give --url-file or --url-env, e.g. from a Secret");
  std::string url = TrimUrl(value);
  if (auto problem = CheckWebhookUrl(url)) throw io::UsageError("$" + name + ": " + *problem);
  return url;
}

struct PostAttempt {
  bool delivered = false;
  bool retryable = false;
  long http_status = 0;
  std::string problem;
};

PostAttempt PostOnce(const std::string& url, const std::string& body, double timeout, WebhookFormat format) {
  PostAttempt result;
  // The storage room's HTTP client: one libcurl for every seed-job request, loaded on first use
  // (so --help stays quick). No endpoint and no credentials: a plain, unsigned POST.
  storage::StorageConfig config;
  config.connect_timeout = config.stall_timeout = std::chrono::seconds(std::max(1L, std::lround(std::ceil(timeout))));
  storage::HttpTransfer transfer(config);
  storage::HttpRequest request;
  request.method = "POST";
  request.url = url;
  request.headers = {"Content-Type: application/json; charset=utf-8"};
  request.body = body;
  request.sign = false;
  const storage::HttpResponse response = transfer.Perform(request);
  if (response.transport != storage::HttpResponse::Transport::kOk) {
    result.retryable = response.transport == storage::HttpResponse::Transport::kRetryable;
    result.problem = response.transport_error;
    return result;
  }
  result.http_status = response.status;
  const std::string& reply = response.body;
  if (result.http_status >= 200 && result.http_status < 300) {
    result.delivered = ReplyAccepted(format, reply);
    if (!result.delivered) result.problem = "the webhook refused the message: " + reply.substr(0, 200);
    return result;
  }
  result.retryable = result.http_status >= 500 || result.http_status == 429 || result.http_status == 408;
  result.problem =
      "HTTP " + std::to_string(result.http_status) + (reply.empty() ? "" : ": " + reply.substr(0, 200));
  return result;
}

void Run(const NotifyFlags& f) {
  auto format = ParseWebhookFormat(f.format);
  if (!format)
    throw io::UsageError("--format " + f.format + ": use slack, dingtalk, wecom, alertmanager or json");
  NotifyMessage message;
  message.run = f.run;
  if (message.run.empty()) {
    const char* run = std::getenv("SEED_RUN");
    message.run = run ? run : "";
  }
  message.status = f.status;
  message.link = f.link;
  message.failures = nlohmann::json::parse(f.failures, nullptr, false);
  if (!message.failures.is_array())
    throw io::UsageError(
        "--failures must be a JSON list such as [{\"task\": \"train\", \"message\": \"...\"}]");
  std::string text;
  try {
    text = RenderNotifyText(f.text_template, message);
  } catch (const std::invalid_argument& e) {
    throw io::UsageError(e.what());
  }
  std::string url =
      ReadWebhookUrl(f);  // checked before deciding to skip: a bad URL is found on the good days too
  io::Results results;
  if (!f.on.empty() && std::find(f.on.begin(), f.on.end(), f.status) == f.on.end()) {
    std::cout << "notify: status " << f.status << " is not in --on; nothing sent\n";
    results.Set("sent", false);
    results.Flush();
    return;
  }
  std::string body = NotifyBody(*format, text, message).dump();
  PostAttempt last;
  int attempts = 0;
  for (int attempt = 0; attempt <= f.retries; ++attempt) {
    if (attempt > 0) {
      // 1 s, 2 s, 4 s ... (scaled by --retry-wait), capped at 30 s.
      double wait = std::min(30.0, f.retry_wait * static_cast<double>(1 << std::min(attempt - 1, 10)));
      std::this_thread::sleep_for(std::chrono::duration<double>(wait));
    }
    ++attempts;
    last = PostOnce(url, body, f.timeout, *format);
    if (last.delivered || !last.retryable) break;
    std::cerr << "notify: attempt " << attempts << " failed: " << last.problem << "\n";
  }
  results.Set("sent", last.delivered);
  results.Set("attempts", attempts);
  results.Set("httpStatus", last.http_status);
  results.Flush();
  if (!last.delivered)
    throw std::runtime_error("the webhook did not take the message after " + std::to_string(attempts) +
                             " attempt(s): " + last.problem);
  std::cout << "notify: sent (" << f.format << ", HTTP " << last.http_status << ", " << attempts << " attempt"
            << (attempts == 1 ? "" : "s") << ")\n";
}

}  // namespace

void AddNotify(CLI::App& app) {
  auto flags = std::make_shared<NotifyFlags>();
  CLI::App* cmd = app.add_subcommand(
      "notify",
      "POST a message about a run (status, failures, link) to a Slack, DingTalk, WeCom, Alertmanager "
      "or JSON webhook; exit 2 on a bad URL or template, 1 when every attempt failed");
  auto* file =
      cmd->add_option("--url-file", flags->url_file, "File holding the webhook URL (a mounted Secret)");
  cmd->add_option("--url-env", flags->url_env,
                  "Environment variable holding the webhook URL (default WEBHOOK_URL)")
      ->excludes(file);
  cmd->add_option("--format", flags->format, "Body shape: slack, dingtalk, wecom, alertmanager or json")
      ->capture_default_str();
  cmd->add_option(
         "--template", flags->text_template,
         "Message text; placeholders ${run}, ${status}, ${link}, ${count}, ${failures}, ${failures_json}")
      ->capture_default_str();
  cmd->add_option("--run", flags->run, "Run name (default $SEED_RUN)");
  cmd->add_option("--status", flags->status, "Run status, e.g. {{run.status}} in a finally task")->required();
  cmd->add_option("--failures", flags->failures, "JSON list of failures, e.g. {{run.failures}}")
      ->capture_default_str();
  cmd->add_option("--link", flags->link, "Link to the run (dashboard, report)");
  cmd->add_option("--on", flags->on,
                  "Send only for these statuses (e.g. --on Failed --on Cancelled); default all");
  cmd->add_option("--retries", flags->retries, "Retries after a failed attempt (connection error, 5xx, 429)")
      ->check(CLI::Range(0, 10))
      ->capture_default_str();
  cmd->add_option("--timeout", flags->timeout, "Seconds per attempt")
      ->check(CLI::Range(0.1, 300.0))
      ->capture_default_str();
  cmd->add_option("--retry-wait", flags->retry_wait,
                  "Seconds before the first retry (doubling, capped at 30)")
      ->check(CLI::Range(0.0, 30.0))
      ->capture_default_str();
  cmd->callback([flags] { Run(*flags); });
}

}  // namespace seed::commands
