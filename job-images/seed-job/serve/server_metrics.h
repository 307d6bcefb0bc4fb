#pragma once
// Prometheus metrics of the model server: requests by endpoint and status code, a latency
// histogram by endpoint, and the requests in flight. Lock-free: every request touches a few
// relaxed atomics, so recording never serialises the worker threads.
#include <array>
#include <atomic>
#include <cstdint>
#include <mutex>
#include <string>

#include "serve/route.h"

namespace seed::serve {

class ServerMetrics {
 public:
  void Begin() { in_flight_.fetch_add(1, std::memory_order_relaxed); }
  void End() { in_flight_.fetch_sub(1, std::memory_order_relaxed); }
  // seconds < 0: the request was refused before it was routed; it is counted without a latency.
  void Record(Endpoint endpoint, int status, double seconds);
  void SetModelReady(bool ready) { model_ready_.store(ready, std::memory_order_relaxed); }
  // Hot reload: attempts by outcome, and the SHA-256 of the artifact served (rare writes).
  void RecordReload(bool accepted) {
    (accepted ? reloads_accepted_ : reloads_refused_).fetch_add(1, std::memory_order_relaxed);
  }
  void SetModelChecksum(const std::string& sha256) {
    std::lock_guard lock(checksum_mutex_);
    checksum_ = sha256;
  }

  // The text exposition format (version 0.0.4).
  std::string Render() const;

  static constexpr std::array<double, 13> kBuckets = {0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01,
                                                       0.025,  0.05,    0.1,    0.25,  0.5,   1.0};
  static constexpr std::array<int, 8> kCodes = {200, 400, 404, 405, 413, 500, 503, 0};  // 0: any other

 private:
  static constexpr size_t kEndpoints = static_cast<size_t>(Endpoint::kCount);
  struct Latency {
    std::array<std::atomic<uint64_t>, kBuckets.size() + 1> buckets{};  // the last one is +Inf
    std::atomic<uint64_t> sum_nanoseconds{0};
    std::atomic<uint64_t> count{0};
  };
  std::array<std::array<std::atomic<uint64_t>, kCodes.size()>, kEndpoints> requests_{};
  std::array<Latency, kEndpoints> latency_{};
  std::atomic<int64_t> in_flight_{0};
  std::atomic<bool> model_ready_{false};
  std::atomic<uint64_t> reloads_accepted_{0};
  std::atomic<uint64_t> reloads_refused_{0};
  mutable std::mutex checksum_mutex_;
  std::string checksum_;
};

}  // namespace seed::serve
