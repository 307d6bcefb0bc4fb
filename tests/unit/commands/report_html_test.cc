#include "commands/report_html.h"

#include <gtest/gtest.h>

#include <cmath>

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

}  // namespace
}  // namespace seed::commands
