#pragma once
// Timestamps: RFC 3339 with an explicit UTC offset in every file we read or write. Internally a
// time is Unix seconds (UTC); the offset is kept only to write files in the plant's local time.
#include <cstdint>
#include <string>
#include <string_view>

namespace seed::io {

struct ParsedTime {
  int64_t unix_seconds = 0;
  int offset_minutes = 0;  // the offset written in the text, e.g. +08:00 -> 480
};

// Parses "2024-05-01T00:15:00+08:00" (also "Z", a space instead of 'T', and fractional seconds,
// which are truncated). Throws std::invalid_argument with a message that says what is expected.
ParsedTime ParseRfc3339(std::string_view text);

// Formats as "YYYY-MM-DDTHH:MM:SS+HH:MM" (or "Z" when offset is 0 and use_z is true).
std::string FormatRfc3339(int64_t unix_seconds, int offset_minutes, bool use_z = false);

// Parses an offset such as "+08:00", "-05:30" or "Z". Throws std::invalid_argument.
int ParseUtcOffset(std::string_view text);

constexpr int64_t kQuarterHour = 15 * 60;
constexpr int64_t kDay = 24 * 3600;

}  // namespace seed::io
