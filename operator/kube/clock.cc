#include "kube/clock.h"

#include <thread>

namespace kube {

void RealClock::SleepFor(Duration d) { std::this_thread::sleep_for(d); }

RealClock& RealClock::Instance() {
  static RealClock clock;
  return clock;
}

FakeClock::FakeClock()
    : now_(TimePoint(std::chrono::hours(1000))),
      wall_(std::chrono::system_clock::time_point(std::chrono::seconds(1'767'225'600))) {}  // 2026-01-01

FakeClock::TimePoint FakeClock::Now() const {
  std::lock_guard lock(mu_);
  return now_;
}

std::chrono::system_clock::time_point FakeClock::WallNow() const {
  std::lock_guard lock(mu_);
  return wall_;
}

void FakeClock::SleepFor(Duration d) {
  std::lock_guard lock(mu_);
  now_ += d;
  wall_ += std::chrono::duration_cast<std::chrono::system_clock::duration>(d);
  slept_ += d;
}

void FakeClock::Advance(Duration d) {
  std::lock_guard lock(mu_);
  now_ += d;
  wall_ += std::chrono::duration_cast<std::chrono::system_clock::duration>(d);
}

FakeClock::Duration FakeClock::TotalSlept() const {
  std::lock_guard lock(mu_);
  return slept_;
}

void StopSignal::Stop() {
  {
    std::lock_guard lock(mu_);
    stopped_ = true;
  }
  cv_.notify_all();
}

bool StopSignal::Stopped() const {
  std::lock_guard lock(mu_);
  return stopped_;
}

bool StopSignal::WaitFor(Clock::Duration d) const {
  std::unique_lock lock(mu_);
  return cv_.wait_for(lock, d, [&] { return stopped_; });
}

void StopSignal::Wait() const {
  std::unique_lock lock(mu_);
  cv_.wait(lock, [&] { return stopped_; });
}

}  // namespace kube
