#include "api/time_format.h"

#include <date/date.h>
#include <date/tz.h>

#include <cstdio>
#include <nlohmann/json.hpp>

namespace seed::api {

namespace {

// The value of text[at, at + n) if all are digits.
std::optional<int> Digits(const std::string& text, size_t at, size_t n) {
  if (at + n > text.size()) return std::nullopt;
  int value = 0;
  for (size_t i = at; i < at + n; ++i) {
    if (text[i] < '0' || text[i] > '9') return std::nullopt;
    value = value * 10 + (text[i] - '0');
  }
  return value;
}

}  // namespace

// By hand rather than with std::regex and streams: every reconcile reads and writes several
// timestamps, and at a scheduled time of 10,000 Pipelines the regex and stream versions were 6 % of
// the operator's CPU.
std::optional<Seconds> ParseRfc3339(const std::string& text) {
  // YYYY-MM-DD[Tt ]HH:MM:SS(.fraction)?(Z|z|+HH:MM|-HH:MM), nothing before or after.
  const auto year = Digits(text, 0, 4), month = Digits(text, 5, 2), day = Digits(text, 8, 2);
  const auto hour = Digits(text, 11, 2), minute = Digits(text, 14, 2), second = Digits(text, 17, 2);
  if (!year || !month || !day || !hour || !minute || !second || text[4] != '-' || text[7] != '-' ||
      (text[10] != 'T' && text[10] != 't' && text[10] != ' ') || text[13] != ':' || text[16] != ':') {
    return std::nullopt;
  }
  size_t at = 19;
  if (at < text.size() && text[at] == '.') {
    const size_t digits_end = text.find_first_not_of("0123456789", at + 1);
    if (digits_end == at + 1) return std::nullopt;  // a '.' needs digits
    at = digits_end == std::string::npos ? text.size() : digits_end;
  }
  std::chrono::minutes offset{0};
  if (at + 1 == text.size() && (text[at] == 'Z' || text[at] == 'z')) {
    // UTC
  } else if (at + 6 == text.size() && (text[at] == '+' || text[at] == '-') && text[at + 3] == ':') {
    const auto offset_hours = Digits(text, at + 1, 2), offset_minutes = Digits(text, at + 4, 2);
    if (!offset_hours || !offset_minutes) return std::nullopt;
    offset = std::chrono::hours(*offset_hours) + std::chrono::minutes(*offset_minutes);
    if (text[at] == '-') offset = -offset;
  } else {
    return std::nullopt;
  }
  const date::year_month_day ymd{date::year{*year}, date::month(static_cast<unsigned>(*month)),
                                 date::day(static_cast<unsigned>(*day))};
  if (!ymd.ok() || *hour > 23 || *minute > 59 || *second > 60) return std::nullopt;
  return date::sys_days(ymd) + std::chrono::hours(*hour) + std::chrono::minutes(*minute) +
         std::chrono::seconds(*second) - offset;
}

namespace {

// "YYYY-MM-DDTHH:MM:SS" of a UTC or local time.
template <typename Clock>
std::string FormatDateTime(std::chrono::time_point<Clock, std::chrono::seconds> time) {
  const auto days = std::chrono::floor<date::days>(time);
  const date::year_month_day ymd{days};
  const date::hh_mm_ss<std::chrono::seconds> clock{time - days};
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%04d-%02u-%02uT%02d:%02d:%02d", static_cast<int>(ymd.year()),
                static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()),
                static_cast<int>(clock.hours().count()), static_cast<int>(clock.minutes().count()),
                static_cast<int>(clock.seconds().count()));
  return buffer;
}

}  // namespace

std::string FormatRfc3339(Seconds time) { return FormatDateTime(time) + "Z"; }

std::string FormatRfc3339In(Seconds time, const date::time_zone* zone) {
  if (zone == nullptr) return FormatRfc3339(time);
  auto info = zone->get_info(time);
  if (info.offset == std::chrono::seconds(0)) return FormatRfc3339(time);
  auto local = date::local_seconds((time + info.offset).time_since_epoch());
  std::string text = FormatDateTime(local);
  auto offset = std::chrono::duration_cast<std::chrono::minutes>(info.offset).count();
  char sign = offset < 0 ? '-' : '+';
  offset = offset < 0 ? -offset : offset;
  char buffer[8];
  std::snprintf(buffer, sizeof buffer, "%c%02d:%02d", sign, static_cast<int>(offset / 60),
                static_cast<int>(offset % 60));
  return text + buffer;
}

std::optional<Seconds> TimeField(const nlohmann::json& object, const char* key) {
  auto it = object.find(key);
  if (it == object.end() || !it->is_string()) return std::nullopt;
  return ParseRfc3339(it->get<std::string>());
}

}  // namespace seed::api
