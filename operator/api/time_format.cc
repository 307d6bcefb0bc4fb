#include "api/time_format.h"

#include <date/date.h>
#include <date/tz.h>

#include <regex>
#include <sstream>

namespace seed::api {

std::optional<Seconds> ParseRfc3339(const std::string& text) {
  static const std::regex kTime(
      "([0-9]{4})-([0-9]{2})-([0-9]{2})[Tt ]([0-9]{2}):([0-9]{2}):([0-9]{2})(\\.[0-9]+)?"
      "([Zz]|[+-][0-9]{2}:[0-9]{2})");
  std::smatch match;
  if (!std::regex_match(text, match, kTime)) return std::nullopt;
  auto number = [&](int group) { return std::stoi(match[group].str()); };
  date::year_month_day day{date::year{number(1)}, date::month(number(2)), date::day(number(3))};
  if (!day.ok() || number(4) > 23 || number(5) > 59 || number(6) > 60) return std::nullopt;
  Seconds time = date::sys_days(day) + std::chrono::hours(number(4)) + std::chrono::minutes(number(5)) +
                 std::chrono::seconds(number(6));
  std::string offset = match[8].str();
  if (offset != "Z" && offset != "z") {
    int sign = offset[0] == '-' ? -1 : 1;
    int hours = std::stoi(offset.substr(1, 2));
    int minutes = std::stoi(offset.substr(4, 2));
    time -= sign * (std::chrono::hours(hours) + std::chrono::minutes(minutes));
  }
  return time;
}

std::string FormatRfc3339(Seconds time) { return date::format("%Y-%m-%dT%H:%M:%SZ", time); }

std::string FormatRfc3339In(Seconds time, const date::time_zone* zone) {
  if (zone == nullptr) return FormatRfc3339(time);
  auto info = zone->get_info(time);
  if (info.offset == std::chrono::seconds(0)) return FormatRfc3339(time);
  auto local = date::local_seconds((time + info.offset).time_since_epoch());
  std::string text = date::format("%Y-%m-%dT%H:%M:%S", local);
  auto offset = std::chrono::duration_cast<std::chrono::minutes>(info.offset).count();
  char sign = offset < 0 ? '-' : '+';
  offset = offset < 0 ? -offset : offset;
  char buffer[8];
  std::snprintf(buffer, sizeof buffer, "%c%02d:%02d", sign, static_cast<int>(offset / 60),
                static_cast<int>(offset % 60));
  return text + buffer;
}

}  // namespace seed::api
