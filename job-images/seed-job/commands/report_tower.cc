#include "commands/report_tower.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <numbers>

#include "commands/html_number.h"
#include "io/input_error.h"

namespace seed::commands {
namespace {

// Frequency per sector as wedges around a centre, rings at equal frequency steps.
std::string RoseSvg(const nlohmann::json& rose) {
  const auto& sectors = rose.at("sectors");
  double fmax = 0;
  for (const auto& s : sectors) fmax = std::max(fmax, s.at("frequency").get<double>());
  if (!(fmax > 0)) return "<p>No rows with both speed and direction.</p>";
  const double cx = 170, cy = 170, radius = 140;
  const double half = std::numbers::pi / static_cast<double>(sectors.size());
  char buf[320];
  std::string svg = "<svg class=\"rose\" viewBox=\"0 0 340 340\" role=\"img\" aria-label=\"wind rose at " +
                    Fmt("%.0f", rose.at("height")) + " m\">";
  for (int k = 1; k <= 4; ++k) {
    std::snprintf(
        buf, sizeof buf,
        "<circle class=\"grid ring\" cx=\"%.1f\" cy=\"%.1f\" r=\"%.1f\"/><text class=\"axis\" x=\"%.1f\" "
        "y=\"%.1f\">%.0f%%</text>",
        cx, cy, radius * k / 4, cx + 3, cy - radius * k / 4 - 2, fmax * k / 4 * 100);
    svg += buf;
  }
  for (const auto& s : sectors) {
    const double f = s.at("frequency").get<double>();
    if (!(f > 0)) continue;
    const double r = radius * f / fmax;
    const double centre = s.at("centre").get<double>() * std::numbers::pi / 180;
    // Compass bearing: 0 = up (north), clockwise.
    auto px = [&](double a) { return cx + r * std::sin(a); };
    auto py = [&](double a) { return cy - r * std::cos(a); };
    std::snprintf(
        buf, sizeof buf,
        "<path class=\"wedge\" d=\"M%.1f %.1fL%.1f %.1fA%.1f %.1f 0 0 1 %.1f %.1fZ\"><title>%.0f&deg;: "
        "%.1f%%, mean %s m/s</title></path>",
        cx, cy, px(centre - half), py(centre - half), r, r, px(centre + half), py(centre + half),
        s.at("centre").get<double>(), f * 100, Fmt("%.1f", s.at("meanSpeed")).c_str());
    svg += buf;
  }
  for (const auto& [label, angle] : {std::pair{"N", 0.0}, {"E", 90.0}, {"S", 180.0}, {"W", 270.0}}) {
    const double a = angle * std::numbers::pi / 180;
    std::snprintf(buf, sizeof buf,
                  "<text class=\"axis\" x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">%s</text>",
                  cx + (radius + 14) * std::sin(a), cy - (radius + 14) * std::cos(a) + 4, label);
    svg += buf;
  }
  return svg + "</svg>";
}

// Representative TI per speed bin, with the IEC normal turbulence model of each category.
std::string TurbulenceSvg(const nlohmann::json& ti) {
  const auto& bins = ti.at("bins");
  if (bins.empty()) return "";
  const double width = 520, height = 300, left = 48, top = 12, plot_w = 450, plot_h = 250;
  double vmax = 25, timax = 0.4;
  auto x = [&](double v) { return left + std::min(v, vmax) / vmax * plot_w; };
  auto y = [&](double t) { return top + plot_h - std::min(t, timax) / timax * plot_h; };
  char buf[256];
  std::string svg = "<svg class=\"ti\" viewBox=\"0 0 " + std::to_string(static_cast<int>(width)) + " " +
                    std::to_string(static_cast<int>(height)) +
                    "\" role=\"img\" aria-label=\"turbulence intensity\">";
  for (int k = 0; k <= 4; ++k) {
    std::snprintf(buf, sizeof buf,
                  "<line class=\"grid\" x1=\"%.1f\" x2=\"%.1f\" y1=\"%.1f\" y2=\"%.1f\"/><text "
                  "class=\"axis\" x=\"%.1f\" "
                  "y=\"%.1f\" text-anchor=\"end\">%.2f</text><text class=\"axis\" x=\"%.1f\" y=\"%.1f\" "
                  "text-anchor=\"middle\">%.0f</text>",
                  left, left + plot_w, y(timax * k / 4), y(timax * k / 4), left - 6, y(timax * k / 4) + 4,
                  timax * k / 4, x(vmax * k / 4), top + plot_h + 16, vmax * k / 4);
    svg += buf;
  }
  for (const auto& [category, iref] : {std::pair{"A", 0.16}, {"B", 0.14}, {"C", 0.12}}) {
    std::string points;
    for (double v = 2; v <= vmax; v += 0.5) {
      std::snprintf(buf, sizeof buf, "%.1f,%.1f ", x(v), y(iref * (0.75 * v + 5.6) / v));
      points += buf;
    }
    svg += "<polyline class=\"iec\" points=\"" + points + "\"><title>IEC category " + category +
           "</title></polyline>";
    std::snprintf(buf, sizeof buf, "<text class=\"axis\" x=\"%.1f\" y=\"%.1f\">%s</text>", x(vmax) + 4,
                  y(iref * (0.75 * vmax + 5.6) / vmax) + 4, category);
    svg += buf;
  }
  std::string rep, mean;
  for (const auto& b : bins) {
    if (b.at("rows").get<double>() < 10) continue;  // a handful of rows says nothing about a bin
    std::snprintf(buf, sizeof buf, "%.1f,%.1f ", x(b.at("speed").get<double>()),
                  y(b.at("representativeTi").get<double>()));
    rep += buf;
    std::snprintf(buf, sizeof buf, "%.1f,%.1f ", x(b.at("speed").get<double>()),
                  y(b.at("meanTi").get<double>()));
    mean += buf;
  }
  svg += "<polyline class=\"forecast\" points=\"" + rep + "\"/><polyline class=\"actual\" points=\"" + mean +
         "\"/>";
  std::snprintf(buf, sizeof buf,
                "<text class=\"axis\" x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">wind speed (m/s)</text>",
                left + plot_w / 2, height - 4);
  svg += buf;
  return svg + "</svg>";
}

}  // namespace

std::string TowerSection(const nlohmann::json& tower, const std::string& source) {
  if (!tower.is_object() || tower.value("format", "") != "seed.dev/tower") {
    throw io::InputError(source,
                         "not a tower statistics file (expected \"format\": \"seed.dev/tower\"; write one "
                         "with `seed-job tower`)");
  }
  std::string html;
  try {
    html = "<section id=\"tower\"><h2>Anemometer tower: " + std::to_string(tower.at("rows").get<size_t>()) +
           " rows";
    if (tower.contains("from")) {
      html += ", " + tower.at("from").get<std::string>() + " &rarr; " + tower.at("to").get<std::string>();
    }
    html += "</h2><div class=\"tower-charts\">";
    const auto& roses = tower.at("windRose");
    if (!roses.empty()) {
      html += "<figure>" + RoseSvg(roses.back()) + "<figcaption>Wind rose at " +
              Fmt("%.0f", roses.back().at("height")) + " m: frequency per " +
              Fmt("%.0f", 360.0 / roses.back().at("sectors").size()) + "&deg; sector</figcaption></figure>";
    }
    const auto& turbulence = tower.at("turbulence");
    if (!turbulence.empty()) {
      const auto& ti = turbulence.back();
      html += "<figure>" + TurbulenceSvg(ti) + "<figcaption>Turbulence intensity at " +
              Fmt("%.0f", ti.at("height")) +
              " m: representative (blue) and mean (red) per speed bin; grey: IEC 61400-1 categories A, B, C. "
              "Representative TI at 15 m/s " +
              Fmt("%.3f", ti.at("representativeTi15")) + ", category " +
              (ti.at("iecCategory").is_string() ? ti.at("iecCategory").get<std::string>() : "&ndash;") +
              "</figcaption></figure>";
    }
    html +=
        "</div><h3>Wind shear (power law)</h3><table><tr><th>Heights</th><th>&alpha; (mean speeds)</th>"
        "<th>&alpha; (mean of rows)</th><th>Rows</th></tr>";
    for (const auto& s : tower.at("shear")) {
      html += "<tr><td>" + Fmt("%.0f", s.at("lower")) + "&ndash;" + Fmt("%.0f", s.at("upper")) +
              " m</td><td>" + Fmt("%.3f", s.at("alpha")) + "</td><td>" +
              Fmt("%.3f", s.at("alphaMeanOfRows")) + "</td><td>" + Fmt("%.0f", s.at("rows")) + "</td></tr>";
    }
    html +=
        "</table><h3>Weibull fit (maximum likelihood)</h3><table><tr><th>Height</th><th>k</th><th>c "
        "(m/s)</th>"
        "<th>Mean speed (m/s)</th><th>Rows</th></tr>";
    for (const auto& w : tower.at("weibull")) {
      html += "<tr><td>" + Fmt("%.0f", w.at("height")) + " m</td><td>" + Fmt("%.3f", w.at("k")) +
              "</td><td>" + Fmt("%.3f", w.at("c")) + "</td><td>" +
              Fmt("%.2f", w.value("meanSpeed", nlohmann::json())) + "</td><td>" +
              Fmt("%.0f", w.value("rows", nlohmann::json())) + "</td></tr>";
    }
    html += "</table></section>";
  } catch (const nlohmann::json::exception& e) {
    throw io::InputError(source, std::string("malformed tower statistics: ") + e.what());
  }
  return html;
}

}  // namespace seed::commands
