#include "engine/cron.h"

#include <date/date.h>
#include <date/tz.h>

#include <algorithm>
#include <cctype>
#include <sstream>
#include <vector>

namespace seed::engine {
namespace {

struct FieldSpec {
  const char* name;
  int min;
  int max;
  std::vector<std::string> names;  // names[i] stands for min + i (empty: no names)
};

const FieldSpec kFields[] = {
    {"minute", 0, 59, {}},
    {"hour", 0, 23, {}},
    {"day-of-month", 1, 31, {}},
    {"month", 1, 12, {"JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"}},
    {"day-of-week", 0, 7, {"SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"}},
};

std::vector<std::string> Split(const std::string& text, char separator) {
  std::vector<std::string> parts;
  std::string part;
  std::istringstream stream(text);
  while (std::getline(stream, part, separator)) parts.push_back(part);
  if (!text.empty() && text.back() == separator) parts.push_back("");
  return parts;
}

bool ParseValue(const std::string& text, const FieldSpec& field, int* value) {
  if (text.empty()) return false;
  if (std::all_of(text.begin(), text.end(), ::isdigit)) {
    if (text.size() > 4) return false;
    *value = std::stoi(text);
    return *value >= field.min && *value <= field.max;
  }
  std::string upper;
  for (char c : text) upper += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  for (size_t i = 0; i < field.names.size(); ++i) {
    if (upper == field.names[i]) {
      *value = field.min + static_cast<int>(i);
      return true;
    }
  }
  return false;
}

// Parses one field into `bits` (indexed by value). Returns an error message or "".
std::string ParseField(const std::string& text, const FieldSpec& field, std::vector<bool>* bits, bool* star) {
  bits->assign(field.max + 1, false);
  *star = text == "*" || text == "?";
  std::string allowed = std::to_string(field.min) + "-" + std::to_string(field.max);
  if (!field.names.empty()) allowed += " or " + field.names.front() + "-" + field.names.back();
  for (const std::string& item : Split(text, ',')) {
    if (item.empty()) return "empty list item in the " + std::string(field.name) + " field \"" + text + "\"";
    std::string range = item;
    int step = 1;
    size_t slash = item.find('/');
    if (slash != std::string::npos) {
      range = item.substr(0, slash);
      std::string step_text = item.substr(slash + 1);
      if (step_text.empty() || step_text.size() > 3 ||
          !std::all_of(step_text.begin(), step_text.end(), ::isdigit) || std::stoi(step_text) == 0) {
        return "bad step \"" + item + "\" in the " + std::string(field.name) +
               " field: write */N or A-B/N with N >= 1";
      }
      step = std::stoi(step_text);
    }
    int low = field.min;
    int high = field.max == 7 ? 6 : field.max;
    if (range != "*" && range != "?") {
      size_t dash = range.find('-');
      if (dash == std::string::npos) {
        if (!ParseValue(range, field, &low)) {
          return "\"" + range + "\" is not a valid " + field.name + ": use " + allowed;
        }
        high = slash != std::string::npos ? (field.max == 7 ? 6 : field.max) : low;
      } else {
        if (!ParseValue(range.substr(0, dash), field, &low) ||
            !ParseValue(range.substr(dash + 1), field, &high)) {
          return "\"" + range + "\" is not a valid " + field.name + " range: use A-B with values " + allowed;
        }
        if (low > high)
          return "range \"" + range + "\" in the " + std::string(field.name) + " field runs backwards";
      }
    }
    for (int value = low; value <= high; value += step) (*bits)[value] = true;
  }
  return "";
}

std::string Expand(const std::string& text) {
  if (text == "@yearly" || text == "@annually") return "0 0 1 1 *";
  if (text == "@monthly") return "0 0 1 * *";
  if (text == "@weekly") return "0 0 * * 0";
  if (text == "@daily" || text == "@midnight") return "0 0 * * *";
  if (text == "@hourly") return "0 * * * *";
  return text;
}

}  // namespace

std::optional<CronSchedule> CronSchedule::Parse(const std::string& raw, std::string* error) {
  std::string text = raw;
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back()))) text.pop_back();
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.front()))) text.erase(0, 1);
  if (text.rfind("TZ=", 0) == 0 || text.rfind("CRON_TZ=", 0) == 0) {
    *error = "a time zone prefix is not allowed in the cron expression; set schedule.timeZone instead";
    return std::nullopt;
  }
  if (!text.empty() && text[0] == '@') {
    std::string expanded = Expand(text);
    if (expanded == text) {
      *error = "unknown descriptor \"" + text +
               "\": use @yearly, @annually, @monthly, @weekly, @daily, @midnight "
               "or @hourly";
      return std::nullopt;
    }
    text = expanded;
  }
  std::vector<std::string> fields;
  std::istringstream stream(text);
  std::string field;
  while (stream >> field) fields.push_back(field);
  if (fields.size() == 6) {
    *error =
        "6 fields given, but Seed uses standard 5-field cron (minute hour day-of-month month day-of-week) "
        "with no seconds field; drop the first field";
    return std::nullopt;
  }
  if (fields.size() != 5) {
    *error =
        "\"" + raw + "\" has " + std::to_string(fields.size()) +
        " fields; write 5 (minute hour day-of-month month day-of-week), e.g. \"15 0 * * *\", or a descriptor "
        "such as @daily";
    return std::nullopt;
  }
  CronSchedule schedule;
  std::vector<bool> bits;
  bool star = false;
  for (int i = 0; i < 5; ++i) {
    std::string problem = ParseField(fields[i], kFields[i], &bits, &star);
    if (!problem.empty()) {
      *error = problem;
      return std::nullopt;
    }
    for (int value = kFields[i].min; value <= kFields[i].max; ++value) {
      if (!bits[value]) continue;
      switch (i) {
        case 0:
          schedule.minutes_.set(value);
          break;
        case 1:
          schedule.hours_.set(value);
          break;
        case 2:
          schedule.days_of_month_.set(value);
          break;
        case 3:
          schedule.months_.set(value);
          break;
        case 4:
          schedule.days_of_week_.set(value % 7);
          break;
      }
    }
    if (i == 2) schedule.day_of_month_star_ = star || fields[i].rfind("*/", 0) == 0;
    if (i == 4) schedule.day_of_week_star_ = star || fields[i].rfind("*/", 0) == 0;
  }
  return schedule;
}

bool CronSchedule::MatchesDay(int day_of_month, int month, int day_of_week) const {
  if (!months_[month]) return false;
  bool dom = days_of_month_[day_of_month];
  bool dow = days_of_week_[day_of_week];
  // Vixie cron: when both day fields are restricted, either may match.
  if (day_of_month_star_ || day_of_week_star_) return dom && dow;
  return dom || dow;
}

std::optional<Seconds> CronSchedule::Next(Seconds after, const date::time_zone* zone) const {
  using namespace std::chrono;
  // Wall-clock candidates are scanned in order; each maps to an instant (see the DST rule in the
  // header), and that mapping never decreases, so the first candidate past `after` is the answer.
  auto to_instant = [&](date::local_seconds local) -> Seconds {
    if (zone == nullptr) return Seconds(local.time_since_epoch());
    auto info = zone->get_info(local);
    switch (info.result) {
      case date::local_info::unique:
      case date::local_info::ambiguous:  // first occurrence: the earlier, pre-transition offset
        return Seconds(local.time_since_epoch()) - info.first.offset;
      case date::local_info::nonexistent:
      default:
        return info.first.end;  // the instant the gap ends
    }
  };
  date::local_seconds local;
  if (zone == nullptr) {
    local = date::local_seconds(after.time_since_epoch());
  } else {
    local = date::local_seconds((after + zone->get_info(after).offset).time_since_epoch());
  }
  auto minute = floor<minutes>(local) + minutes(1);
  // Starting one hour back catches wall times in a fall-back fold that map before `local`.
  minute -= hours(1);
  const auto limit = minute + days(366 * 8);
  while (minute < limit) {
    auto day = floor<date::days>(minute);
    date::year_month_day ymd(day);
    int month = static_cast<int>(static_cast<unsigned>(ymd.month()));
    int dom = static_cast<int>(static_cast<unsigned>(ymd.day()));
    int dow = static_cast<int>(date::weekday(day).c_encoding());
    if (!months_[month]) {
      auto next_month = date::year_month(ymd.year(), ymd.month()) + date::months(1);
      minute = date::local_days(next_month / 1);
      continue;
    }
    if (!MatchesDay(dom, month, dow)) {
      minute = day + date::days(1);
      continue;
    }
    auto time = date::make_time(minute - day);
    int hour = static_cast<int>(time.hours().count());
    if (!hours_[hour]) {
      minute = day + hours(hour + 1);
      continue;
    }
    int m = static_cast<int>(time.minutes().count());
    if (!minutes_[m]) {
      minute += minutes(1);
      continue;
    }
    Seconds instant = to_instant(minute);
    if (instant > after) return instant;
    minute += minutes(1);
  }
  return std::nullopt;
}

}  // namespace seed::engine
