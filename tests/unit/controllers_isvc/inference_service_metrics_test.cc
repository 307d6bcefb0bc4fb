// The canary's error ratio from the model server's /metrics text.
#include "controllers/inference_service_metrics.h"

#include <gtest/gtest.h>

namespace seed::controllers {
namespace {

// As `seed-job serve` writes it (server_metrics.cc), other endpoints and families included.
constexpr char kMetrics[] =
    R"(# HELP seed_serve_requests_total HTTP requests answered, by endpoint and status code.
# TYPE seed_serve_requests_total counter
seed_serve_requests_total{endpoint="health_ready",code="200"} 900
seed_serve_requests_total{endpoint="health_ready",code="503"} 40
seed_serve_requests_total{endpoint="infer",code="200"} 180
seed_serve_requests_total{endpoint="infer",code="400"} 12
seed_serve_requests_total{endpoint="infer",code="500"} 6
seed_serve_requests_total{endpoint="infer",code="503"} 2
seed_serve_request_duration_seconds_count{endpoint="infer"} 200
seed_serve_model_ready 1
)";

TEST(ErrorRatioTest, FailedInferenceRequestsOverAllOfThem) {
  // 8 answered 5xx of 200 inference requests; a 400 is the client's mistake, not the model's.
  ASSERT_TRUE(ErrorRatio(kMetrics).has_value());
  EXPECT_DOUBLE_EQ(*ErrorRatio(kMetrics), 8.0 / 200.0);
}

TEST(ErrorRatioTest, TooFewRequestsOrNoSamplesGiveNoVerdict) {
  EXPECT_FALSE(ErrorRatio(kMetrics, 201).has_value());
  EXPECT_FALSE(ErrorRatio("seed_serve_model_ready 1\n").has_value());
  EXPECT_FALSE(ErrorRatio("").has_value());
  EXPECT_FALSE(ErrorRatio("seed_serve_requests_total{endpoint=\"infer\",code=\"500\"} x\n", 0).has_value());
}

TEST(MetricsScraperTest, TheUrlNamesTheVersionService) {
  MetricsScraper scraper("http://{service}.{namespace}.svc/metrics");
  EXPECT_EQ(scraper.Url("forecast", "serving-wind-wf01-22"),
            "http://serving-wind-wf01-22.forecast.svc/metrics");
  // Nothing listens there: no verdict rather than an error or a hang.
  EXPECT_FALSE(MetricsScraper("http://127.0.0.1:1/metrics")("forecast", "x").has_value());
}

}  // namespace
}  // namespace seed::controllers
