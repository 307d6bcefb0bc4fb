#pragma once
// The canary's error ratio, read from a model server's /metrics (the Prometheus text that
// `seed-job serve` writes). ErrorRatio is pure; MetricsScraper is the I/O edge the controller calls.
#include <cstdint>
#include <optional>
#include <string>

namespace seed::controllers {

// Requests below this many inference requests give no verdict: a handful of errors in the first
// seconds must not roll a canary back, nor a quiet one pass on no evidence.
inline constexpr int64_t kMinCanaryRequests = 20;

// Failed (HTTP 5xx) / all inference requests from `seed_serve_requests_total{endpoint="infer",...}`;
// nullopt when fewer than `min_requests` were answered or the text has no such samples.
std::optional<double> ErrorRatio(const std::string& metrics_text, int64_t min_requests = kMinCanaryRequests);

// GETs metrics from `url_template` with {service} and {namespace} replaced (e.g.
// http://{service}.{namespace}.svc/metrics: through the version Service, so one of the new
// version's pods answers). A failed or slow (2 s) request gives nullopt: no verdict, no rollback.
class MetricsScraper {
 public:
  explicit MetricsScraper(std::string url_template) : url_template_(std::move(url_template)) {}
  std::optional<double> operator()(const std::string& ns, const std::string& service) const;
  std::string Url(const std::string& ns, const std::string& service) const;

 private:
  std::string url_template_;
};

}  // namespace seed::controllers
