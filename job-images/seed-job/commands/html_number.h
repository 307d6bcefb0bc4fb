#pragma once
// How the HTML reports print a number: printf-formatted, and an en dash where there is none.
#include <cmath>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <string>

namespace seed::commands {

inline std::string Fmt(const char* format, double value) {
  if (std::isnan(value)) return "&ndash;";
  char buf[64];
  std::snprintf(buf, sizeof buf, format, value);
  return buf;
}

// A statistic read from JSON: null (not computed) prints as the dash too.
inline std::string Fmt(const char* format, const nlohmann::json& value) {
  return Fmt(format, value.is_number() ? value.get<double>() : std::nan(""));
}

}  // namespace seed::commands
