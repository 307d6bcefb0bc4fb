#include "kube/logging.h"

#include <spdlog/sinks/stdout_sinks.h>

#include <atomic>
#include <chrono>
#include <ctime>
#include <nlohmann/json.hpp>

namespace kube {

namespace {

// LogFields marks where its fields start; the formatter renders them as text or JSON.
constexpr char kFieldMark = '\x1f';
// Set once our formatter is installed; before that LogFields renders fields inline as text.
std::atomic<bool> g_formatter_installed{false};

std::string Timestamp(spdlog::log_clock::time_point tp) {
  auto t = spdlog::log_clock::to_time_t(tp);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[40];
  std::strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%S", &tm);
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(tp.time_since_epoch()).count() % 1000;
  char out[48];
  std::snprintf(out, sizeof(out), "%s.%03dZ", buf, static_cast<int>(ms));
  return out;
}

class SeedFormatter : public spdlog::formatter {
 public:
  explicit SeedFormatter(LogFormat format) : format_(format) {}

  void format(const spdlog::details::log_msg& msg, spdlog::memory_buf_t& dest) override {
    std::string payload = RedactSecrets(std::string_view(msg.payload.data(), msg.payload.size()));
    std::string text = payload;
    nlohmann::json fields = nlohmann::json::array();
    if (auto mark = payload.find(kFieldMark); mark != std::string::npos) {
      text = payload.substr(0, mark);
      fields = nlohmann::json::parse(payload.substr(mark + 1), nullptr, false);
      if (!fields.is_array()) fields = nlohmann::json::array();
    }
    auto level = spdlog::level::to_string_view(msg.level);
    std::string logger(msg.logger_name.data(), msg.logger_name.size());
    std::string line;
    if (format_ == LogFormat::kJson) {
      nlohmann::ordered_json j;
      j["ts"] = Timestamp(msg.time);
      j["level"] = std::string(level.data(), level.size());
      j["logger"] = logger.empty() ? "seed" : logger;
      j["msg"] = text;
      for (const auto& kv : fields) j[kv[0].get<std::string>()] = kv[1];
      line = j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
    } else {
      line = Timestamp(msg.time) + " " + std::string(level.data(), level.size()) + " " + text;
      for (const auto& kv : fields) {
        std::string value = kv[1].get<std::string>();
        bool quote = value.empty() || value.find_first_of(" \"=") != std::string::npos;
        line += " " + kv[0].get<std::string>() + "=" + (quote ? nlohmann::json(value).dump() : value);
      }
      line += "\n";
    }
    dest.append(line.data(), line.data() + line.size());
  }

  std::unique_ptr<spdlog::formatter> clone() const override { return std::make_unique<SeedFormatter>(format_); }

 private:
  LogFormat format_;
};

}  // namespace

std::unique_ptr<spdlog::formatter> MakeLogFormatter(LogFormat format) {
  g_formatter_installed = true;
  return std::make_unique<SeedFormatter>(format);
}

std::string RedactSecrets(std::string_view text) {
  std::string out(text);
  for (const char* marker : {"Bearer ", "bearer ", "token=", "\"token\":\""}) {
    size_t pos = 0;
    std::string m = marker;
    while ((pos = out.find(m, pos)) != std::string::npos) {
      size_t start = pos + m.size();
      size_t end = start;
      while (end < out.size() && out[end] != ' ' && out[end] != '"' && out[end] != '\n' && out[end] != ',' &&
             out[end] != '&') {
        ++end;
      }
      if (end > start) out.replace(start, end - start, "[REDACTED]");
      pos = start + 10;
    }
  }
  return out;
}

Status SetupLogging(const std::string& level, const std::string& format) {
  LogFormat f;
  if (format == "json") f = LogFormat::kJson;
  else if (format == "text") f = LogFormat::kText;
  else return MakeError(ErrorCode::kInvalidArgument, "--log-format must be json or text, not \"" + format + "\"");
  auto lvl = spdlog::level::from_str(level);
  if (lvl == spdlog::level::off && level != "off") {
    return MakeError(ErrorCode::kInvalidArgument,
                     "--log-level must be one of trace, debug, info, warn, error, not \"" + level + "\"");
  }
  auto logger = std::make_shared<spdlog::logger>("seed", std::make_shared<spdlog::sinks::stderr_sink_mt>());
  logger->set_formatter(MakeLogFormatter(f));
  logger->set_level(lvl);
  logger->flush_on(spdlog::level::trace);
  spdlog::set_default_logger(logger);
  return {};
}

void LogFields(spdlog::level::level_enum level, std::string_view message,
               std::initializer_list<std::pair<std::string_view, std::string>> fields) {
  auto logger = spdlog::default_logger_raw();
  if (!logger->should_log(level)) return;
  if (!g_formatter_installed) {
    std::string line(message);
    for (const auto& [k, v] : fields) line += " " + std::string(k) + "=" + v;
    logger->log(level, "{}", RedactSecrets(line));
    return;
  }
  nlohmann::json f = nlohmann::json::array();
  for (const auto& [k, v] : fields) f.push_back({std::string(k), v});
  std::string payload(message);
  payload += kFieldMark;
  payload += f.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  logger->log(level, "{}", payload);
}

}  // namespace kube
