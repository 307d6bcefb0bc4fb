#pragma once
// `seed-job notify`, the pure part: the webhook URL check, the message text from a template, and
// the JSON body in the shape each receiver expects. No I/O here (notify.cc posts it).
//
// Template placeholders (`${...}`, so that a pipeline's own {{...}} expressions fill the values
// first): ${run}, ${status}, ${link}, ${count} (failures), ${failures} (one "task[item]: reason:
// message" per line), ${failures_json}. Anything else in ${...} is an error.
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

namespace seed::commands {

enum class WebhookFormat { kSlack, kDingTalk, kWeCom, kAlertmanager, kJson };

struct NotifyMessage {
  std::string run;
  std::string status;                                 // Succeeded | Failed | Cancelled | ...
  nlohmann::json failures = nlohmann::json::array();  // [{task, item?, reason, message}]
  std::string link;
};

// nullopt for a usable http(s) URL with a host; else what is wrong (never echoing the URL, which
// may carry a token).
std::optional<std::string> CheckWebhookUrl(const std::string& url);
std::optional<WebhookFormat> ParseWebhookFormat(const std::string& name);
// The template filled in; throws std::invalid_argument naming the bad placeholder.
std::string RenderNotifyText(const std::string& text_template, const NotifyMessage& message);
// The request body for `format`, carrying `text`.
nlohmann::json NotifyBody(WebhookFormat format, const std::string& text, const NotifyMessage& message);
// Whether a 2xx reply body means accepted: DingTalk and WeCom answer 200 with {"errcode": N}.
bool ReplyAccepted(WebhookFormat format, const std::string& reply);

}  // namespace seed::commands
