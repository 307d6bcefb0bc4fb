#include "kube/error.h"

#include <algorithm>
#include <charconv>
#include <nlohmann/json.hpp>

namespace kube {

std::string_view ErrorCodeName(ErrorCode code) {
  switch (code) {
    case ErrorCode::kApi: return "api";
    case ErrorCode::kTransport: return "transport";
    case ErrorCode::kTimeout: return "timeout";
    case ErrorCode::kCancelled: return "cancelled";
    case ErrorCode::kDecode: return "decode";
    case ErrorCode::kConfig: return "config";
    case ErrorCode::kNotLeader: return "not-leader";
    case ErrorCode::kInvalidArgument: return "invalid-argument";
  }
  return "unknown";
}

std::string Error::ToString() const {
  std::string out;
  if (code == ErrorCode::kApi) {
    out = "HTTP " + std::to_string(http_status);
    if (!reason.empty()) out += " " + reason;
  } else {
    out = std::string(ErrorCodeName(code));
  }
  if (!message.empty()) out += ": " + message;
  for (const auto& cause : causes) {
    out += "; " + (cause.field.empty() ? std::string() : cause.field + ": ") + cause.message;
  }
  return out;
}

Error MakeError(ErrorCode code, std::string message) {
  Error e;
  e.code = code;
  e.message = std::move(message);
  return e;
}

namespace {

// apimachinery's reasonForCode for responses that carry no Status body.
std::string ReasonForStatus(int status) {
  switch (status) {
    case 400: return "BadRequest";
    case 401: return "Unauthorized";
    case 403: return "Forbidden";
    case 404: return "NotFound";
    case 405: return "MethodNotAllowed";
    case 406: return "NotAcceptable";
    case 409: return "Conflict";
    case 410: return "Gone";
    case 413: return "RequestEntityTooLarge";
    case 415: return "UnsupportedMediaType";
    case 422: return "Invalid";
    case 429: return "TooManyRequests";
    case 500: return "InternalError";
    case 503: return "ServiceUnavailable";
    case 504: return "Timeout";
    default: return status >= 500 ? "InternalError" : "Unknown";
  }
}

// A member that must be a string, "" when absent or of another type: a body from a proxy or a
// misbehaving server must never throw out of error handling.
std::string StringMember(const nlohmann::json& object, const char* key) {
  auto it = object.find(key);
  return it != object.end() && it->is_string() ? it->get<std::string>() : "";
}

}  // namespace

std::optional<std::chrono::milliseconds> ParseRetryAfter(std::string_view value) {
  while (!value.empty() && value.front() == ' ') value.remove_prefix(1);
  while (!value.empty() && value.back() == ' ') value.remove_suffix(1);
  if (value.empty()) return std::nullopt;
  long long seconds = 0;
  auto [ptr, ec] = std::from_chars(value.data(), value.data() + value.size(), seconds);
  if (ec != std::errc() || ptr != value.data() + value.size() || seconds < 0) return std::nullopt;
  return std::chrono::seconds(std::min<long long>(seconds, 3600));
}

Error ErrorFromResponse(int http_status, std::string_view body, std::string_view retry_after_header) {
  Error e;
  e.code = ErrorCode::kApi;
  e.http_status = http_status;
  e.retry_after = ParseRetryAfter(retry_after_header);
  auto status = nlohmann::json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (status.is_object() && StringMember(status, "kind") == "Status") {
    e.reason = StringMember(status, "reason");
    e.message = StringMember(status, "message");
    if (auto details = status.find("details"); details != status.end() && details->is_object()) {
      if (auto causes = details->find("causes"); causes != details->end() && causes->is_array()) {
        for (const auto& c : *causes) {
          if (!c.is_object()) continue;
          e.causes.push_back(
              {StringMember(c, "reason"), StringMember(c, "message"), StringMember(c, "field")});
        }
      }
      if (!e.retry_after) {
        if (auto s = details->find("retryAfterSeconds"); s != details->end() && s->is_number_integer()) {
          e.retry_after = std::chrono::seconds(std::clamp<long long>(s->get<long long>(), 0, 3600));
        }
      }
    }
  } else {
    constexpr size_t kMaxBody = 512;  // keep logs readable when a proxy returns an HTML page
    e.message = std::string(body.substr(0, kMaxBody));
  }
  if (e.reason.empty()) e.reason = ReasonForStatus(http_status);
  return e;
}

bool IsNotFound(const Error& e) { return e.code == ErrorCode::kApi && e.http_status == 404; }
bool IsAlreadyExists(const Error& e) {
  return e.code == ErrorCode::kApi && e.http_status == 409 && e.reason == "AlreadyExists";
}
bool IsConflict(const Error& e) {
  return e.code == ErrorCode::kApi && e.http_status == 409 && e.reason != "AlreadyExists";
}
bool IsGone(const Error& e) {
  return e.code == ErrorCode::kApi &&
         (e.http_status == 410 || e.reason == "Expired" || e.reason == "Gone");
}
bool IsExpired(const Error& e) { return IsGone(e); }
bool IsForbidden(const Error& e) { return e.code == ErrorCode::kApi && e.http_status == 403; }
bool IsUnauthorized(const Error& e) { return e.code == ErrorCode::kApi && e.http_status == 401; }
bool IsInvalid(const Error& e) {
  return e.code == ErrorCode::kApi && (e.http_status == 422 || e.reason == "Invalid");
}
bool IsTooManyRequests(const Error& e) { return e.code == ErrorCode::kApi && e.http_status == 429; }
bool IsNotLeader(const Error& e) { return e.code == ErrorCode::kNotLeader; }
bool IsCancelled(const Error& e) { return e.code == ErrorCode::kCancelled; }

}  // namespace kube
