#include "commands/notify_message.h"

#include <stdexcept>

namespace seed::commands {

std::optional<std::string> CheckWebhookUrl(const std::string& url) {
  if (url.empty()) return "the webhook URL is empty";
  for (char c : url) {
    if (static_cast<unsigned char>(c) <= ' ' || c == 0x7f)
      return "the webhook URL contains a space or control character (a stray newline in the secret?)";
  }
  std::string rest;
  if (url.rfind("https://", 0) == 0) {
    rest = url.substr(8);
  } else if (url.rfind("http://", 0) == 0) {
    rest = url.substr(7);
  } else {
    return "the webhook URL must start with https:// or http://";
  }
  std::string host = rest.substr(0, rest.find_first_of("/?#"));
  if (auto at = host.rfind('@'); at != std::string::npos) host = host.substr(at + 1);
  if (host.empty() || host[0] == ':') return "the webhook URL has no host";
  return std::nullopt;
}

std::optional<WebhookFormat> ParseWebhookFormat(const std::string& name) {
  if (name == "slack") return WebhookFormat::kSlack;
  if (name == "dingtalk") return WebhookFormat::kDingTalk;
  if (name == "wecom") return WebhookFormat::kWeCom;
  if (name == "alertmanager") return WebhookFormat::kAlertmanager;
  if (name == "json") return WebhookFormat::kJson;
  return std::nullopt;
}

namespace {

std::string FailureLines(const nlohmann::json& failures) {
  std::string text;
  for (const auto& failure : failures) {
    if (!failure.is_object()) continue;
    std::string line = failure.value("task", "?");
    if (failure.contains("item") && failure["item"].is_number_integer())
      line += "[" + std::to_string(failure["item"].get<int64_t>()) + "]";
    std::string reason = failure.value("reason", "");
    std::string message = failure.value("message", "");
    if (!reason.empty()) line += ": " + reason;
    if (!message.empty()) line += ": " + message;
    text += (text.empty() ? "" : "\n") + line;
  }
  return text;
}

}  // namespace

std::string RenderNotifyText(const std::string& text_template, const NotifyMessage& message) {
  std::string out;
  size_t pos = 0;
  while (pos < text_template.size()) {
    size_t start = text_template.find("${", pos);
    if (start == std::string::npos) {
      out += text_template.substr(pos);
      break;
    }
    out += text_template.substr(pos, start - pos);
    size_t end = text_template.find('}', start);
    if (end == std::string::npos)
      throw std::invalid_argument("--template: \"${\" at character " + std::to_string(start + 1) +
                                  " is not closed by \"}\"");
    std::string name = text_template.substr(start + 2, end - start - 2);
    if (name == "run") {
      out += message.run;
    } else if (name == "status") {
      out += message.status;
    } else if (name == "link") {
      out += message.link;
    } else if (name == "count") {
      out += std::to_string(message.failures.size());
    } else if (name == "failures") {
      out += FailureLines(message.failures);
    } else if (name == "failures_json") {
      out += message.failures.dump();
    } else {
      throw std::invalid_argument(
          "--template: unknown placeholder ${" + name +
          "}; use ${run}, ${status}, ${link}, ${count}, ${failures} or ${failures_json}");
    }
    pos = end + 1;
  }
  return out;
}

nlohmann::json NotifyBody(WebhookFormat format, const std::string& text, const NotifyMessage& message) {
  switch (format) {
    case WebhookFormat::kSlack:
      return {{"text", text}};
    case WebhookFormat::kDingTalk:
    case WebhookFormat::kWeCom:
      return {{"msgtype", "text"}, {"text", {{"content", text}}}};
    case WebhookFormat::kAlertmanager: {
      // POST /api/v2/alerts: a list of alerts; labels identify it, annotations describe it.
      nlohmann::json alert = {{"labels",
                               {{"alertname", "SeedPipelineRun" + message.status},
                                {"run", message.run},
                                {"status", message.status},
                                {"severity", message.status == "Succeeded" ? "info" : "critical"}}},
                              {"annotations", {{"summary", text}, {"failures", message.failures.dump()}}}};
      if (!message.link.empty()) alert["generatorURL"] = message.link;
      return nlohmann::json::array({alert});
    }
    case WebhookFormat::kJson:
      break;
  }
  return {{"run", message.run},
          {"status", message.status},
          {"failures", message.failures},
          {"link", message.link},
          {"text", text}};
}

bool ReplyAccepted(WebhookFormat format, const std::string& reply) {
  if (format != WebhookFormat::kDingTalk && format != WebhookFormat::kWeCom) return true;
  nlohmann::json body = nlohmann::json::parse(reply, nullptr, false);
  if (!body.is_object() || !body.contains("errcode")) return true;
  return body["errcode"] == 0;
}

}  // namespace seed::commands
