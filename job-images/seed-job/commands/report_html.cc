#include "commands/report_html.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>
#include <unordered_map>

#include "commands/html_number.h"
#include "commands/report_reliability.h"
#include "commands/report_tower.h"
#include "io/time.h"
#include "kernels/numeric.h"
#include "kernels/scores.h"

namespace seed::commands {
namespace {

using kernels::kNaN;

std::string Escape(const std::string& text) {
  std::string out;
  for (char c : text) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      default: out += c;
    }
  }
  return out;
}

// The band columns: the outermost quantiles the forecast carries.
std::pair<int, int> BandColumns(const io::Frame& forecast) {
  int lo = -1, hi = -1;
  double lo_tau = 1, hi_tau = 0;
  for (size_t i = 0; i < forecast.names.size(); ++i) {
    const std::string& name = forecast.names[i];
    if (name.size() < 2 || name[0] != 'p') continue;
    char* end = nullptr;
    const double pct = std::strtod(name.c_str() + 1, &end);
    if (end == nullptr || *end != '\0') continue;
    const double tau = pct / 100;
    if (tau < lo_tau) lo_tau = tau, lo = static_cast<int>(i);
    if (tau > hi_tau) hi_tau = tau, hi = static_cast<int>(i);
  }
  if (lo == hi) return {-1, -1};
  return {lo, hi};
}

struct Series {
  std::vector<int64_t> time;
  std::vector<double> forecast, actual, low, high;
  std::vector<bool> scored;  // actual present and not excluded by its qc_flag
  std::string band_label;
};

Series Align(const ReportInput& in) {
  Series s;
  const io::Frame& f = *in.forecast;
  std::unordered_map<int64_t, size_t> actual_row;
  const auto& power = in.actual->Column("power_mw");
  const int flag_column = in.actual->Find("qc_flag");
  for (size_t r = 0; r < in.actual->Rows(); ++r) actual_row.emplace(in.actual->time[r], r);
  const auto& point = f.Column("forecast_mw");
  const auto [lo, hi] = BandColumns(f);
  if (lo >= 0) s.band_label = f.names[static_cast<size_t>(lo)] + "&ndash;" + f.names[static_cast<size_t>(hi)];
  for (size_t r = 0; r < f.Rows(); ++r) {
    s.time.push_back(f.time[r]);
    s.forecast.push_back(point[r]);
    const auto it = actual_row.find(f.time[r]);
    s.actual.push_back(it == actual_row.end() ? kNaN : power[it->second]);
    bool excluded = false;
    if (it != actual_row.end() && flag_column >= 0) {
      const double flag = in.actual->columns[static_cast<size_t>(flag_column)][it->second];
      excluded = !std::isnan(flag) && (static_cast<int>(flag) & in.exclude_flags) != 0;
    }
    s.scored.push_back(!std::isnan(s.actual.back()) && !std::isnan(point[r]) && !excluded);
    s.low.push_back(lo >= 0 ? f.columns[static_cast<size_t>(lo)][r] : kNaN);
    s.high.push_back(hi >= 0 ? f.columns[static_cast<size_t>(hi)][r] : kNaN);
  }
  return s;
}

// SVG line chart of the last `days` days: band, forecast, actual, day grid and axes.
std::string Chart(const Series& s, double capacity, int days, int offset_minutes) {
  const double width = 1040, height = 340, left = 56, right = 16, top = 16, bottom = 40;
  const double plot_w = width - left - right, plot_h = height - top - bottom;
  size_t begin = 0;
  if (!s.time.empty()) {
    const int64_t from = s.time.back() - int64_t{days} * io::kDay;
    while (begin < s.time.size() && s.time[begin] <= from) ++begin;
  }
  const size_t end = s.time.size();
  if (end <= begin + 1) return "<p>Not enough forecast points to draw a chart.</p>";
  const double t0 = static_cast<double>(s.time[begin]), t1 = static_cast<double>(s.time[end - 1]);
  double ymax = capacity;
  for (size_t i = begin; i < end; ++i) {
    for (double v : {s.forecast[i], s.actual[i], s.high[i]}) {
      if (!std::isnan(v)) ymax = std::max(ymax, v);
    }
  }
  auto x = [&](size_t i) { return left + (static_cast<double>(s.time[i]) - t0) / (t1 - t0) * plot_w; };
  auto y = [&](double v) { return top + plot_h - v / ymax * plot_h; };
  char buf[160];
  std::string svg;
  std::snprintf(buf, sizeof buf, "<svg viewBox=\"0 0 %.0f %.0f\" role=\"img\" aria-label=\"forecast versus actual power\">",
                width, height);
  svg += buf;
  // Horizontal grid at quarters of capacity.
  for (int k = 0; k <= 4; ++k) {
    const double v = ymax * k / 4;
    std::snprintf(buf, sizeof buf, "<line class=\"grid\" x1=\"%.1f\" x2=\"%.1f\" y1=\"%.1f\" y2=\"%.1f\"/>", left,
                  width - right, y(v), y(v));
    svg += buf;
    std::snprintf(buf, sizeof buf, "<text class=\"axis\" x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\">%.0f</text>",
                  left - 6, y(v) + 4, v);
    svg += buf;
  }
  // Vertical grid at local midnights, labelled with the date.
  const int64_t offset = int64_t{offset_minutes} * 60;
  for (size_t i = begin; i < end; ++i) {
    if ((s.time[i] + offset) % io::kDay != 0) continue;
    std::snprintf(buf, sizeof buf, "<line class=\"grid\" x1=\"%.1f\" x2=\"%.1f\" y1=\"%.1f\" y2=\"%.1f\"/>", x(i), x(i),
                  top, top + plot_h);
    svg += buf;
    const std::string date = io::FormatRfc3339(s.time[i], offset_minutes).substr(5, 5);
    std::snprintf(buf, sizeof buf, "<text class=\"axis\" x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">%s</text>", x(i),
                  top + plot_h + 18, date.c_str());
    svg += buf;
  }
  std::snprintf(buf, sizeof buf,
                "<text class=\"axis\" transform=\"translate(14 %.1f) rotate(-90)\" text-anchor=\"middle\">MW</text>",
                top + plot_h / 2);
  svg += buf;
  // Quantile band as one polygon: upper edge forward, lower edge back.
  if (!std::isnan(s.low[begin])) {
    svg += "<polygon class=\"band\" points=\"";
    for (size_t i = begin; i < end; ++i) {
      std::snprintf(buf, sizeof buf, "%.1f,%.1f ", x(i), y(s.high[i]));
      svg += buf;
    }
    for (size_t i = end; i-- > begin;) {
      std::snprintf(buf, sizeof buf, "%.1f,%.1f ", x(i), y(s.low[i]));
      svg += buf;
    }
    svg += "\"/>";
  }
  // Lines break where a value is missing.
  auto polyline = [&](const std::vector<double>& v, const char* cls) {
    std::string out;
    bool open = false;
    for (size_t i = begin; i < end; ++i) {
      if (std::isnan(v[i])) {
        if (open) out += "\"/>";
        open = false;
        continue;
      }
      if (!open) out += std::string("<polyline class=\"") + cls + "\" points=\"";
      open = true;
      std::snprintf(buf, sizeof buf, "%.1f,%.1f ", x(i), y(v[i]));
      out += buf;
    }
    if (open) out += "\"/>";
    return out;
  };
  svg += polyline(s.actual, "actual");
  svg += polyline(s.forecast, "forecast");
  std::snprintf(buf, sizeof buf, "<rect class=\"frame\" x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\"/>", left,
                top, plot_w, plot_h);
  svg += buf;
  svg += "</svg>";
  return svg;
}

// Bars of daily accuracy with the 85 % assessment line.
std::string DailyChart(const io::Frame& daily) {
  if (!daily.Has("accuracy") || daily.Rows() == 0) return "";
  const auto& acc = daily.Column("accuracy");
  const double width = 1040, left = 56, top = 10, plot_h = 120;
  const double bar = (width - left - 16) / static_cast<double>(daily.Rows());
  auto y = [&](double v) { return top + plot_h - std::clamp(v, 0.0, 1.0) * plot_h; };
  char buf[200];
  std::string svg = "<svg viewBox=\"0 0 1040 160\" role=\"img\" aria-label=\"daily accuracy\">";
  for (int k = 0; k <= 4; ++k) {
    std::snprintf(buf, sizeof buf,
                  "<line class=\"grid\" x1=\"%.1f\" x2=\"1024\" y1=\"%.1f\" y2=\"%.1f\"/><text class=\"axis\" x=\"%.1f\" "
                  "y=\"%.1f\" text-anchor=\"end\">%d%%</text>",
                  left, y(k / 4.0), y(k / 4.0), left - 6, y(k / 4.0) + 4, k * 25);
    svg += buf;
  }
  for (size_t r = 0; r < daily.Rows(); ++r) {
    if (std::isnan(acc[r])) continue;
    std::snprintf(buf, sizeof buf, "<rect class=\"%s\" x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\"/>",
                  acc[r] >= 0.85 ? "bar" : "bar low", left + bar * static_cast<double>(r) + bar * 0.1, y(acc[r]),
                  bar * 0.8, top + plot_h - y(acc[r]));
    svg += buf;
  }
  std::snprintf(buf, sizeof buf, "<line class=\"target\" x1=\"%.1f\" x2=\"1024\" y1=\"%.1f\" y2=\"%.1f\"/>", left,
                y(0.85), y(0.85));
  svg += buf;
  return svg + "</svg>";
}

struct Summary {
  double nrmse = kNaN, nmae = kNaN, nbias = kNaN, coverage = kNaN, accuracy = kNaN, qualification = kNaN;
  size_t points = 0;
};

Summary Summarise(const Series& s, const io::Frame* daily, double capacity) {
  Summary out;
  kernels::ErrorStats errors;
  size_t inside = 0, banded = 0;
  for (size_t i = 0; i < s.time.size(); ++i) {
    if (!s.scored[i]) continue;
    errors.Add(s.actual[i] / capacity, s.forecast[i] / capacity);
    // As in the reliability diagram, points whose whole band is 0 (the model sure of no output, as
    // at night) are left out: an auxiliary draw slightly below 0 would count as a miss.
    if (!std::isnan(s.low[i]) && s.high[i] > 0) {
      ++banded;
      if (s.actual[i] >= s.low[i] && s.actual[i] <= s.high[i]) ++inside;
    }
  }
  out.points = errors.count();
  out.nrmse = errors.Rmse();
  out.nmae = errors.Mae();
  out.nbias = errors.Bias();
  if (banded > 0) out.coverage = static_cast<double>(inside) / static_cast<double>(banded);
  if (daily != nullptr) {
    for (const char* name : {"accuracy", "qualification"}) {
      if (!daily->Has(name)) continue;
      double sum = 0;
      size_t n = 0;
      for (double v : daily->Column(name)) {
        if (!std::isnan(v)) sum += v, ++n;
      }
      (std::string(name) == "accuracy" ? out.accuracy : out.qualification) = n ? sum / static_cast<double>(n) : kNaN;
    }
  }
  return out;
}

std::string Card(const std::string& label, const std::string& value, const std::string& note) {
  return "<div class=\"card\"><div class=\"label\">" + label + "</div><div class=\"value\">" + value +
         "</div><div class=\"note\">" + note + "</div></div>";
}

constexpr const char* kStyle = R"(
body{font-family:"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif;margin:0;background:#f4f6f8;color:#1f2933}
header{background:#12355b;color:#fff;padding:20px 32px}
header h1{margin:0;font-size:22px;font-weight:600}
header p{margin:4px 0 0;opacity:.8;font-size:13px}
main{max-width:1100px;margin:0 auto;padding:20px 24px 40px}
.cards{display:grid;grid-template-columns:repeat(auto-fit,minmax(150px,1fr));gap:12px;margin-bottom:20px}
.card{background:#fff;border-radius:8px;padding:12px 14px;box-shadow:0 1px 2px rgba(0,0,0,.08)}
.card .label{font-size:12px;color:#52606d;text-transform:uppercase;letter-spacing:.04em}
.card .value{font-size:24px;font-weight:600;margin-top:4px}
.card .note{font-size:12px;color:#7b8794;margin-top:2px}
section{background:#fff;border-radius:8px;padding:16px 18px;margin-bottom:20px;box-shadow:0 1px 2px rgba(0,0,0,.08)}
section h2{font-size:16px;margin:0 0 10px}
svg{width:100%;height:auto;display:block}
.grid{stroke:#e4e7eb;stroke-width:1}
.frame{fill:none;stroke:#9aa5b1;stroke-width:1}
.axis{font-size:11px;fill:#52606d}
.band{fill:#4c8bf5;fill-opacity:.18;stroke:none}
.forecast{fill:none;stroke:#1a56db;stroke-width:1.8}
.actual{fill:none;stroke:#e4572e;stroke-width:1.6}
.bar{fill:#3ebd93}.bar.low{fill:#f0b429}.target{stroke:#c81e1e;stroke-dasharray:4 3}
.legend{font-size:13px;color:#52606d;margin-top:6px}
.legend span{display:inline-block;margin-right:18px}
.swatch{display:inline-block;width:18px;height:4px;vertical-align:middle;margin-right:6px}
table{border-collapse:collapse;width:100%;font-size:13px}
th,td{padding:6px 8px;text-align:right;border-bottom:1px solid #e4e7eb}
th:first-child,td:first-child{text-align:left}
th{color:#52606d;font-weight:600;background:#f8fafc}
td.bad{color:#c81e1e;font-weight:600}
footer{font-size:12px;color:#7b8794;text-align:center}
.tolerance{fill:#3ebd93;fill-opacity:.15}.diagonal{stroke:#9aa5b1;stroke-dasharray:4 3}
.observed{fill:none;stroke:#1a56db;stroke-width:1.5}.point{fill:#1a56db}.ties{stroke:#1a56db;stroke-width:3;stroke-linecap:round;opacity:.45}.degenerate{stroke:#c81e1e;stroke-width:2.5;fill:none}
tr.degenerate td{background:#fdecea}.warning{color:#c81e1e;font-weight:600}
.reliability-layout,.tower-charts{display:grid;grid-template-columns:minmax(260px,380px) 1fr;gap:16px;align-items:start}
.wedge{fill:#4c8bf5;fill-opacity:.7;stroke:#fff}.ring{fill:none}.iec{fill:none;stroke:#9aa5b1;stroke-dasharray:5 3}
figure{margin:0}figcaption{font-size:12px;color:#52606d}
)";

}  // namespace

std::string RenderReportHtml(const ReportInput& in) {
  const Series s = Align(in);
  const Summary sum = Summarise(s, in.daily, in.capacity_mw);
  const int offset = in.forecast->utc_offset_minutes;
  const std::string from = s.time.empty() ? "" : io::FormatRfc3339(s.time.front(), offset);
  const std::string to = s.time.empty() ? "" : io::FormatRfc3339(s.time.back(), offset);

  std::string html = "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>" + Escape(in.title) +
                     "</title><meta name=\"viewport\" content=\"width=device-width,initial-scale=1\"><style>" + kStyle +
                     "</style></head><body>";
  html += "<header><h1>" + Escape(in.title) + "</h1><p>" + Escape(from) + " &rarr; " + Escape(to) + " &middot; capacity " +
          Fmt("%.1f", in.capacity_mw) + " MW &middot; " + std::to_string(sum.points) + " scored points</p></header><main>";
  html += "<div class=\"cards\">";
  html += Card("Accuracy C<sub>R</sub>", Fmt("%.2f%%", sum.accuracy * 100), "mean of daily values");
  html += Card("Qualification Q<sub>R</sub>", Fmt("%.2f%%", sum.qualification * 100), "mean of daily values");
  html += Card("nRMSE", Fmt("%.2f%%", sum.nrmse * 100), "of capacity");
  html += Card("nMAE", Fmt("%.2f%%", sum.nmae * 100), "of capacity");
  html += Card("Bias", Fmt("%+.2f%%", sum.nbias * 100), "actual &minus; forecast");
  if (!s.band_label.empty()) html += Card("Band coverage", Fmt("%.1f%%", sum.coverage * 100), s.band_label);
  html += "</div>";
  html += "<section><h2>Forecast vs actual, last " + std::to_string(in.chart_days) + " days</h2>" +
          Chart(s, in.capacity_mw, in.chart_days, offset);
  html += "<div class=\"legend\"><span><i class=\"swatch\" style=\"background:#e4572e\"></i>actual</span>"
          "<span><i class=\"swatch\" style=\"background:#1a56db\"></i>forecast (median)</span>";
  if (!s.band_label.empty()) {
    html += "<span><i class=\"swatch\" style=\"background:#4c8bf5;opacity:.35;height:10px\"></i>" + s.band_label + " band</span>";
  }
  html += "</div></section>";
  html += ReliabilitySection(AssessQuantiles(*in.forecast, s.actual, s.scored, in.capacity_mw));
  if (in.daily != nullptr && in.daily->Rows() > 0) {
    html += "<section><h2>Daily accuracy (target line 85%)</h2>" + DailyChart(*in.daily) + "</section>";
    html += "<section><h2>Daily metrics</h2><table><tr><th>Day</th>";
    const std::vector<std::pair<std::string, std::string>> cols = {
        {"accuracy", "Accuracy"}, {"qualification", "Qualification"}, {"rmse", "nRMSE"},
        {"mae", "nMAE"},          {"bias", "Bias"},                   {"pinball", "Pinball"},
        {"crps", "CRPS"},         {"points", "Points"}};
    for (const auto& [name, label] : cols) {
      if (in.daily->Has(name)) html += "<th>" + label + "</th>";
    }
    html += "</tr>";
    for (size_t r = 0; r < in.daily->Rows(); ++r) {
      html += "<tr><td>" + io::FormatRfc3339(in.daily->time[r], in.daily->utc_offset_minutes).substr(0, 10) + "</td>";
      for (const auto& [name, label] : cols) {
        if (!in.daily->Has(name)) continue;
        const double v = in.daily->Column(name)[r];
        if (name == "points") {
          html += "<td>" + Fmt("%.0f", v) + "</td>";
        } else if (name == "pinball" || name == "crps") {
          html += "<td>" + Fmt("%.3f", v) + "</td>";
        } else {
          const bool bad = name == "accuracy" && v < 0.85;
          html += std::string(bad ? "<td class=\"bad\">" : "<td>") + Fmt("%.2f%%", v * 100) + "</td>";
        }
      }
      html += "</tr>";
    }
    html += "</table></section>";
  }
  if (in.tower != nullptr) html += TowerSection(*in.tower, in.tower_source);
  html += "<footer>Generated by seed-job report. Accuracy and qualification follow the national rule unless the "
          "evaluation chose a regional one.</footer></main></body></html>\n";
  return html;
}

}  // namespace seed::commands
