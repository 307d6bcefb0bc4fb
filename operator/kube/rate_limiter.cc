#include "kube/rate_limiter.h"

#include <algorithm>
#include <cmath>

namespace kube {

using std::chrono::duration;
using std::chrono::duration_cast;

TokenBucket::TokenBucket(Clock& clock, double qps, int burst)
    : clock_(clock), qps_(qps), burst_(std::max(1, burst)), tokens_(std::max(1, burst)), last_(clock.Now()) {}

Clock::Duration TokenBucket::Reserve() {
  std::lock_guard lock(mu_);
  if (qps_ <= 0) return Clock::Duration::zero();  // unlimited
  auto now = clock_.Now();
  if (now > last_) {
    tokens_ = std::min(burst_, tokens_ + duration<double>(now - last_).count() * qps_);
    last_ = now;
  }
  tokens_ -= 1.0;
  if (tokens_ >= 0) return Clock::Duration::zero();
  // Tokens may go negative: the reservation is a debt paid back at qps_.
  return duration_cast<Clock::Duration>(duration<double>(-tokens_ / qps_));
}

void TokenBucket::Wait() {
  auto delay = Reserve();
  if (delay > Clock::Duration::zero()) clock_.SleepFor(delay);
}

ItemExponentialRateLimiter::ItemExponentialRateLimiter(Clock::Duration base, Clock::Duration max_delay)
    : base_(base), max_(max_delay) {}

Clock::Duration ItemExponentialRateLimiter::When(const std::string& item) {
  std::lock_guard lock(mu_);
  int exp = failures_[item]++;
  // Compute in double so 2^exp cannot overflow before the cap applies.
  double delay = duration<double>(base_).count() * std::pow(2.0, std::min(exp, 62));
  if (delay >= duration<double>(max_).count()) return max_;
  return duration_cast<Clock::Duration>(duration<double>(delay));
}

void ItemExponentialRateLimiter::Forget(const std::string& item) {
  std::lock_guard lock(mu_);
  failures_.erase(item);
}

int ItemExponentialRateLimiter::NumRequeues(const std::string& item) {
  std::lock_guard lock(mu_);
  auto it = failures_.find(item);
  return it == failures_.end() ? 0 : it->second;
}

MaxOfRateLimiter::MaxOfRateLimiter(std::vector<std::unique_ptr<RateLimiter>> limiters)
    : limiters_(std::move(limiters)) {}

Clock::Duration MaxOfRateLimiter::When(const std::string& item) {
  Clock::Duration longest{0};
  for (auto& l : limiters_) longest = std::max(longest, l->When(item));
  return longest;
}

void MaxOfRateLimiter::Forget(const std::string& item) {
  for (auto& l : limiters_) l->Forget(item);
}

int MaxOfRateLimiter::NumRequeues(const std::string& item) {
  int most = 0;
  for (auto& l : limiters_) most = std::max(most, l->NumRequeues(item));
  return most;
}

std::unique_ptr<RateLimiter> DefaultControllerRateLimiter(Clock& clock) {
  std::vector<std::unique_ptr<RateLimiter>> limiters;
  limiters.push_back(
      std::make_unique<ItemExponentialRateLimiter>(std::chrono::milliseconds(5), std::chrono::seconds(1000)));
  limiters.push_back(std::make_unique<BucketRateLimiter>(clock, 10.0, 100));
  return std::make_unique<MaxOfRateLimiter>(std::move(limiters));
}

Backoff::Backoff(Clock& clock, Options options, uint64_t seed)
    : clock_(clock), options_(options), rng_(seed) {}

Clock::Duration Backoff::Next() {
  auto now = clock_.Now();
  if (!has_failed_ || now - last_failure_ > options_.reset_after) {
    current_ = options_.initial;
  } else {
    current_ = std::min(options_.max, duration_cast<Clock::Duration>(current_ * options_.factor));
  }
  has_failed_ = true;
  last_failure_ = now;
  std::uniform_real_distribution<double> unit(0.0, 1.0);
  auto jittered = duration_cast<Clock::Duration>(current_ * (1.0 + options_.jitter * unit(rng_)));
  return std::min(jittered, options_.max);
}

void Backoff::Reset() {
  has_failed_ = false;
  current_ = Clock::Duration::zero();
}

}  // namespace kube
