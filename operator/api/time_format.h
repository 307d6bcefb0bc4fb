#pragma once
// RFC 3339 timestamps as Kubernetes writes them (metav1.Time: seconds, UTC, "Z").
#include <chrono>
#include <nlohmann/json_fwd.hpp>
#include <optional>
#include <string>

namespace date {
class time_zone;
}

namespace seed::api {

using Seconds = std::chrono::sys_seconds;

// Accepts "2026-11-22T00:15:00Z", fractional seconds and numeric offsets ("+08:00").
std::optional<Seconds> ParseRfc3339(const std::string& text);
// "2026-11-22T00:15:00Z".
std::string FormatRfc3339(Seconds time);
// The same instant in `zone` with its offset: "2026-11-22T08:15:00+08:00".
std::string FormatRfc3339In(Seconds time, const date::time_zone* zone);
// object[key] as a time; nullopt when it is absent, not a string or not RFC 3339 (a status field).
std::optional<Seconds> TimeField(const nlohmann::json& object, const char* key);

}  // namespace seed::api
