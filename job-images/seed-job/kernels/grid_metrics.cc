#include "kernels/grid_metrics.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <limits>

#include "kernels/numeric.h"

namespace seed::kernels {
namespace {

struct Point {
  double p, f, c;
};

constexpr std::array<std::pair<std::string_view, GridRule>, 8> kRuleNames = {{
    {"national", GridRule::kNational},
    {"national-mae", GridRule::kNationalMae},
    {"north-china", GridRule::kNorthChina},
    {"southern-2022", GridRule::kSouthernGrid2022},
    {"southern-power", GridRule::kSouthernPower},
    {"northwest", GridRule::kNorthwest},
    {"northwest-2023", GridRule::kNorthwest2023},
    {"zhejiang", GridRule::kZhejiang},
}};

bool ClipsNegatives(GridRule rule) { return rule != GridRule::kNational && rule != GridRule::kNationalMae; }

// The dead band a rule applies before scoring.
bool Kept(GridRule rule, const Point& x) {
  switch (rule) {
    case GridRule::kSouthernGrid2022:
      return !(x.p < 0.1 * x.c && x.f < 0.1 * x.c);
    case GridRule::kNorthwest2023:
      return !(x.p <= 0.03 * x.c && x.f <= 0.03 * x.c);
    default:
      return true;
  }
}

double Accuracy(GridRule rule, const std::vector<Point>& pts) {
  const double n = static_cast<double>(pts.size());
  switch (rule) {
    case GridRule::kNational: {
      double s = 0;
      for (const Point& x : pts) s += std::pow((x.p - x.f) / x.c, 2);
      return 1.0 - std::sqrt(s / n);
    }
    case GridRule::kNationalMae: {
      double s = 0;
      for (const Point& x : pts) s += std::abs(x.p - x.f) / x.c;
      return 1.0 - s / n;
    }
    case GridRule::kNorthChina: {
      // Errors in units of capacity, so a changing running capacity is handled point by point.
      double s1 = 0, s3 = 0;
      for (const Point& x : pts) {
        const double e = std::abs(x.p - x.f) / x.c;
        s1 += e;
        s3 += e * e * e;
      }
      return s1 > 0 ? 1.0 - std::sqrt(s3 / s1) : 1.0;
    }
    case GridRule::kSouthernGrid2022:
    case GridRule::kSouthernPower: {
      double s = 0;
      for (const Point& x : pts) s += std::pow((x.p - x.f) / std::max(x.p, 0.2 * x.c), 2);
      return std::max(1.0 - std::sqrt(s / n), 0.0);
    }
    case GridRule::kNorthwest:
    case GridRule::kNorthwest2023: {
      double total = 0;
      for (const Point& x : pts) total += std::abs(x.p - x.f);
      if (total <= 0) return 1.0;
      double s = 0;
      for (const Point& x : pts) {
        const double sum = x.p + x.f;
        if (sum <= 0) continue;  // both zero: no error, no weight
        s += std::abs(x.p / sum - 0.5) * std::abs(x.p - x.f) / total;
      }
      return 1.0 - 2.0 * s;
    }
    case GridRule::kZhejiang: {
      double s = 0;
      for (const Point& x : pts) {
        if (x.p == 0) {
          s += x.f == 0 ? 0.0 : 1.0;
        } else {
          s += std::min(std::pow((x.p - x.f) / x.p, 2), 1.0);
        }
      }
      return 1.0 - std::sqrt(s / n);
    }
  }
  return kNaN;
}

}  // namespace

GridScore ScoreWindow(GridRule rule, const std::vector<double>& actual, const std::vector<double>& forecast,
                      const std::vector<double>& capacity, double qualification_threshold) {
  const size_t n = std::min({actual.size(), forecast.size(), capacity.size()});
  std::vector<Point> pts;
  pts.reserve(n);
  for (size_t i = 0; i < n; ++i) {
    Point x{actual[i], forecast[i], capacity[i]};
    if (!std::isfinite(x.p) || !std::isfinite(x.f) || !(x.c > 0) || !std::isfinite(x.c)) continue;
    if (ClipsNegatives(rule)) {
      x.p = std::max(x.p, 0.0);
      x.f = std::max(x.f, 0.0);
    }
    if (Kept(rule, x)) pts.push_back(x);
  }
  GridScore score;
  score.points = pts.size();
  if (pts.empty()) {
    score.accuracy = kNaN;
    score.qualification = kNaN;
    return score;
  }
  score.accuracy = Accuracy(rule, pts);
  size_t qualified = 0;
  for (const Point& x : pts) {
    // |e|/C <= 1 - threshold is 1 - |e|/C >= threshold, written so an exact 25 % miss stays qualified.
    if (std::abs(x.p - x.f) / x.c <= 1.0 - qualification_threshold) ++qualified;
  }
  score.qualification = static_cast<double>(qualified) / static_cast<double>(pts.size());
  return score;
}

std::optional<GridRule> ParseGridRule(std::string_view name) {
  for (const auto& [text, rule] : kRuleNames) {
    if (text == name) return rule;
  }
  return std::nullopt;
}

std::string GridRuleName(GridRule rule) {
  for (const auto& [text, r] : kRuleNames) {
    if (r == rule) return std::string(text);
  }
  return "unknown";
}

std::string GridRuleNames() {
  std::string out;
  for (const auto& [text, rule] : kRuleNames) out += (out.empty() ? "" : "|") + std::string(text);
  return out;
}

}  // namespace seed::kernels
