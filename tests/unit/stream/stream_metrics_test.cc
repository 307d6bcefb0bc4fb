#include "stream/stream_metrics.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "promtool/promtool.h"
#include "stream/rules.h"

namespace seed::stream {
namespace {

using ::testing::HasSubstr;

TEST(StreamMetrics, CountsPerRuleAndPassesPromtool) {
  StreamMetrics metrics({{"plant/+/features", "wf01"}, {"pv/#", "pv03"}},
                        {.queue_depth = [] { return 3.0; },
                         .queue_capacity = [] { return 1000.0; },
                         .connected = [] { return 1.0; },
                         .reconnects = [] { return 2.0; },
                         .publish_pending = [] { return 0.0; }});
  metrics.Received(0);
  metrics.Received(0);
  metrics.Received(1);
  const double lag = 0.3;
  metrics.Published(0, 5, 0.0007, &lag);
  metrics.Published(1, 1, 0.002, nullptr);
  metrics.Error(0, ErrorReason::kMalformed);
  const std::string text = metrics.Render();
  EXPECT_THAT(
      text,
      HasSubstr("seed_stream_messages_received_total{subscription=\"plant/+/features\",model=\"wf01\"} 2\n"));
  EXPECT_THAT(
      text,
      HasSubstr("seed_stream_rows_predicted_total{subscription=\"plant/+/features\",model=\"wf01\"} 5\n"));
  EXPECT_THAT(text, HasSubstr("seed_stream_errors_total{subscription=\"plant/+/"
                              "features\",model=\"wf01\",reason=\"malformed\"} 1\n"));
  EXPECT_THAT(text, HasSubstr("seed_stream_lag_seconds_bucket{subscription=\"plant/+/"
                              "features\",model=\"wf01\",le=\"0.25\"} 0\n"));
  EXPECT_THAT(
      text,
      HasSubstr(
          "seed_stream_lag_seconds_bucket{subscription=\"plant/+/features\",model=\"wf01\",le=\"0.5\"} 1\n"));
  EXPECT_THAT(text, HasSubstr("seed_stream_lag_seconds_count{subscription=\"pv/#\",model=\"pv03\"} 0\n"));
  EXPECT_THAT(
      text,
      HasSubstr(
          "seed_stream_processing_seconds_bucket{subscription=\"pv/#\",model=\"pv03\",le=\"0.0025\"} 1\n"));
  EXPECT_THAT(text, HasSubstr("seed_stream_queue_depth 3\n"));
  EXPECT_THAT(text, HasSubstr("seed_stream_reconnects_total 2\n"));
  EXPECT_THAT(text,
              ::testing::Not(HasSubstr("subscription=\"\"")));  // no "no rule" series until one is needed
  EXPECT_EQ(metrics.received_total(), 3u);
  EXPECT_EQ(metrics.published_total(), 2u);
  EXPECT_EQ(metrics.errors_total(), 1u);
  promtool::CheckResult checked = promtool::CheckMetrics(text);
  EXPECT_TRUE(checked.ok) << checked.output << "\n" << text;
  metrics.Error(StreamRules::kNoRule, ErrorReason::kNoRule);
  EXPECT_THAT(metrics.Render(),
              HasSubstr("seed_stream_errors_total{subscription=\"\",model=\"\",reason=\"no_rule\"} 1\n"));
}

}  // namespace
}  // namespace seed::stream
