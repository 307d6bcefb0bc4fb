#include "kernels/wind_correction.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>

#include "io/input_error.h"
#include "io/time.h"

namespace seed::kernels {
namespace {

constexpr int kHours = 24;
constexpr long kMinFitRows = 10;

int LocalHour(int64_t unix_seconds, int offset_minutes) {
  int64_t s = (unix_seconds + int64_t{offset_minutes} * 60) % io::kDay;
  if (s < 0) s += io::kDay;
  return static_cast<int>(s / 3600);
}

bool EndsWith(const std::string& s, std::string_view suffix) {
  return s.size() > suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

}  // namespace

LinearMap FitLine(const std::vector<double>& x, const std::vector<double>& y) {
  double sx = 0, sy = 0;
  long n = 0;
  for (size_t i = 0; i < x.size(); ++i) {
    if (std::isnan(x[i]) || std::isnan(y[i])) continue;
    sx += x[i], sy += y[i], ++n;
  }
  LinearMap map;
  map.samples = n;
  if (n == 0) return map;
  const double mx = sx / static_cast<double>(n), my = sy / static_cast<double>(n);
  double sxx = 0, sxy = 0;
  for (size_t i = 0; i < x.size(); ++i) {
    if (std::isnan(x[i]) || std::isnan(y[i])) continue;
    sxx += (x[i] - mx) * (x[i] - mx);
    sxy += (x[i] - mx) * (y[i] - my);
  }
  // Spread below 0.1 m/s (sd) cannot pin a slope down.
  map.slope = (n >= 3 && sxx / static_cast<double>(n) > 0.01) ? std::clamp(sxy / sxx, 0.2, 3.0) : 1.0;
  map.intercept = my - map.slope * mx;
  return map;
}

int WindCorrection::Sector(double direction) const {
  const double width = 360.0 / sectors;
  double d = std::fmod(direction + width / 2, 360.0);
  if (d < 0) d += 360.0;
  return std::min(sectors - 1, static_cast<int>(d / width));
}

const LinearMap& WindCorrection::MapFor(const SourceCorrection& source, double direction,
                                        int local_hour) const {
  if (!source.has_direction || std::isnan(direction)) return source.global;
  const int s = Sector(direction);
  const LinearMap& specific = source.sector_hour[static_cast<size_t>(s * kHours + local_hour)];
  if (specific.samples >= min_samples) return specific;
  const LinearMap& by_sector = source.sector[static_cast<size_t>(s)];
  if (by_sector.samples >= min_samples) return by_sector;
  return source.global;
}

nlohmann::json WindCorrection::ToJson() const {
  const auto map_json = [](const LinearMap& m) {
    return nlohmann::json{{"intercept", m.intercept}, {"slope", m.slope}, {"samples", m.samples}};
  };
  nlohmann::json json = {{"sectors", sectors},
                         {"min_samples", min_samples},
                         {"utc_offset_minutes", utc_offset_minutes},
                         {"hierarchy", "sector x hour, then sector, then global"}};
  nlohmann::json sources_json = nlohmann::json::object();
  for (const auto& s : sources) {
    nlohmann::json item = {
        {"fit_rows", s.fit_rows},
        {"rmse_before", s.rmse_before},
        {"rmse_after", s.rmse_after},
        {"has_direction", s.has_direction},
        {"rows_by_level",
         {{"sector_hour", s.used_sector_hour}, {"sector", s.used_sector}, {"global", s.used_global}}},
        {"global", map_json(s.global)}};
    nlohmann::json sectors_json = nlohmann::json::array();
    for (size_t k = 0; k < s.sector.size(); ++k) {
      nlohmann::json hours = nlohmann::json::array();
      for (int h = 0; h < kHours; ++h) {
        const LinearMap& m = s.sector_hour[k * kHours + static_cast<size_t>(h)];
        hours.push_back(m.samples >= min_samples ? map_json(m) : nlohmann::json(nullptr));
      }
      nlohmann::json sector_json = s.sector[k].samples >= min_samples
                                       ? map_json(s.sector[k])
                                       : nlohmann::json{{"samples", s.sector[k].samples}};
      sector_json["by_hour"] = hours;
      sectors_json.push_back(sector_json);
    }
    item["by_sector"] = sectors_json;
    sources_json[s.source] = item;
  }
  json["sources"] = sources_json;
  return json;
}

std::vector<std::string> NwpSources(const io::Frame& nwp) {
  std::vector<std::string> sources;
  for (const auto& name : nwp.names) {
    if (EndsWith(name, "_ws")) sources.push_back(name.substr(0, name.size() - 3));
  }
  return sources;
}

WindCorrection FitWindCorrection(const io::Frame& nwp, const io::Frame& measurements,
                                 const WindCorrectionOptions& options) {
  if (options.sectors < 1 || options.sectors > 36)
    throw std::invalid_argument("sectors must be between 1 and 36");
  if (options.min_samples < 2) throw std::invalid_argument("min samples must be >= 2");
  const auto sources = NwpSources(nwp);
  if (sources.empty()) {
    std::string have;
    for (const auto& n : nwp.names) have += (have.empty() ? "" : ", ") + n;
    throw io::InputError(
        nwp.source, 1, 0,
        "no NWP wind speed column: expected <source>_ws such as ec_ws (the header has: time, " + have + ")");
  }
  const auto& measured = measurements.Column(options.measured_column);
  const int flag_index = measurements.Find("qc_flag");

  // Rows of the NWP with a usable measurement at the same time (both frames are time-sorted).
  std::vector<size_t> nwp_rows;
  std::vector<double> truth;
  for (size_t i = 0, j = 0; i < nwp.Rows() && j < measurements.Rows();) {
    if (nwp.time[i] < measurements.time[j]) {
      ++i;
    } else if (nwp.time[i] > measurements.time[j]) {
      ++j;
    } else {
      const bool flagged =
          flag_index >= 0 && !(measurements.columns[static_cast<size_t>(flag_index)][j] == 0);
      if (!flagged && !std::isnan(measured[j])) {
        nwp_rows.push_back(i);
        truth.push_back(measured[j]);
      }
      ++i, ++j;
    }
  }

  WindCorrection model;
  model.sectors = options.sectors;
  model.min_samples = options.min_samples;
  model.utc_offset_minutes = nwp.utc_offset_minutes;
  for (const auto& name : sources) {
    SourceCorrection source;
    source.source = name;
    const auto& ws = nwp.Column(name + "_ws");
    const int wd_index = nwp.Find(name + "_wd");
    source.has_direction = wd_index >= 0;
    std::vector<double> x, y;
    std::vector<int> sector, hour;
    for (size_t k = 0; k < nwp_rows.size(); ++k) {
      const size_t r = nwp_rows[k];
      if (std::isnan(ws[r])) continue;
      x.push_back(ws[r]);
      y.push_back(truth[k]);
      const double wd = source.has_direction ? nwp.columns[static_cast<size_t>(wd_index)][r] : std::nan("");
      sector.push_back(std::isnan(wd) ? -1 : model.Sector(wd));
      hour.push_back(LocalHour(nwp.time[r], nwp.utc_offset_minutes));
    }
    source.fit_rows = static_cast<long>(x.size());
    if (source.fit_rows < kMinFitRows) {
      throw io::InputError(measurements.source,
                           "only " + std::to_string(source.fit_rows) + " rows where " + name +
                               "_ws and a usable measured " + options.measured_column +
                               " share a time (need at least " + std::to_string(kMinFitRows) +
                               "); check that the files cover the same period and time zone");
    }
    source.global = FitLine(x, y);
    source.sector.resize(static_cast<size_t>(options.sectors));
    source.sector_hour.resize(static_cast<size_t>(options.sectors * kHours));
    if (source.has_direction) {
      for (int s = 0; s < options.sectors; ++s) {
        std::vector<double> xs, ys;
        std::vector<std::vector<double>> xh(kHours), yh(kHours);
        for (size_t k = 0; k < x.size(); ++k) {
          if (sector[k] != s) continue;
          xs.push_back(x[k]), ys.push_back(y[k]);
          xh[static_cast<size_t>(hour[k])].push_back(x[k]);
          yh[static_cast<size_t>(hour[k])].push_back(y[k]);
        }
        source.sector[static_cast<size_t>(s)] = FitLine(xs, ys);
        for (int h = 0; h < kHours; ++h) {
          source.sector_hour[static_cast<size_t>(s * kHours + h)] =
              FitLine(xh[static_cast<size_t>(h)], yh[static_cast<size_t>(h)]);
        }
      }
    }
    double se_before = 0, se_after = 0;
    for (size_t k = 0; k < x.size(); ++k) {
      const int s = sector[k];
      const LinearMap* map = &source.global;
      if (s >= 0) {
        const LinearMap& specific = source.sector_hour[static_cast<size_t>(s * kHours + hour[k])];
        const LinearMap& by_sector = source.sector[static_cast<size_t>(s)];
        if (specific.samples >= options.min_samples) {
          map = &specific;
        } else if (by_sector.samples >= options.min_samples) {
          map = &by_sector;
        }
      }
      if (map == &source.global) {
        ++source.used_global;
      } else if (map == &source.sector[static_cast<size_t>(s)]) {
        ++source.used_sector;
      } else {
        ++source.used_sector_hour;
      }
      const double corrected = std::max(0.0, map->Apply(x[k]));
      se_before += (x[k] - y[k]) * (x[k] - y[k]);
      se_after += (corrected - y[k]) * (corrected - y[k]);
    }
    source.rmse_before = std::sqrt(se_before / static_cast<double>(x.size()));
    source.rmse_after = std::sqrt(se_after / static_cast<double>(x.size()));
    model.sources.push_back(std::move(source));
  }
  return model;
}

io::Frame ApplyWindCorrection(const io::Frame& nwp, const WindCorrection& correction) {
  io::Frame out = nwp;
  for (const auto& source : correction.sources) {
    auto& ws = out.Column(source.source + "_ws");
    const int wd_index = nwp.Find(source.source + "_wd");
    for (size_t r = 0; r < out.Rows(); ++r) {
      if (std::isnan(ws[r])) continue;
      const double wd = wd_index >= 0 ? nwp.columns[static_cast<size_t>(wd_index)][r] : std::nan("");
      const LinearMap& map =
          correction.MapFor(source, wd, LocalHour(nwp.time[r], correction.utc_offset_minutes));
      ws[r] = std::max(0.0, map.Apply(ws[r]));
    }
  }
  return out;
}

}  // namespace seed::kernels
