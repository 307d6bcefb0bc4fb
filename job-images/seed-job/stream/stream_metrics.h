#pragma once
// Prometheus metrics of the stream mode, per rule (labelled with its subscription filter and
// model, never the concrete topic, so wildcard topics cannot grow the label set): messages
// received, results published, rows predicted, errors by reason, lag and processing-time
// histograms; and the queue depth, broker connection and unacknowledged publishes. Lock-free.
#include <array>
#include <atomic>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace seed::stream {

enum class ErrorReason { kMalformed, kPublish, kNoRule, kCount };
const char* ErrorReasonName(ErrorReason reason);

class StreamMetrics {
 public:
  struct RuleLabels {
    std::string subscription;
    std::string model;
  };
  // Gauges read when rendering: queue depth and capacity, connected (0/1), reconnects, publishes
  // waiting for the broker's acknowledgement.
  struct Gauges {
    std::function<double()> queue_depth, queue_capacity, connected, reconnects, publish_pending;
  };

  StreamMetrics(std::vector<RuleLabels> rules, Gauges gauges);

  // `rule` may be StreamRules::kNoRule (counted under an empty subscription).
  void Received(size_t rule);
  void Published(size_t rule, size_t rows, double processing_seconds, const double* lag_seconds);
  void Error(size_t rule, ErrorReason reason);

  uint64_t received_total() const;
  uint64_t published_total() const;
  uint64_t errors_total() const;

  std::string Render() const;

  static constexpr std::array<double, 14> kBuckets = {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05,
                                                      0.1,    0.25,  0.5,    1.0,   2.5,  5.0,   10.0};

 private:
  struct Histogram {
    std::array<std::atomic<uint64_t>, kBuckets.size() + 1> buckets{};  // the last one is +Inf
    std::atomic<uint64_t> sum_nanoseconds{0};
    std::atomic<uint64_t> count{0};
    void Observe(double seconds);
  };
  struct PerRule {
    std::atomic<uint64_t> received{0}, published{0}, rows{0};
    std::array<std::atomic<uint64_t>, static_cast<size_t>(ErrorReason::kCount)> errors{};
    Histogram lag, processing;
  };
  PerRule& Slot(size_t rule);

  std::vector<RuleLabels> labels_;  // one per rule, then the "no rule" slot
  std::vector<PerRule> rules_;
  Gauges gauges_;
};

}  // namespace seed::stream
