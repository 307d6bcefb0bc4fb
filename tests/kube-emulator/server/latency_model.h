#pragma once
// A latency model that makes the emulator answer like a real API server backed by etcd: every
// write (create, update, patch, delete, deletecollection) and every read (get, list) is answered
// after a delay drawn from a log-normal distribution, so benchmarks stop measuring a server that
// is ~100x faster than any real one. Watches are not delayed (their events leave at commit time).
//
// A request's delay is median * exp(jitter * z), z ~ N(0, 1), capped at kMaxFactor * median: the
// median is what a client sees on a typical request, jitter (the log-normal's sigma) gives the
// right-skewed tail real servers show (jitter 0.5: p99 = 3.2 x median, mean = 1.13 x median).
// The delay is spent before the request takes the emulator's lock, so concurrent requests overlap
// as they do on a real server.
//
// A real server also has a ceiling: with writesPerSecond C > 0, writes are served one after another
// at most C a second (a FIFO of 1/C s slots, as a CPU- or fsync-bound API server with etcd), so a
// burst of writes queues and each one's delay is its wait for a slot plus its own latency. 0: no
// ceiling (latency only). Reads are not limited (a real server answers them from its watch cache).
//
// Configured by flags of the binary or POST /emulator/latency; Configure() rejects bad input with a
// message naming the field. Thread-safe; Sample() is deterministic for a given seed and call order.
#include <chrono>
#include <mutex>
#include <nlohmann/json.hpp>
#include <random>
#include <string>

namespace kubeemu {

struct LatencySettings {
  double write_ms = 0;           // median delay of a write; 0: none
  double read_ms = 0;            // median delay of a get or list; 0: none
  double jitter = 0;             // sigma of the log-normal; 0: every request takes exactly the median
  double writes_per_second = 0;  // the server's write ceiling; 0: none
  uint64_t seed = 20261207;

  nlohmann::json ToJson() const;
};

class LatencyModel {
 public:
  static constexpr double kMaxFactor = 20.0;  // no single request waits more than 20 medians
  static constexpr double kMaxMedianMs = 10000.0;
  static constexpr double kMaxJitter = 2.0;

  // Replaces the settings from {"writeMs": 5, "readMs": 1, "jitter": 0.5, "writesPerSecond": 300,
  // "seed": 1}; an absent field is 0 (seed: the default). Throws ApiError 400 naming the bad field.
  void Configure(const nlohmann::json& body);
  // The same, from values (flags); throws std::invalid_argument naming the bad value.
  void Configure(const LatencySettings& settings);
  void Clear();
  LatencySettings settings() const;

  // The delay for one request of `verb` (a Kubernetes verb: create, get, list, watch, ...) that
  // arrives at `now` (a write takes the next free slot under the ceiling).
  std::chrono::microseconds Sample(
      const std::string& verb, std::chrono::steady_clock::time_point now = std::chrono::steady_clock::now());

  // Whether `verb` is delayed as a write, as a read, or not at all (watch and anything else).
  static bool IsWrite(const std::string& verb);
  static bool IsRead(const std::string& verb);

 private:
  // Empty when fine, else what is wrong with `settings`.
  static std::string Check(const LatencySettings& settings);

  mutable std::mutex mu_;
  LatencySettings settings_;
  std::mt19937_64 random_{settings_.seed};
  std::chrono::steady_clock::time_point next_free_{};  // the next write slot under the ceiling
};

}  // namespace kubeemu
