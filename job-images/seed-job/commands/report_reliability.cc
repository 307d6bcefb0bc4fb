#include "commands/report_reliability.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <map>

#include "commands/html_number.h"

namespace seed::commands {
namespace {

constexpr double kBusyFraction = 0.05;  // the median above this share of capacity
constexpr double kDegenerateShare = 0.05;
constexpr double kTolerance = 0.04;  // the band drawn around the diagonal (+-4 points)

// Values equal to a micro-MW are one value (CSV round trips print fewer digits than a double has).
long long Key(double v) { return std::llround(v * 1e6); }

// The signed calibration error: 0 when below_rate <= tau <= hit_rate, else the observed rate
// nearest to tau minus tau (positive: hit too often).
double CalibrationError(const QuantileReliability& q) {
  if (q.below_rate > q.tau) return q.below_rate - q.tau;
  if (q.hit_rate < q.tau) return q.hit_rate - q.tau;
  return 0;
}

}  // namespace

std::vector<QuantileReliability> AssessQuantiles(const io::Frame& forecast, const std::vector<double>& actual,
                                                 const std::vector<bool>& scored, double capacity) {
  std::vector<QuantileReliability> out;
  std::vector<const std::vector<double>*> columns;
  for (size_t i = 0; i < forecast.names.size(); ++i) {
    const std::string& name = forecast.names[i];
    if (name.size() < 2 || name[0] != 'p') continue;
    char* end = nullptr;
    const double pct = std::strtod(name.c_str() + 1, &end);
    if (end == nullptr || *end != '\0' || !(pct > 0 && pct < 100)) continue;
    QuantileReliability q;
    q.tau = pct / 100;
    q.column = name;
    out.push_back(q);
  }
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.tau < b.tau; });
  for (const auto& q : out) columns.push_back(&forecast.Column(q.column));
  if (out.empty()) return out;

  const std::vector<double>& median =
      forecast.Has("p50") ? forecast.Column("p50") : forecast.Column("forecast_mw");
  std::vector<size_t> busy;
  for (size_t r = 0; r < forecast.Rows(); ++r) {
    if (median[r] > kBusyFraction * capacity) busy.push_back(r);
  }
  // Points where every quantile is 0 (the model is sure of no output: night) say nothing about
  // calibration and would count as hits for every level; they are left out of the hit rates.
  std::vector<bool> certain_zero(forecast.Rows(), true);
  for (const auto* column : columns) {
    for (size_t r = 0; r < forecast.Rows(); ++r) certain_zero[r] = certain_zero[r] && (*column)[r] == 0.0;
  }
  for (size_t k = 0; k < out.size(); ++k) {
    QuantileReliability& q = out[k];
    const std::vector<double>& v = *columns[k];
    size_t hits = 0, strictly_below = 0;
    for (size_t r = 0; r < forecast.Rows() && r < actual.size(); ++r) {
      if (!scored[r] || std::isnan(v[r]) || certain_zero[r]) continue;
      ++q.scored;
      if (actual[r] <= v[r]) ++hits;
      if (actual[r] < v[r]) ++strictly_below;
    }
    q.hit_rate = q.scored ? static_cast<double>(hits) / static_cast<double>(q.scored) : std::nan("");
    q.below_rate =
        q.scored ? static_cast<double>(strictly_below) / static_cast<double>(q.scored) : std::nan("");
    q.busy_rows = busy.size();
    if (busy.empty()) continue;
    std::map<long long, size_t> counts;
    size_t equal_neighbour = 0;
    for (size_t r : busy) {
      if (std::isnan(v[r])) continue;
      ++counts[Key(v[r])];
      const bool below = k > 0 && Key((*columns[k - 1])[r]) == Key(v[r]);
      const bool above = k + 1 < out.size() && Key((*columns[k + 1])[r]) == Key(v[r]);
      if (below || above) ++equal_neighbour;
    }
    const auto mode = std::max_element(counts.begin(), counts.end(),
                                       [](const auto& a, const auto& b) { return a.second < b.second; });
    const double n = static_cast<double>(busy.size());
    if (mode != counts.end()) {
      q.constant_share = static_cast<double>(mode->second) / n;
      q.constant_value = static_cast<double>(mode->first) / 1e6;
    }
    q.neighbour_share = static_cast<double>(equal_neighbour) / n;
    q.degenerate = q.constant_share > kDegenerateShare || q.neighbour_share > kDegenerateShare;
  }
  return out;
}

std::string ReliabilitySection(const std::vector<QuantileReliability>& quantiles) {
  if (quantiles.empty()) return "";
  const double size = 360, left = 48, top = 12, plot = 300;
  auto x = [&](double v) { return left + v * plot; };
  auto y = [&](double v) { return top + plot - v * plot; };
  char buf[256];
  std::string svg =
      "<svg class=\"reliability\" viewBox=\"0 0 " + Fmt("%.0f", size + 20) + " " + Fmt("%.0f", size) +
      "\" role=\"img\" aria-label=\"reliability diagram: observed hit rate against nominal level\">";
  for (int k = 0; k <= 4; ++k) {
    const double v = k / 4.0;
    std::snprintf(
        buf, sizeof buf,
        "<line class=\"grid\" x1=\"%.1f\" x2=\"%.1f\" y1=\"%.1f\" y2=\"%.1f\"/><line class=\"grid\" "
        "x1=\"%.1f\" x2=\"%.1f\" y1=\"%.1f\" y2=\"%.1f\"/>",
        x(0), x(1), y(v), y(v), x(v), x(v), y(0), y(1));
    svg += buf;
    std::snprintf(
        buf, sizeof buf,
        "<text class=\"axis\" x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\">%.2f</text><text class=\"axis\" "
        "x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">%.2f</text>",
        x(0) - 6, y(v) + 4, v, x(v), y(0) + 16, v);
    svg += buf;
  }
  // The tolerance band around the diagonal, then the diagonal (perfect calibration).
  std::snprintf(
      buf, sizeof buf,
      "<polygon class=\"tolerance\" points=\"%.1f,%.1f %.1f,%.1f %.1f,%.1f %.1f,%.1f %.1f,%.1f %.1f,%.1f\"/>",
      x(0), y(0), x(kTolerance), y(0), x(1), y(1 - kTolerance), x(1), y(1), x(1 - kTolerance), y(1), x(0),
      y(kTolerance));
  svg += buf;
  std::snprintf(buf, sizeof buf, "<line class=\"diagonal\" x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"/>",
                x(0), y(0), x(1), y(1));
  svg += buf;
  std::string line;
  for (const auto& q : quantiles) {
    if (std::isnan(q.hit_rate)) continue;
    std::snprintf(buf, sizeof buf, "%.1f,%.1f ", x(q.tau), y(q.hit_rate));
    line += buf;
  }
  if (!line.empty()) svg += "<polyline class=\"observed\" points=\"" + line + "\"/>";
  for (const auto& q : quantiles) {
    if (std::isnan(q.hit_rate)) continue;
    if (q.below_rate < q.hit_rate) {  // ties: every rate on this segment is right for the quantile
      std::snprintf(buf, sizeof buf, "<line class=\"ties\" x1=\"%.1f\" x2=\"%.1f\" y1=\"%.1f\" y2=\"%.1f\"/>",
                    x(q.tau), x(q.tau), y(q.below_rate), y(q.hit_rate));
      svg += buf;
    }
    if (q.degenerate) {
      // A cross, so the mark survives printing in grey.
      const double cx = x(q.tau), cy = y(q.hit_rate), d = 5;
      std::snprintf(buf, sizeof buf,
                    "<path class=\"degenerate\" d=\"M%.1f %.1fL%.1f %.1fM%.1f %.1fL%.1f %.1f\"><title>%s "
                    "degenerate</title></path>",
                    cx - d, cy - d, cx + d, cy + d, cx - d, cy + d, cx + d, cy - d, q.column.c_str());
    } else {
      std::snprintf(buf, sizeof buf,
                    "<circle class=\"point\" cx=\"%.1f\" cy=\"%.1f\" r=\"3\"><title>%s</title></circle>",
                    x(q.tau), y(q.hit_rate), q.column.c_str());
    }
    svg += buf;
  }
  std::snprintf(
      buf, sizeof buf,
      "<text class=\"axis\" x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">nominal level</text><text "
      "class=\"axis\" transform=\"translate(12 %.1f) rotate(-90)\" text-anchor=\"middle\">observed hit "
      "rate</text>",
      x(0.5), size - 6, y(0.5));
  svg += buf;
  svg += "</svg>";

  size_t degenerate = 0;
  for (const auto& q : quantiles) degenerate += q.degenerate ? 1 : 0;
  std::string html = "<section id=\"reliability\"><h2>Reliability of the quantiles</h2>";
  if (degenerate > 0) {
    html += "<p class=\"warning\">" + std::to_string(degenerate) + " of " + std::to_string(quantiles.size()) +
            " quantiles are degenerate (&#x2716;): constant, or equal to a neighbouring quantile, on more "
            "than 5% of "
            "the rows where the median is above 5% of capacity.</p>";
  }
  html += "<div class=\"reliability-layout\">" + svg +
          "<table><tr><th>Quantile</th><th>Nominal</th><th>Observed</th>"
          "<th>Difference</th><th>Constant</th><th>= neighbour</th></tr>";
  for (const auto& q : quantiles) {
    const double diff = CalibrationError(q);
    const bool off = std::abs(diff) > kTolerance;
    html += std::string(q.degenerate ? "<tr class=\"degenerate\">" : "<tr>") + "<td>" + q.column +
            (q.degenerate ? " &#x2716; degenerate" : "") + "</td><td>" + Fmt("%.3f", q.tau) + "</td><td>" +
            (q.below_rate < q.hit_rate ? Fmt("%.3f", q.below_rate) + "&ndash;" : std::string()) +
            Fmt("%.3f", q.hit_rate) + "</td>" + (off ? "<td class=\"bad\">" : "<td>") + Fmt("%+.3f", diff) +
            "</td>" + (q.constant_share > kDegenerateShare ? "<td class=\"bad\">" : "<td>") +
            Fmt("%.1f%%", q.constant_share * 100) +
            (q.constant_share > kDegenerateShare ? " at " + Fmt("%.2f", q.constant_value) + " MW" : "") +
            "</td>" + (q.neighbour_share > kDegenerateShare ? "<td class=\"bad\">" : "<td>") +
            Fmt("%.1f%%", q.neighbour_share * 100) + "</td></tr>";
  }
  html +=
      "</table></div><p class=\"legend\">Observed hit rate: the share of scored points whose actual is at or "
      "below the quantile (points where every quantile is 0, such as nights, are left out). Where actuals "
      "equal the quantile (no output under a quantile of 0) it shows the range from the share strictly below "
      "to the share at or below, drawn as a vertical segment: the quantile is right when its level lies in "
      "that "
      "range, and the difference is the level's distance to it. The shaded band is &plusmn;4 points around "
      "the "
      "diagonal. Constant and &ldquo;= neighbour&rdquo; shares are over the " +
      std::to_string(quantiles.front().busy_rows) +
      " rows whose median is above 5% of capacity.</p></section>";
  return html;
}

}  // namespace seed::commands
