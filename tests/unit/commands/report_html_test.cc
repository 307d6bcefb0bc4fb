#include "commands/report_html.h"

#include <gtest/gtest.h>

#include <cmath>

#include "commands/report_reliability.h"
#include "io/csv.h"

namespace seed::commands {
namespace {

size_t Count(const std::string& text, const std::string& what) {
  size_t n = 0;
  for (size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

struct Fixture {
  io::Frame forecast, actual, daily;
  Fixture() {
    std::vector<int64_t> times;
    const int64_t start = 1704038400;  // 2024-01-01T00:00:00+08:00
    for (int k = 0; k < 2 * 96; ++k) times.push_back(start + k * 900);
    forecast = io::MakeFrame(times, 480);
    actual = io::MakeFrame(times, 480);
    std::vector<double> point, low, high, power, flag;
    for (int k = 0; k < 2 * 96; ++k) {
      point.push_back(50);
      low.push_back(40);
      high.push_back(60);
      power.push_back(k == 10 ? std::nan("") : (k % 2 ? 45.0 : 55.0));
      flag.push_back(k == 20 ? 16 : 0);  // a curtailed point, not scored
    }
    power[20] = 0;  // far off, but flagged: it must not count
    forecast.Set("forecast_mw", point);
    forecast.Set("p10", low);
    forecast.Set("p90", high);
    actual.Set("power_mw", power);
    actual.Set("qc_flag", flag);
    daily = io::MakeFrame({start, start + 86400}, 480);
    daily.Set("accuracy", {0.95, 0.80});
    daily.Set("qualification", {1.0, 0.9});
    daily.Set("points", {95, 95});
  }
};

TEST(ReportHtml, SelfContainedPageWithChartBandAndTable) {
  Fixture f;
  const std::string html = RenderReportHtml(
      {.title = "Farm <A> & B", .capacity_mw = 100, .forecast = &f.forecast, .actual = &f.actual, .daily = &f.daily});
  EXPECT_EQ(html.rfind("<!DOCTYPE html>", 0), 0u);
  EXPECT_NE(html.find("Farm &lt;A&gt; &amp; B"), std::string::npos);  // escaped, never raw markup
  EXPECT_EQ(html.find("<script"), std::string::npos);
  EXPECT_EQ(html.find("src=\"http"), std::string::npos);
  EXPECT_EQ(html.find("href=\"http"), std::string::npos);
  EXPECT_EQ(Count(html, "<polygon class=\"band\""), 1u);
  // The missing actual at k = 10 breaks the actual line in two; the forecast is one line.
  EXPECT_EQ(Count(html, "<polyline class=\"actual\""), 2u);
  EXPECT_EQ(Count(html, "<polyline class=\"forecast\""), 1u);
  EXPECT_NE(html.find("p10&ndash;p90"), std::string::npos);
  // Two daily rows; the day under 85 % is marked.
  EXPECT_NE(html.find("<td>2024-01-01</td>"), std::string::npos);
  EXPECT_NE(html.find("<td>2024-01-02</td>"), std::string::npos);
  EXPECT_EQ(Count(html, "<td class=\"bad\">80.00%</td>"), 1u);
  // Means of the daily values.
  EXPECT_NE(html.find(">87.50%<"), std::string::npos);
  EXPECT_NE(html.find(">95.00%<"), std::string::npos);
}

TEST(ReportHtml, ScoresOnlyUnflaggedMeasuredPoints) {
  Fixture f;
  const std::string html =
      RenderReportHtml({.title = "t", .capacity_mw = 100, .forecast = &f.forecast, .actual = &f.actual});
  // 192 points, one missing, one flagged: 190 scored; every error is exactly 5 % of capacity.
  EXPECT_NE(html.find("190 scored points"), std::string::npos);
  EXPECT_NE(html.find("nRMSE</div><div class=\"value\">5.00%"), std::string::npos);
  EXPECT_NE(html.find("Band coverage</div><div class=\"value\">100.0%"), std::string::npos);
  EXPECT_EQ(html.find("Daily metrics"), std::string::npos);  // no daily file, no table
}

TEST(ReportHtml, BandCoverageLeavesOutNightsWhoseBandIsAllZero) {
  Fixture f;
  // The first day becomes night: a band of 0 and a plant drawing 0.2 MW of auxiliary power.
  std::vector<double> low = f.forecast.Column("p10"), high = f.forecast.Column("p90"), point = f.forecast.Column("forecast_mw");
  std::vector<double> power = f.actual.Column("power_mw");
  for (int k = 0; k < 96; ++k) {
    low[k] = high[k] = point[k] = 0;
    if (!std::isnan(power[k])) power[k] = -0.2;
  }
  f.forecast.Set("p10", low);
  f.forecast.Set("p90", high);
  f.forecast.Set("forecast_mw", point);
  f.actual.Set("power_mw", power);
  const std::string html =
      RenderReportHtml({.title = "t", .capacity_mw = 100, .forecast = &f.forecast, .actual = &f.actual});
  // Every daytime point is inside its band; the night's are not misses but not scored for coverage.
  EXPECT_NE(html.find("Band coverage</div><div class=\"value\">100.0%"), std::string::npos);
}

TEST(ReportHtml, ReliabilityDiagramMarksAConstantQuantile) {
  Fixture f;  // p10 = 40 and p90 = 60 at every row: both are flat slabs
  const std::string html =
      RenderReportHtml({.title = "t", .capacity_mw = 100, .forecast = &f.forecast, .actual = &f.actual});
  EXPECT_NE(html.find("<section id=\"reliability\">"), std::string::npos);
  EXPECT_NE(html.find("aria-label=\"reliability diagram"), std::string::npos);
  EXPECT_NE(html.find("2 of 2 quantiles are degenerate"), std::string::npos);
  EXPECT_EQ(Count(html, "<path class=\"degenerate\""), 2u);
  EXPECT_EQ(Count(html, "<tr class=\"degenerate\">"), 2u);
  EXPECT_NE(html.find("100.0% at 40.00 MW"), std::string::npos);
  // Actuals alternate 45 / 55: none is at or below p10 = 40, all are below p90 = 60.
  EXPECT_NE(
      html.find("<td>p10 &#x2716; degenerate</td><td>0.100</td><td>0.000</td><td class=\"bad\">-0.100</td>"),
      std::string::npos);
  EXPECT_NE(html.find("<td>0.900</td><td>1.000</td><td class=\"bad\">+0.100</td>"), std::string::npos);
}

TEST(AssessQuantiles, HitRatesAndDegeneracyByRule) {
  // 100 rows; the median climbs from 0 to 99 MW of 100; p25 = median - 1, p75 = median + 1, except
  // that p75 equals the median on 10 busy rows and p25 is 0 wherever the median is at most 5 MW.
  std::vector<int64_t> times;
  for (int k = 0; k < 100; ++k) times.push_back(1704038400 + k * 900);
  io::Frame forecast = io::MakeFrame(times, 480);
  std::vector<double> median, low, high, actual;
  std::vector<bool> scored;
  for (int k = 0; k < 100; ++k) {
    median.push_back(k);
    low.push_back(k <= 5 ? 0.0 : k - 1.0);
    high.push_back(k >= 50 && k < 60 ? k : k + 1.0);
    actual.push_back(k % 4 == 0 ? k - 2.0 : k + 0.5);  // a quarter below p25, the rest between p50 and p75
    scored.push_back(k != 99);
  }
  forecast.Set("forecast_mw", median);
  forecast.Set("p25", low);
  forecast.Set("p50", median);
  forecast.Set("p75", high);
  const std::vector<QuantileReliability> q = AssessQuantiles(forecast, actual, scored, 100);
  ASSERT_EQ(q.size(), 3u);
  EXPECT_EQ(q[0].column, "p25");
  EXPECT_EQ(q[0].scored, 99u);
  EXPECT_NEAR(q[0].hit_rate, 24.0 / 99,
              1e-12);              // k = 0, 8, 12, ..., 96 (at k = 4, p25 is 0 and the actual 2)
  EXPECT_EQ(q[0].busy_rows, 94u);  // median 6 .. 99
  EXPECT_FALSE(q[0].degenerate);   // its zeros are all at a median of 5 MW or less
  // p75 = p50 on 10 of the 94 busy rows (10.6 % > 5 %): both are marked.
  EXPECT_NEAR(q[2].neighbour_share, 10.0 / 94, 1e-12);
  EXPECT_TRUE(q[2].degenerate);
  EXPECT_TRUE(q[1].degenerate);
  EXPECT_NEAR(q[2].hit_rate, 91.0 / 99,
              1e-12);  // misses where p75 = k < k + 0.5: 50, 51, 53, 54, 55, 57, 58, 59
  // A night row (every quantile 0, actual a little below) is left out of the hit rates.
  forecast.Column("p25")[0] = 0;
  forecast.Column("p50")[0] = 0;
  forecast.Column("p75")[0] = 0;
  actual[0] = -0.04;
  const std::vector<QuantileReliability> night = AssessQuantiles(forecast, actual, scored, 100);
  EXPECT_EQ(night[0].scored, 98u);
  EXPECT_NEAR(night[0].hit_rate, 23.0 / 98, 1e-12);
  // 4 equal rows (4.3 %) stay under the threshold.
  for (int k = 54; k < 60; ++k) forecast.Column("p75")[static_cast<size_t>(k)] = k + 1.0;
  const std::vector<QuantileReliability> fine = AssessQuantiles(forecast, actual, scored, 100);
  EXPECT_FALSE(fine[2].degenerate);
  EXPECT_FALSE(fine[1].degenerate);
}

}  // namespace
}  // namespace seed::commands
