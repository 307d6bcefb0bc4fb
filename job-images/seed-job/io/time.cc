#include "io/time.h"

#include <date/date.h>

#include <charconv>
#include <stdexcept>

namespace seed::io {
namespace {

constexpr const char* kExpected = "expected an RFC 3339 time with offset, like 2024-05-01T00:15:00+08:00";

int Digits(std::string_view text, size_t pos, size_t count) {
  if (pos + count > text.size()) throw std::invalid_argument(kExpected);
  int value = 0;
  for (size_t i = pos; i < pos + count; ++i) {
    if (text[i] < '0' || text[i] > '9') throw std::invalid_argument(kExpected);
    value = value * 10 + (text[i] - '0');
  }
  return value;
}

void Expect(std::string_view text, size_t pos, char c) {
  if (pos >= text.size() || text[pos] != c) throw std::invalid_argument(kExpected);
}

}  // namespace

int ParseUtcOffset(std::string_view text) {
  if (text == "Z" || text == "z") return 0;
  if (text.size() != 6 || (text[0] != '+' && text[0] != '-') || text[3] != ':') {
    throw std::invalid_argument("expected a UTC offset like +08:00, -05:00 or Z");
  }
  const int hours = Digits(text, 1, 2);
  const int minutes = Digits(text, 4, 2);
  if (hours > 18 || minutes > 59) throw std::invalid_argument("UTC offset out of range (max +-18:00)");
  const int total = hours * 60 + minutes;
  return text[0] == '-' ? -total : total;
}

ParsedTime ParseRfc3339(std::string_view text) {
  if (text.size() < 19) {
    if (text.size() >= 10 && text.size() <= 16) {
      throw std::invalid_argument(std::string(kExpected) + " (got a date without a full time)");
    }
    throw std::invalid_argument(kExpected);
  }
  const int year = Digits(text, 0, 4);
  Expect(text, 4, '-');
  const int month = Digits(text, 5, 2);
  Expect(text, 7, '-');
  const int day = Digits(text, 8, 2);
  if (text[10] != 'T' && text[10] != 't' && text[10] != ' ') throw std::invalid_argument(kExpected);
  const int hour = Digits(text, 11, 2);
  Expect(text, 13, ':');
  const int minute = Digits(text, 14, 2);
  Expect(text, 16, ':');
  const int second = Digits(text, 17, 2);
  size_t pos = 19;
  if (pos < text.size() && text[pos] == '.') {
    ++pos;
    const size_t start = pos;
    while (pos < text.size() && text[pos] >= '0' && text[pos] <= '9') ++pos;
    if (pos == start) throw std::invalid_argument(kExpected);
  }
  if (pos == text.size()) {
    throw std::invalid_argument("time has no UTC offset; add one, like 2024-05-01T00:15:00+08:00");
  }
  const int offset = ParseUtcOffset(text.substr(pos));

  const date::year_month_day ymd{date::year{year}, date::month{static_cast<unsigned>(month)},
                                 date::day{static_cast<unsigned>(day)}};
  if (!ymd.ok() || hour > 23 || minute > 59 || second > 60) {
    throw std::invalid_argument("no such date or time: " + std::string(text));
  }
  const int64_t days = date::sys_days{ymd}.time_since_epoch().count();
  const int64_t local = days * 86400 + hour * 3600 + minute * 60 + second;
  return ParsedTime{local - int64_t{offset} * 60, offset};
}

std::string FormatRfc3339(int64_t unix_seconds, int offset_minutes, bool use_z) {
  const int64_t local = unix_seconds + int64_t{offset_minutes} * 60;
  int64_t days = local / 86400;
  int64_t rem = local % 86400;
  if (rem < 0) {
    rem += 86400;
    --days;
  }
  const date::year_month_day ymd{date::sys_days{date::days{days}}};
  char buf[40];
  const int abs_offset = offset_minutes < 0 ? -offset_minutes : offset_minutes;
  const int year = static_cast<int>(ymd.year());
  if (year >= 0 && year <= 9999 && abs_offset < 100 * 60) {
    // The common case digit by digit: snprintf's format parsing dominated writing a CSV.
    auto put2 = [](char* at, unsigned v) {
      at[0] = static_cast<char>('0' + v / 10);
      at[1] = static_cast<char>('0' + v % 10);
    };
    put2(buf, static_cast<unsigned>(year / 100));
    put2(buf + 2, static_cast<unsigned>(year % 100));
    buf[4] = '-';
    put2(buf + 5, static_cast<unsigned>(ymd.month()));
    buf[7] = '-';
    put2(buf + 8, static_cast<unsigned>(ymd.day()));
    buf[10] = 'T';
    put2(buf + 11, static_cast<unsigned>(rem / 3600));
    buf[13] = ':';
    put2(buf + 14, static_cast<unsigned>(rem / 60 % 60));
    buf[16] = ':';
    put2(buf + 17, static_cast<unsigned>(rem % 60));
    if (offset_minutes == 0 && use_z) return std::string(buf, 19) + 'Z';
    buf[19] = offset_minutes < 0 ? '-' : '+';
    put2(buf + 20, static_cast<unsigned>(abs_offset / 60));
    buf[22] = ':';
    put2(buf + 23, static_cast<unsigned>(abs_offset % 60));
    return std::string(buf, 25);
  }
  int n = std::snprintf(buf, sizeof buf, "%04d-%02u-%02uT%02d:%02d:%02d", static_cast<int>(ymd.year()),
                        static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()),
                        static_cast<int>(rem / 3600), static_cast<int>(rem / 60 % 60), static_cast<int>(rem % 60));
  if (offset_minutes == 0 && use_z) {
    std::snprintf(buf + n, sizeof buf - static_cast<size_t>(n), "Z");
  } else {
    std::snprintf(buf + n, sizeof buf - static_cast<size_t>(n), "%c%02d:%02d", offset_minutes < 0 ? '-' : '+',
                  abs_offset / 60, abs_offset % 60);
  }
  return buf;
}

}  // namespace seed::io
