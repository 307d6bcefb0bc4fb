// A Pipeline's schedule and time zone: the first line is an IANA zone name, the rest a cron line.
// Parse, then the next firings from a time the input also picks.
#include <date/tz.h>

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>

#include "engine/cron.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  int64_t start = 0;
  if (size >= sizeof(start)) {
    std::memcpy(&start, data, sizeof(start));
    data += sizeof(start);
    size -= sizeof(start);
  }
  std::string text(reinterpret_cast<const char*>(data), size);
  std::string zone_name = "UTC";
  if (auto newline = text.find('\n'); newline != std::string::npos) {
    zone_name = text.substr(0, newline);
    text.erase(0, newline + 1);
  }
  const date::time_zone* zone = nullptr;
  try {
    zone = date::locate_zone(zone_name);
  } catch (const std::runtime_error&) {
    zone = date::locate_zone("UTC");  // an unknown zone is the caller's error, checked elsewhere
  }
  std::string error;
  auto schedule = seed::engine::CronSchedule::Parse(text, &error);
  if (!schedule) return 0;
  // Any instant from 1970 to 2100: the years the operator could be asked about.
  seed::engine::Seconds after{std::chrono::seconds(static_cast<uint64_t>(start) % 4102444800ULL)};
  for (int i = 0; i < 4; ++i) {
    auto next = schedule->Next(after, zone);
    if (!next) break;
    if (*next <= after) __builtin_trap();  // Next must move strictly forward
    after = *next;
  }
  return 0;
}
