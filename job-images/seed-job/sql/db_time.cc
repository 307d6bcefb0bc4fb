#include "sql/db_time.h"

#include <date/date.h>

#include <chrono>

namespace seed::sql {
namespace {

bool Digits(std::string_view text, size_t pos, size_t count, int& value) {
  if (pos + count > text.size()) return false;
  value = 0;
  for (size_t i = pos; i < pos + count; ++i) {
    if (text[i] < '0' || text[i] > '9') return false;
    value = value * 10 + (text[i] - '0');
  }
  return true;
}

}  // namespace

std::optional<int64_t> ParseDbTime(std::string_view t, int local_offset_minutes) {
  int year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0;
  if (!Digits(t, 0, 4, year) || t.size() < 10 || t[4] != '-' || !Digits(t, 5, 2, month) || t[7] != '-' ||
      !Digits(t, 8, 2, day)) {
    return std::nullopt;
  }
  size_t i = 10;
  if (i < t.size() && (t[i] == ' ' || t[i] == 'T')) {
    if (!Digits(t, i + 1, 2, hour) || i + 3 >= t.size() || t[i + 3] != ':' || !Digits(t, i + 4, 2, minute)) {
      return std::nullopt;
    }
    i += 6;
    if (i < t.size() && t[i] == ':') {
      if (!Digits(t, i + 1, 2, second)) return std::nullopt;
      i += 3;
      if (i < t.size() && t[i] == '.') {
        ++i;
        const size_t start = i;
        while (i < t.size() && t[i] >= '0' && t[i] <= '9') ++i;
        if (i == start) return std::nullopt;
      }
    }
  }
  int offset = local_offset_minutes;
  if (i < t.size()) {
    const std::string_view zone = t.substr(i);
    int oh = 0, om = 0;
    if (zone == "Z" || zone == "z") {
      offset = 0;
    } else if ((zone[0] == '+' || zone[0] == '-') && Digits(zone, 1, 2, oh)) {
      if (zone.size() == 3) {
      } else if (zone.size() == 6 && zone[3] == ':' && Digits(zone, 4, 2, om)) {
      } else if (zone.size() == 5 && Digits(zone, 3, 2, om)) {
      } else {
        return std::nullopt;
      }
      if (oh > 18 || om > 59) return std::nullopt;
      offset = (zone[0] == '-' ? -1 : 1) * (oh * 60 + om);
    } else {
      return std::nullopt;
    }
  }
  if (hour > 23 || minute > 59 || second > 60) return std::nullopt;
  const date::year_month_day ymd{date::year{year}, date::month{static_cast<unsigned>(month)},
                                 date::day{static_cast<unsigned>(day)}};
  if (!ymd.ok()) return std::nullopt;
  const int64_t days = date::sys_days{ymd}.time_since_epoch().count();
  return days * 86400 + hour * 3600 + minute * 60 + second - int64_t{offset} * 60;
}

}  // namespace seed::sql
