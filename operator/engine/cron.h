#pragma once
// Standard 5-field cron (minute hour day-of-month month day-of-week) evaluated in an IANA time
// zone, with an explicit DST rule:
//  - a wall-clock time repeated at fall-back fires once, at its first occurrence;
//  - a wall-clock time skipped at spring-forward fires at the first valid instant after it
//    (the transition instant), once even when several skipped times map to it.
#include <bitset>
#include <chrono>
#include <optional>
#include <string>

namespace date {
class time_zone;
}

namespace seed::engine {

using Seconds = std::chrono::sys_seconds;

class CronSchedule {
 public:
  // Parses fields (ranges a-b, lists a,b, steps */n and a-b/n, names JAN-DEC and SUN-SAT, 7 as
  // Sunday) and the descriptors @yearly @annually @monthly @weekly @daily @midnight @hourly.
  // On failure returns nullopt and sets *error to a message naming the field and what is allowed.
  static std::optional<CronSchedule> Parse(const std::string& text, std::string* error);

  // The first firing instant strictly after `after`, in `zone`; nullopt if none within 8 years
  // (e.g. "0 0 30 2 *").
  std::optional<Seconds> Next(Seconds after, const date::time_zone* zone) const;

 private:
  bool MatchesDay(int day_of_month, int month, int day_of_week) const;

  std::bitset<60> minutes_;
  std::bitset<24> hours_;
  std::bitset<32> days_of_month_;  // 1..31
  std::bitset<13> months_;         // 1..12
  std::bitset<7> days_of_week_;    // 0 = Sunday
  bool day_of_month_star_ = false;
  bool day_of_week_star_ = false;
};

}  // namespace seed::engine
