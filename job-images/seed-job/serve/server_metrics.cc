#include "serve/server_metrics.h"

#include <cstdio>

namespace seed::serve {

namespace {

constexpr std::array<const char*, static_cast<size_t>(Endpoint::kCount)> kEndpointNames = {
    "health_live", "health_ready", "server_metadata", "model_metadata", "model_ready", "infer", "metrics", "other"};

}  // namespace

void ServerMetrics::Record(Endpoint endpoint, int status, double seconds) {
  const size_t e = static_cast<size_t>(endpoint);
  size_t code = kCodes.size() - 1;
  for (size_t i = 0; i + 1 < kCodes.size(); ++i) {
    if (kCodes[i] == status) code = i;
  }
  requests_[e][code].fetch_add(1, std::memory_order_relaxed);
  if (seconds < 0) return;
  Latency& latency = latency_[e];
  size_t bucket = 0;
  while (bucket < kBuckets.size() && seconds > kBuckets[bucket]) ++bucket;
  latency.buckets[bucket].fetch_add(1, std::memory_order_relaxed);
  latency.sum_nanoseconds.fetch_add(static_cast<uint64_t>(seconds * 1e9), std::memory_order_relaxed);
  latency.count.fetch_add(1, std::memory_order_relaxed);
}

std::string ServerMetrics::Render() const {
  static constexpr std::array<const char*, kBuckets.size() + 1> kBucketLabels = {
      "0.0001", "0.00025", "0.0005", "0.001", "0.0025", "0.005", "0.01",
      "0.025",  "0.05",    "0.1",    "0.25",  "0.5",    "1",     "+Inf"};
  std::string out;
  out += "# HELP seed_serve_requests_total HTTP requests answered, by endpoint and status code.\n";
  out += "# TYPE seed_serve_requests_total counter\n";
  for (size_t e = 0; e < kEndpoints; ++e) {
    for (size_t c = 0; c < kCodes.size(); ++c) {
      uint64_t value = requests_[e][c].load(std::memory_order_relaxed);
      if (value == 0) continue;
      std::string code = kCodes[c] ? std::to_string(kCodes[c]) : "other";
      out += "seed_serve_requests_total{endpoint=\"" + std::string(kEndpointNames[e]) + "\",code=\"" + code + "\"} " +
             std::to_string(value) + "\n";
    }
  }
  out += "# HELP seed_serve_request_duration_seconds Time from routing a request to writing its response.\n";
  out += "# TYPE seed_serve_request_duration_seconds histogram\n";
  for (size_t e = 0; e < kEndpoints; ++e) {
    const Latency& latency = latency_[e];
    if (latency.count.load(std::memory_order_relaxed) == 0) continue;
    const std::string endpoint = kEndpointNames[e];
    uint64_t cumulative = 0;
    for (size_t b = 0; b <= kBuckets.size(); ++b) {
      cumulative += latency.buckets[b].load(std::memory_order_relaxed);
      out += "seed_serve_request_duration_seconds_bucket{endpoint=\"" + endpoint + "\",le=\"" + kBucketLabels[b] +
             "\"} " + std::to_string(cumulative) + "\n";
    }
    char sum[32];
    std::snprintf(sum, sizeof sum, "%.9g",
                  static_cast<double>(latency.sum_nanoseconds.load(std::memory_order_relaxed)) / 1e9);
    out += "seed_serve_request_duration_seconds_sum{endpoint=\"" + endpoint + "\"} " + sum + "\n";
    out += "seed_serve_request_duration_seconds_count{endpoint=\"" + endpoint + "\"} " + std::to_string(cumulative) + "\n";
  }
  out += "# HELP seed_serve_requests_in_flight Requests being handled now.\n";
  out += "# TYPE seed_serve_requests_in_flight gauge\n";
  out += "seed_serve_requests_in_flight " + std::to_string(in_flight_.load(std::memory_order_relaxed)) + "\n";
  out += "# HELP seed_serve_model_ready 1 when the model is loaded and served.\n";
  out += "# TYPE seed_serve_model_ready gauge\n";
  out += std::string("seed_serve_model_ready ") + (model_ready_.load(std::memory_order_relaxed) ? "1" : "0") + "\n";
  out += "# HELP seed_serve_model_reloads_total Hot reloads of the model artifact (--watch), by result.\n";
  out += "# TYPE seed_serve_model_reloads_total counter\n";
  out += "seed_serve_model_reloads_total{result=\"reloaded\"} " +
         std::to_string(reloads_accepted_.load(std::memory_order_relaxed)) + "\n";
  out += "seed_serve_model_reloads_total{result=\"refused\"} " +
         std::to_string(reloads_refused_.load(std::memory_order_relaxed)) + "\n";
  {
    std::lock_guard lock(checksum_mutex_);
    if (!checksum_.empty()) {
      out += "# HELP seed_serve_model_info The artifact served now (its SHA-256).\n";
      out += "# TYPE seed_serve_model_info gauge\n";
      out += "seed_serve_model_info{sha256=\"" + checksum_ + "\"} 1\n";
    }
  }
  return out;
}

}  // namespace seed::serve
