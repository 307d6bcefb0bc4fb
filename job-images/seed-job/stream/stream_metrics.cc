#include "stream/stream_metrics.h"

#include <algorithm>
#include <charconv>
#include <cmath>

namespace seed::stream {
namespace {

std::string Escape(const std::string& value) {
  std::string out;
  for (char c : value) {
    if (c == '\\' || c == '"') out += '\\';
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    out += c;
  }
  return out;
}

std::string Number(double value) {
  char buffer[64];
  auto result =
      std::to_chars(buffer, buffer + sizeof buffer, value);  // shortest: 0.1, not 0.10000000000000001
  return std::string(buffer, result.ptr);
}

}  // namespace

const char* ErrorReasonName(ErrorReason reason) {
  switch (reason) {
    case ErrorReason::kMalformed:
      return "malformed";
    case ErrorReason::kPublish:
      return "publish";
    case ErrorReason::kNoRule:
      return "no_rule";
    case ErrorReason::kCount:
      break;
  }
  return "other";
}

void StreamMetrics::Histogram::Observe(double seconds) {
  if (!(seconds >= 0)) seconds = 0;  // a message time in the future (clock skew) counts as no lag
  size_t bucket = 0;
  while (bucket < kBuckets.size() && seconds > kBuckets[bucket]) ++bucket;
  buckets[bucket].fetch_add(1, std::memory_order_relaxed);
  sum_nanoseconds.fetch_add(static_cast<uint64_t>(std::min(seconds, 1e9) * 1e9), std::memory_order_relaxed);
  count.fetch_add(1, std::memory_order_relaxed);
}

StreamMetrics::StreamMetrics(std::vector<RuleLabels> rules, Gauges gauges)
    : labels_(std::move(rules)), rules_(labels_.size() + 1), gauges_(std::move(gauges)) {
  labels_.push_back({"", ""});
}

StreamMetrics::PerRule& StreamMetrics::Slot(size_t rule) { return rules_[std::min(rule, rules_.size() - 1)]; }

void StreamMetrics::Received(size_t rule) { Slot(rule).received.fetch_add(1, std::memory_order_relaxed); }

void StreamMetrics::Published(size_t rule, size_t rows, double processing_seconds,
                              const double* lag_seconds) {
  PerRule& slot = Slot(rule);
  slot.published.fetch_add(1, std::memory_order_relaxed);
  slot.rows.fetch_add(rows, std::memory_order_relaxed);
  slot.processing.Observe(processing_seconds);
  if (lag_seconds) slot.lag.Observe(*lag_seconds);
}

void StreamMetrics::Error(size_t rule, ErrorReason reason) {
  Slot(rule).errors[static_cast<size_t>(reason)].fetch_add(1, std::memory_order_relaxed);
}

uint64_t StreamMetrics::received_total() const {
  uint64_t total = 0;
  for (const auto& r : rules_) total += r.received.load();
  return total;
}

uint64_t StreamMetrics::published_total() const {
  uint64_t total = 0;
  for (const auto& r : rules_) total += r.published.load();
  return total;
}

uint64_t StreamMetrics::errors_total() const {
  uint64_t total = 0;
  for (const auto& r : rules_) {
    for (const auto& e : r.errors) total += e.load();
  }
  return total;
}

std::string StreamMetrics::Render() const {
  std::string out;
  auto labels = [this](size_t i) {
    return "subscription=\"" + Escape(labels_[i].subscription) + "\",model=\"" + Escape(labels_[i].model) +
           "\"";
  };
  // The "no rule" slot is rendered only once something landed in it.
  auto used = [this](size_t i) {
    if (i + 1 < rules_.size()) return true;
    const PerRule& r = rules_[i];
    uint64_t errors = 0;
    for (const auto& e : r.errors) errors += e.load();
    return r.received.load() + errors > 0;
  };
  auto counter = [&](const char* name, const char* help, auto value) {
    out += std::string("# HELP ") + name + " " + help + "\n# TYPE " + name + " counter\n";
    for (size_t i = 0; i < rules_.size(); ++i) {
      if (used(i))
        out += std::string(name) + "{" + labels(i) + "} " + std::to_string(value(rules_[i])) + "\n";
    }
  };
  counter("seed_stream_messages_received_total", "Feature messages taken from the broker.",
          [](const PerRule& r) { return r.received.load(); });
  counter("seed_stream_messages_published_total", "Result messages handed to the broker.",
          [](const PerRule& r) { return r.published.load(); });
  counter("seed_stream_rows_predicted_total", "Feature rows predicted.",
          [](const PerRule& r) { return r.rows.load(); });

  out += "# HELP seed_stream_errors_total Messages that could not be answered, by reason.\n";
  out += "# TYPE seed_stream_errors_total counter\n";
  for (size_t i = 0; i < rules_.size(); ++i) {
    if (!used(i)) continue;
    for (size_t e = 0; e < rules_[i].errors.size(); ++e) {
      out += "seed_stream_errors_total{" + labels(i) + ",reason=\"" +
             ErrorReasonName(static_cast<ErrorReason>(e)) + "\"} " +
             std::to_string(rules_[i].errors[e].load()) + "\n";
    }
  }

  auto histogram = [&](const char* name, const char* help, const Histogram PerRule::*member) {
    out += std::string("# HELP ") + name + " " + help + "\n# TYPE " + name + " histogram\n";
    for (size_t i = 0; i + 1 < rules_.size(); ++i) {
      const Histogram& h = rules_[i].*member;
      uint64_t cumulative = 0;
      for (size_t b = 0; b <= kBuckets.size(); ++b) {
        cumulative += h.buckets[b].load();
        const std::string le = b < kBuckets.size() ? Number(kBuckets[b]) : "+Inf";
        out += std::string(name) + "_bucket{" + labels(i) + ",le=\"" + le + "\"} " +
               std::to_string(cumulative) + "\n";
      }
      out += std::string(name) + "_sum{" + labels(i) + "} " + Number(h.sum_nanoseconds.load() / 1e9) + "\n";
      out += std::string(name) + "_count{" + labels(i) + "} " + std::to_string(h.count.load()) + "\n";
    }
  };
  histogram("seed_stream_lag_seconds", "Time from a message's own \"time\" to its result being published.",
            &PerRule::lag);
  histogram("seed_stream_processing_seconds", "Time from a message's arrival to its result being published.",
            &PerRule::processing);

  auto gauge = [&](const char* name, const char* help, const char* type,
                   const std::function<double()>& read) {
    if (!read) return;
    out += std::string("# HELP ") + name + " " + help + "\n# TYPE " + name + " " + type + "\n";
    out += std::string(name) + " " + Number(read()) + "\n";
  };
  gauge("seed_stream_queue_depth", "Messages received and waiting for a worker (the backlog).", "gauge",
        gauges_.queue_depth);
  gauge("seed_stream_queue_capacity", "The queue size at which the stream stops reading from the broker.",
        "gauge", gauges_.queue_capacity);
  gauge("seed_stream_connected", "1 while connected to the broker.", "gauge", gauges_.connected);
  gauge("seed_stream_reconnects_total", "Reconnections to the broker after a lost connection.", "counter",
        gauges_.reconnects);
  gauge("seed_stream_publish_pending", "QoS 1 results not yet acknowledged by the broker.", "gauge",
        gauges_.publish_pending);
  return out;
}

}  // namespace seed::stream
