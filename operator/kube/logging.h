#pragma once

#include <initializer_list>
#include <string>
#include <string_view>
#include <utility>

#include <spdlog/spdlog.h>

#include "kube/result.h"

namespace kube {

enum class LogFormat { kText, kJson };

// Configures the default spdlog logger (stderr): level (trace|debug|info|warn|error) and format.
// JSON lines look like {"ts":"...","level":"info","logger":"seed","msg":"...","key":"ns/name",...}.
Status SetupLogging(const std::string& level, const std::string& format);

// A structured log line: `message` plus key=value fields (or JSON members with --log-format=json).
void LogFields(spdlog::level::level_enum level, std::string_view message,
               std::initializer_list<std::pair<std::string_view, std::string>> fields);

// Replaces bearer tokens and similar secrets in free text with [REDACTED]. Applied to every line.
std::string RedactSecrets(std::string_view text);

// Builds the formatter used by SetupLogging (exposed for tests that log into a memory sink).
std::unique_ptr<spdlog::formatter> MakeLogFormatter(LogFormat format);

}  // namespace kube
