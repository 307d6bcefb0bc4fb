#pragma once

#include <chrono>
#include <memory>
#include <mutex>
#include <random>
#include <string>
#include <unordered_map>
#include <vector>

#include "kube/clock.h"

namespace kube {

// A token bucket (golang.org/x/time/rate semantics): `qps` tokens per second, at most `burst` saved.
// Reserve() takes a token now or books a future one and returns how long to wait for it.
class TokenBucket {
 public:
  TokenBucket(Clock& clock, double qps, int burst);
  Clock::Duration Reserve();
  // Blocks (through the clock) until a token is available. For the client's QPS limit.
  void Wait();

 private:
  Clock& clock_;
  std::mutex mu_;
  double qps_;
  double burst_;
  double tokens_;
  Clock::TimePoint last_;
};

// Decides how long an item waits before it is retried (client-go's workqueue.RateLimiter).
class RateLimiter {
 public:
  virtual ~RateLimiter() = default;
  virtual Clock::Duration When(const std::string& item) = 0;
  virtual void Forget(const std::string& item) = 0;
  virtual int NumRequeues(const std::string& item) = 0;
};

// base * 2^failures, capped at max_delay (client-go ItemExponentialFailureRateLimiter).
class ItemExponentialRateLimiter : public RateLimiter {
 public:
  ItemExponentialRateLimiter(Clock::Duration base, Clock::Duration max_delay);
  Clock::Duration When(const std::string& item) override;
  void Forget(const std::string& item) override;
  int NumRequeues(const std::string& item) override;

 private:
  std::mutex mu_;
  Clock::Duration base_;
  Clock::Duration max_;
  std::unordered_map<std::string, int> failures_;
};

// The overall bucket shared by every item (client-go BucketRateLimiter).
class BucketRateLimiter : public RateLimiter {
 public:
  BucketRateLimiter(Clock& clock, double qps, int burst) : bucket_(clock, qps, burst) {}
  Clock::Duration When(const std::string&) override { return bucket_.Reserve(); }
  void Forget(const std::string&) override {}
  int NumRequeues(const std::string&) override { return 0; }

 private:
  TokenBucket bucket_;
};

// The longest delay of several limiters (client-go MaxOfRateLimiter).
class MaxOfRateLimiter : public RateLimiter {
 public:
  explicit MaxOfRateLimiter(std::vector<std::unique_ptr<RateLimiter>> limiters);
  Clock::Duration When(const std::string& item) override;
  void Forget(const std::string& item) override;
  int NumRequeues(const std::string& item) override;

 private:
  std::vector<std::unique_ptr<RateLimiter>> limiters_;
};

// controller-runtime's default: per item 5 ms -> 1000 s exponential, and 10 qps / burst 100 overall.
std::unique_ptr<RateLimiter> DefaultControllerRateLimiter(Clock& clock);

// Jittered exponential backoff for list/watch failures (client-go reflector: 800 ms -> 30 s, x2,
// jitter 1.0, reset after 2 minutes without failures).
class Backoff {
 public:
  struct Options {
    Clock::Duration initial = std::chrono::milliseconds(800);
    Clock::Duration max = std::chrono::seconds(30);
    double factor = 2.0;
    double jitter = 1.0;  // the delay is min(max, d * (1 + jitter * U[0,1)))
    Clock::Duration reset_after = std::chrono::minutes(2);
  };
  Backoff(Clock& clock, Options options, uint64_t seed = std::random_device{}());
  // The delay before the next attempt after a failure.
  Clock::Duration Next();
  void Reset();

 private:
  Clock& clock_;
  Options options_;
  std::mt19937_64 rng_;
  Clock::Duration current_{0};
  Clock::TimePoint last_failure_{};
  bool has_failed_ = false;
};

}  // namespace kube
