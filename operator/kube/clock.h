#pragma once

#include <chrono>
#include <condition_variable>
#include <mutex>

namespace kube {

// Time source injected into everything that waits or measures (work queue, rate limiters, backoff,
// leader election, token re-reads), so tests drive time explicitly instead of sleeping.
class Clock {
 public:
  using Duration = std::chrono::steady_clock::duration;
  using TimePoint = std::chrono::steady_clock::time_point;

  virtual ~Clock() = default;
  virtual TimePoint Now() const = 0;                                   // monotonic
  virtual std::chrono::system_clock::time_point WallNow() const = 0;  // for timestamps sent to the server
  virtual void SleepFor(Duration d) = 0;
};

// The process clock. Default instance shared by production code.
class RealClock : public Clock {
 public:
  TimePoint Now() const override { return std::chrono::steady_clock::now(); }
  std::chrono::system_clock::time_point WallNow() const override { return std::chrono::system_clock::now(); }
  void SleepFor(Duration d) override;
  static RealClock& Instance();
};

// A manual clock for tests: time moves only through Advance() or SleepFor() (which advances
// instead of blocking, so code that sleeps runs instantly and the test can read how long it slept).
class FakeClock : public Clock {
 public:
  FakeClock();
  TimePoint Now() const override;
  std::chrono::system_clock::time_point WallNow() const override;
  void SleepFor(Duration d) override;
  void Advance(Duration d);
  Duration TotalSlept() const;

 private:
  mutable std::mutex mu_;
  TimePoint now_;
  std::chrono::system_clock::time_point wall_;
  Duration slept_{0};
};

// A one-shot stop signal that waiting threads can block on (a std::stop_token with a wait).
class StopSignal {
 public:
  void Stop();
  bool Stopped() const;
  // Waits up to d of real time; returns true when stopped.
  bool WaitFor(Clock::Duration d) const;
  void Wait() const;

 private:
  mutable std::mutex mu_;
  mutable std::condition_variable cv_;
  bool stopped_ = false;
};

}  // namespace kube
