#pragma once
// A test clock that survives process restarts: the wall time is read from a file holding one
// RFC 3339 timestamp, re-read on every WallNow(). Monotonic time and sleeping stay real, so work
// queues and leader election behave normally. Only for tests (seed-operator --test-clock-file).
#include <mutex>
#include <string>

#include "kube/clock.h"

namespace seed::controllers {

class FileClock : public kube::Clock {
 public:
  explicit FileClock(std::string path);
  TimePoint Now() const override { return std::chrono::steady_clock::now(); }
  // The file's time; the last good value while the file is missing or being rewritten.
  std::chrono::system_clock::time_point WallNow() const override;
  void SleepFor(Duration d) override;

  // Writes `time` to `path` atomically (temp file + rename): what a test does to move the clock.
  static bool Write(const std::string& path, std::chrono::sys_seconds time);

 private:
  std::string path_;
  mutable std::mutex mu_;
  mutable std::chrono::system_clock::time_point last_;
};

}  // namespace seed::controllers
