#include "kernels/tower.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <limits>
#include <map>
#include <stdexcept>

#include "io/input_error.h"
#include "io/time.h"
#include "kernels/numeric.h"

namespace seed::kernels {
namespace {

// JSON has no NaN: an undefined statistic is null.
nlohmann::json Number(double v) { return std::isfinite(v) ? nlohmann::json(v) : nlohmann::json(nullptr); }

// The profile likelihood equation of the shape k (increasing in k), on speeds scaled to max 1 so
// that v^k neither overflows nor underflows for any k in the search range.
double ShapeEquation(const std::vector<double>& scaled, const std::vector<double>& log_scaled,
                     double mean_log, double k) {
  double sum_vk = 0, sum_vk_log = 0;
  for (size_t i = 0; i < scaled.size(); ++i) {
    const double vk = std::pow(scaled[i], k);
    sum_vk += vk;
    sum_vk_log += vk * log_scaled[i];
  }
  return sum_vk_log / sum_vk - 1.0 / k - mean_log;
}

}  // namespace

WeibullFit FitWeibullMle(const std::vector<double>& speeds) {
  WeibullFit fit;
  std::vector<double> v;
  for (double s : speeds) {
    if (std::isnan(s)) continue;
    if (s > 0) {
      v.push_back(s);
    } else {
      ++fit.zeros_excluded;
    }
  }
  if (v.size() < 2) throw std::invalid_argument("a Weibull fit needs at least 2 positive wind speeds");
  const double vmax = *std::max_element(v.begin(), v.end());
  if (*std::min_element(v.begin(), v.end()) == vmax)
    throw std::invalid_argument("a Weibull fit needs speeds that vary");
  std::vector<double> scaled(v.size()), log_scaled(v.size());
  double mean_log = 0, sum = 0;
  for (size_t i = 0; i < v.size(); ++i) {
    scaled[i] = v[i] / vmax;
    log_scaled[i] = std::log(scaled[i]);
    mean_log += log_scaled[i];
    sum += v[i];
  }
  mean_log /= static_cast<double>(v.size());
  // The equation rises from -infinity (k -> 0) to -mean_log > 0 (k -> infinity): bisection on ln k
  // between shapes far outside any wind climate converges to the unique root.
  double lo = std::log(0.02), hi = std::log(100.0);
  if (ShapeEquation(scaled, log_scaled, mean_log, std::exp(hi)) < 0) {
    throw std::invalid_argument("Weibull fit: the speeds are too concentrated for a shape below 100");
  }
  for (int iteration = 0; iteration < 100 && hi - lo > 1e-15; ++iteration) {
    const double mid = 0.5 * (lo + hi);
    (ShapeEquation(scaled, log_scaled, mean_log, std::exp(mid)) < 0 ? lo : hi) = mid;
  }
  fit.k = std::exp(0.5 * (lo + hi));
  double mean_vk = 0;
  for (double s : scaled) mean_vk += std::pow(s, fit.k);
  mean_vk /= static_cast<double>(scaled.size());
  fit.c = vmax * std::pow(mean_vk, 1.0 / fit.k);
  fit.rows = v.size();
  fit.mean_speed = sum / static_cast<double>(v.size());
  return fit;
}

int DirectionSector(double direction_deg, int sectors) {
  if (std::isnan(direction_deg) || sectors < 1) return -1;
  const double width = 360.0 / sectors;
  double d = std::fmod(direction_deg + width / 2, 360.0);
  if (d < 0) d += 360.0;
  return std::min(sectors - 1, static_cast<int>(d / width));
}

std::vector<TurbulenceBin> TurbulenceBins(const std::vector<double>& speed, const std::vector<double>& sigma,
                                          double width) {
  struct Sums {
    size_t n = 0;
    double speed = 0, ti = 0, s = 0, s2 = 0;
  };
  std::map<long, Sums> bins;
  for (size_t i = 0; i < speed.size() && i < sigma.size(); ++i) {
    const double v = speed[i], s = sigma[i];
    if (std::isnan(v) || std::isnan(s) || v < width / 2 || s < 0) continue;
    Sums& b = bins[std::lround(v / width)];
    ++b.n;
    b.speed += v;
    b.ti += s / v;
    b.s += s;
    b.s2 += s * s;
  }
  std::vector<TurbulenceBin> out;
  for (const auto& [index, b] : bins) {
    TurbulenceBin bin;
    const double n = static_cast<double>(b.n);
    bin.speed = static_cast<double>(index) * width;
    bin.rows = b.n;
    bin.mean_speed = b.speed / n;
    bin.mean_ti = b.ti / n;
    bin.sigma_mean = b.s / n;
    // Sample standard deviation (n - 1), as IEC 61400-1's sigma_sigma estimate.
    bin.sigma_sd =
        b.n > 1 ? std::sqrt(std::max(0.0, (b.s2 - n * bin.sigma_mean * bin.sigma_mean) / (n - 1))) : 0.0;
    bin.representative_ti = (bin.sigma_mean + 1.28 * bin.sigma_sd) / bin.speed;
    out.push_back(bin);
  }
  return out;
}

std::string IecTurbulenceCategory(double ti15) {
  // Normal turbulence model at 15 m/s: I_ref (0.75 V + 5.6) / V.
  const double factor = 0.75 + 5.6 / 15.0;
  if (ti15 <= 0.12 * factor) return "C";
  if (ti15 <= 0.14 * factor) return "B";
  if (ti15 <= 0.16 * factor) return "A";
  return "above A";
}

std::vector<RoseSector> WindRose(const std::vector<double>& speed, const std::vector<double>& direction,
                                 int sectors) {
  std::vector<RoseSector> rose(static_cast<size_t>(std::max(sectors, 1)));
  std::vector<double> sums(rose.size(), 0.0);
  size_t total = 0;
  for (size_t i = 0; i < speed.size() && i < direction.size(); ++i) {
    if (std::isnan(speed[i])) continue;
    const int s = DirectionSector(direction[i], sectors);
    if (s < 0) continue;
    ++rose[static_cast<size_t>(s)].rows;
    sums[static_cast<size_t>(s)] += speed[i];
    ++total;
  }
  for (size_t s = 0; s < rose.size(); ++s) {
    rose[s].centre_deg = 360.0 / static_cast<double>(rose.size()) * static_cast<double>(s);
    rose[s].frequency = total ? static_cast<double>(rose[s].rows) / static_cast<double>(total) : 0.0;
    rose[s].mean_speed = rose[s].rows ? sums[s] / static_cast<double>(rose[s].rows) : kNaN;
  }
  return rose;
}

namespace {

// "<prefix><number>m" -> the number; NaN when the name is not of that form.
double HeightOf(const std::string& name, const std::string& prefix) {
  if (name.size() <= prefix.size() + 1 || name.compare(0, prefix.size(), prefix) != 0 || name.back() != 'm')
    return kNaN;
  const char* begin = name.data() + prefix.size();
  const char* end = name.data() + name.size() - 1;
  double h = 0;
  const auto [ptr, ec] = std::from_chars(begin, end, h);
  return ec == std::errc() && ptr == end && h > 0 ? h : kNaN;
}

}  // namespace

std::vector<TowerColumns> FindTowerColumns(const io::Frame& tower) {
  std::map<double, TowerColumns> by_height;
  for (size_t i = 0; i < tower.names.size(); ++i) {
    const std::string& name = tower.names[i];
    // ws_sd_ before ws_: "ws_sd_70m" must not read as a speed column.
    if (const double h = HeightOf(name, "ws_sd_"); !std::isnan(h)) {
      by_height[h].sigma = static_cast<int>(i);
    } else if (const double h2 = HeightOf(name, "ws_"); !std::isnan(h2)) {
      by_height[h2].speed = static_cast<int>(i);
    } else if (const double h3 = HeightOf(name, "wd_"); !std::isnan(h3)) {
      by_height[h3].direction = static_cast<int>(i);
    }
  }
  std::vector<TowerColumns> out;
  for (auto& [h, columns] : by_height) {
    columns.height = h;
    if (columns.speed < 0) {
      char buf[32];
      const auto end = std::to_chars(buf, buf + sizeof buf, h).ptr;
      throw io::InputError(tower.source, 1, 0,
                           "a standard-deviation or direction column at " + std::string(buf, end) +
                               " m has no mean speed column ws_" + std::string(buf, end) +
                               "m; every height needs ws_<h>m");
    }
    out.push_back(columns);
  }
  if (out.empty()) {
    std::string have;
    for (const auto& n : tower.names) have += (have.empty() ? "" : ", ") + n;
    throw io::InputError(
        tower.source, 1, 0,
        "no wind speed column: a tower CSV needs ws_<height>m columns such as ws_10m, ws_70m (the "
        "header has: " +
            have + ")");
  }
  return out;
}

nlohmann::json TowerStatistics(const io::Frame& tower, const TowerOptions& options) {
  if (options.sectors < 1 || options.sectors > 72)
    throw std::invalid_argument("sectors must be between 1 and 72");
  const std::vector<TowerColumns> heights = FindTowerColumns(tower);
  auto column = [&](int index) -> const std::vector<double>& {
    return tower.columns[static_cast<size_t>(index)];
  };
  nlohmann::json out;
  out["format"] = "seed.dev/tower";
  out["rows"] = tower.Rows();
  if (tower.Rows() > 0) {
    out["from"] = io::FormatRfc3339(tower.time.front(), tower.utc_offset_minutes);
    out["to"] = io::FormatRfc3339(tower.time.back(), tower.utc_offset_minutes);
  }
  out["sectors"] = options.sectors;
  nlohmann::json& hs = out["heights"] = nlohmann::json::array();
  for (const auto& h : heights) hs.push_back(h.height);

  // Shear sectors follow the direction at the highest height that logs one.
  const TowerColumns* reference = nullptr;
  for (const auto& h : heights) {
    if (h.direction >= 0) reference = &h;
  }
  std::vector<std::pair<size_t, size_t>> pairs;
  for (size_t i = 0; i + 1 < heights.size(); ++i) pairs.emplace_back(i, i + 1);
  if (heights.size() > 2) pairs.emplace_back(0, heights.size() - 1);
  out["shear"] = nlohmann::json::array();
  for (const auto& [a, b] : pairs) {
    const std::vector<double>& lower = column(heights[a].speed);
    const std::vector<double>& upper = column(heights[b].speed);
    const size_t ns = static_cast<size_t>(options.sectors);
    std::vector<double> sum_lo(ns + 1, 0.0), sum_hi(ns + 1, 0.0), sum_alpha(ns + 1, 0.0);
    std::vector<size_t> count(ns + 1, 0);
    for (size_t r = 0; r < tower.Rows(); ++r) {
      if (!(lower[r] >= options.shear_min_speed) || !(upper[r] >= options.shear_min_speed)) continue;
      const double alpha = ShearExponent(lower[r], upper[r], heights[a].height, heights[b].height);
      const int sector = reference ? DirectionSector(column(reference->direction)[r], options.sectors) : -1;
      for (size_t slot : {ns, static_cast<size_t>(sector)}) {  // ns: all rows
        if (slot > ns) continue;                               // no direction at this row
        sum_lo[slot] += lower[r];
        sum_hi[slot] += upper[r];
        sum_alpha[slot] += alpha;
        ++count[slot];
      }
    }
    // The heights by value: clang before 16 cannot capture structured bindings.
    auto alpha_of = [&, lower_height = heights[a].height, upper_height = heights[b].height](size_t slot) {
      return count[slot] ? ShearExponent(sum_lo[slot], sum_hi[slot], lower_height, upper_height) : kNaN;
    };
    nlohmann::json pair = {
        {"lower", heights[a].height},
        {"upper", heights[b].height},
        {"minSpeed", options.shear_min_speed},
        {"rows", count[ns]},
        {"alpha", Number(alpha_of(ns))},
        {"alphaMeanOfRows", Number(count[ns] ? sum_alpha[ns] / static_cast<double>(count[ns]) : kNaN)}};
    if (reference != nullptr) {
      pair["directionHeight"] = reference->height;
      nlohmann::json& sectors = pair["bySector"] = nlohmann::json::array();
      for (size_t s = 0; s < ns; ++s) {
        sectors.push_back({{"centre", 360.0 / static_cast<double>(ns) * static_cast<double>(s)},
                           {"rows", count[s]},
                           {"alpha", Number(alpha_of(s))}});
      }
    }
    out["shear"].push_back(std::move(pair));
  }

  out["turbulence"] = nlohmann::json::array();
  for (const auto& h : heights) {
    if (h.sigma < 0) continue;
    const std::vector<TurbulenceBin> bins =
        TurbulenceBins(column(h.speed), column(h.sigma), options.ti_bin_width);
    nlohmann::json entry = {{"height", h.height}, {"binWidth", options.ti_bin_width}};
    nlohmann::json& list = entry["bins"] = nlohmann::json::array();
    double ti15 = kNaN, mean15 = kNaN;
    size_t rows15 = 0;
    for (const auto& b : bins) {
      list.push_back({{"speed", b.speed},
                      {"rows", b.rows},
                      {"meanSpeed", b.mean_speed},
                      {"meanTi", b.mean_ti},
                      {"sigmaMean", b.sigma_mean},
                      {"sigmaSd", b.sigma_sd},
                      {"representativeTi", b.representative_ti}});
      if (std::abs(b.speed - 15.0) < 1e-9) {
        rows15 = b.rows;
        if (b.rows >= options.ti_min_rows) ti15 = b.representative_ti, mean15 = b.mean_ti;
      }
    }
    entry["rows15"] = rows15;
    entry["representativeTi15"] = Number(ti15);
    entry["meanTi15"] = Number(mean15);
    entry["iecCategory"] =
        std::isfinite(ti15) ? nlohmann::json(IecTurbulenceCategory(ti15)) : nlohmann::json(nullptr);
    out["turbulence"].push_back(std::move(entry));
  }

  out["weibull"] = nlohmann::json::array();
  for (const auto& h : heights) {
    nlohmann::json entry = {{"height", h.height}};
    try {
      const WeibullFit fit = FitWeibullMle(column(h.speed));
      entry.update({{"k", fit.k},
                    {"c", fit.c},
                    {"rows", fit.rows},
                    {"zerosExcluded", fit.zeros_excluded},
                    {"meanSpeed", fit.mean_speed}});
    } catch (const std::invalid_argument& e) {
      entry.update({{"k", nullptr}, {"c", nullptr}, {"note", e.what()}});
    }
    out["weibull"].push_back(std::move(entry));
  }

  out["windRose"] = nlohmann::json::array();
  for (const auto& h : heights) {
    if (h.direction < 0) continue;
    nlohmann::json entry = {{"height", h.height}};
    nlohmann::json& sectors = entry["sectors"] = nlohmann::json::array();
    for (const RoseSector& s : WindRose(column(h.speed), column(h.direction), options.sectors)) {
      sectors.push_back({{"centre", s.centre_deg},
                         {"rows", s.rows},
                         {"frequency", s.frequency},
                         {"meanSpeed", Number(s.mean_speed)}});
    }
    out["windRose"].push_back(std::move(entry));
  }
  return out;
}

}  // namespace seed::kernels
