#include "kernels/features.h"

#include <algorithm>
#include <cmath>
#include <functional>
#include <limits>
#include <numbers>
#include <stdexcept>

#include "io/input_error.h"
#include "kernels/clearsky.h"
#include "kernels/pv_physical.h"
#include "kernels/solar_position.h"

namespace seed::kernels {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr double kDegToRad = std::numbers::pi / 180.0;

// Columns of the frame we may read, resolved once; a missing optional column is nullptr.
struct Inputs {
  Inputs(const io::Frame& f, const FeatureSource& s) : frame(f), source(s) {}
  const io::Frame& frame;
  const FeatureSource& source;
  const std::vector<double>* speed = nullptr;
  const std::vector<double>* direction = nullptr;
  const std::vector<double>* spread = nullptr;
  const std::vector<double>* ghi = nullptr;
  const std::vector<double>* temperature = nullptr;
  const std::vector<size_t>* rows = nullptr;     // the rows features are built for (nullptr: all)
  std::vector<double> cos_zenith, clearsky_ghi;  // computed on first use, for those rows
};

const std::vector<double>* Optional(const io::Frame& frame, const std::string& name) {
  const int index = frame.Find(name);
  return index < 0 ? nullptr : &frame.columns[static_cast<size_t>(index)];
}

const std::vector<double>& Require(const std::vector<double>* column, const io::Frame& frame, const std::string& name,
                                   const std::string& feature) {
  if (column == nullptr) {
    std::string have;
    for (const auto& n : frame.names) have += (have.empty() ? "" : ", ") + n;
    throw io::InputError(frame.source, 1, 0,
                         "feature '" + feature + "' needs column '" + name + "', which is missing (the header has: " +
                             have + ")");
  }
  return *column;
}

double At(const std::vector<double>& column, const Inputs& in, size_t row, int64_t offset_seconds) {
  if (offset_seconds == 0) return column[row];
  // Times are strictly increasing (the CSV reader checks), so the row at a time is found by bisection.
  const std::vector<int64_t>& time = in.frame.time;
  const int64_t wanted = time[row] + offset_seconds;
  const auto it = offset_seconds > 0 ? std::lower_bound(time.begin() + static_cast<long>(row), time.end(), wanted)
                                     : std::lower_bound(time.begin(), time.begin() + static_cast<long>(row), wanted);
  return it != time.end() && *it == wanted ? column[static_cast<size_t>(it - time.begin())] : kNaN;
}

void ComputeSolarGeometry(Inputs& in) {
  if (!in.cos_zenith.empty()) return;
  const size_t n = in.frame.Rows();
  in.cos_zenith.resize(n);
  in.clearsky_ghi.resize(n);
  const size_t count = in.rows ? in.rows->size() : n;
  for (size_t k = 0; k < count; ++k) {
    const size_t r = in.rows ? (*in.rows)[k] : k;
    SpaInput spa;
    spa.unix_seconds = in.frame.time[r];
    spa.latitude = in.source.latitude;
    spa.longitude = in.source.longitude;
    spa.elevation_m = in.source.altitude;
    const SolarPosition position = SolarPositionSpa(spa);
    in.cos_zenith[r] = std::max(0.0, std::cos(position.apparent_zenith * kDegToRad));
    in.clearsky_ghi[r] = ClearSkyHaurwitz(position.apparent_zenith);
  }
}

using FeatureFn = std::function<double(Inputs&, size_t)>;

struct FeatureDef {
  std::string description;
  FeatureFn compute;
};

const std::vector<std::pair<std::string, FeatureDef>>& Definitions() {
  auto speed = [](Inputs& in) -> const std::vector<double>& {
    return Require(in.speed, in.frame, in.source.speed_column, "ws");
  };
  auto direction = [](Inputs& in) -> const std::vector<double>& {
    return Require(in.direction, in.frame, in.source.direction_column, "wd");
  };
  auto local_hours = [](const Inputs& in, size_t r) {
    const int64_t local = in.frame.time[r] + int64_t{in.frame.utc_offset_minutes} * 60;
    return static_cast<double>(((local % 86400) + 86400) % 86400) / 3600.0;
  };
  auto day_of_year = [](const Inputs& in, size_t r) {
    const int64_t local = in.frame.time[r] + int64_t{in.frame.utc_offset_minutes} * 60;
    return std::fmod(static_cast<double>(local) / 86400.0, 365.2425);
  };
  static const std::vector<std::pair<std::string, FeatureDef>> defs = {
      {"ws", {"forecast wind speed (m/s)", [=](Inputs& in, size_t r) { return speed(in)[r]; }}},
      {"ws2", {"wind speed squared", [=](Inputs& in, size_t r) { return speed(in)[r] * speed(in)[r]; }}},
      {"ws3", {"wind speed cubed (kinetic power)", [=](Inputs& in, size_t r) { return std::pow(speed(in)[r], 3); }}},
      {"ws_prev", {"wind speed one hour earlier", [=](Inputs& in, size_t r) { return At(speed(in), in, r, -3600); }}},
      {"ws_next", {"wind speed one hour later", [=](Inputs& in, size_t r) { return At(speed(in), in, r, 3600); }}},
      {"ws_sd", {"spread of the fused wind speed (m/s)",
                 [](Inputs& in, size_t r) { return Require(in.spread, in.frame, in.source.spread_column, "ws_sd")[r]; }}},
      {"wd_sin", {"sine of wind direction", [=](Inputs& in, size_t r) { return std::sin(direction(in)[r] * kDegToRad); }}},
      {"wd_cos", {"cosine of wind direction", [=](Inputs& in, size_t r) { return std::cos(direction(in)[r] * kDegToRad); }}},
      {"u", {"eastward wind component (m/s)",
             [=](Inputs& in, size_t r) { return -speed(in)[r] * std::sin(direction(in)[r] * kDegToRad); }}},
      {"v", {"northward wind component (m/s)",
             [=](Inputs& in, size_t r) { return -speed(in)[r] * std::cos(direction(in)[r] * kDegToRad); }}},
      {"hour_sin", {"sine of local time of day",
                    [=](Inputs& in, size_t r) { return std::sin(2 * std::numbers::pi * local_hours(in, r) / 24); }}},
      {"hour_cos", {"cosine of local time of day",
                    [=](Inputs& in, size_t r) { return std::cos(2 * std::numbers::pi * local_hours(in, r) / 24); }}},
      {"doy_sin", {"sine of day of year",
                   [=](Inputs& in, size_t r) { return std::sin(2 * std::numbers::pi * day_of_year(in, r) / 365.2425); }}},
      {"doy_cos", {"cosine of day of year",
                   [=](Inputs& in, size_t r) { return std::cos(2 * std::numbers::pi * day_of_year(in, r) / 365.2425); }}},
      {"ghi", {"forecast global horizontal irradiance (W/m2)",
               [](Inputs& in, size_t r) { return Require(in.ghi, in.frame, in.source.ghi_column, "ghi")[r]; }}},
      {"t2m", {"forecast air temperature (degC)",
               [](Inputs& in, size_t r) {
                 return Require(in.temperature, in.frame, in.source.temperature_column, "t2m")[r];
               }}},
      {"cos_zenith", {"cosine of the solar zenith angle (0 at night)",
                      [](Inputs& in, size_t r) {
                        ComputeSolarGeometry(in);
                        return in.cos_zenith[r];
                      }}},
      {"clearsky_ghi", {"clear-sky GHI, Haurwitz (W/m2)",
                        [](Inputs& in, size_t r) {
                          ComputeSolarGeometry(in);
                          return in.clearsky_ghi[r];
                        }}},
      {"clearsky_index", {"forecast GHI over clear-sky GHI (0 at night)",
                          [](Inputs& in, size_t r) {
                            ComputeSolarGeometry(in);
                            const double ghi = Require(in.ghi, in.frame, in.source.ghi_column, "ghi")[r];
                            return in.clearsky_ghi[r] > 10 ? std::min(1.5, ghi / in.clearsky_ghi[r]) : 0.0;
                          }}},
      {"pvwatts", {"physical PV model's AC output as a fraction of capacity (site, tilt, azimuth, GHI, t2m, ws)",
                   [](Inputs& in, size_t r) {
                     const PvSite site{in.source.latitude, in.source.longitude, in.source.altitude,
                                       in.source.tilt,     in.source.azimuth,   in.source.dc_ac_ratio};
                     const double ghi = Require(in.ghi, in.frame, in.source.ghi_column, "pvwatts")[r];
                     const double nan = std::numeric_limits<double>::quiet_NaN();
                     return PvAcFraction(site, in.frame.time[r], ghi, in.temperature ? (*in.temperature)[r] : nan,
                                         in.speed ? (*in.speed)[r] : nan);
                   }}},
  };
  return defs;
}

}  // namespace

const std::vector<std::pair<std::string, std::string>>& FeatureCatalogue() {
  static const std::vector<std::pair<std::string, std::string>> catalogue = [] {
    std::vector<std::pair<std::string, std::string>> out;
    for (const auto& [name, def] : Definitions()) out.emplace_back(name, def.description);
    return out;
  }();
  return catalogue;
}

std::vector<std::string> DefaultWindFeatures(const io::Frame& nwp, const FeatureSource& source) {
  std::vector<std::string> names = {"ws", "ws2", "ws3", "ws_prev", "ws_next", "hour_sin", "hour_cos", "doy_sin", "doy_cos"};
  if (nwp.Has(source.direction_column)) {
    for (const char* name : {"wd_sin", "wd_cos", "u", "v"}) names.emplace_back(name);
  }
  if (nwp.Has(source.spread_column)) names.emplace_back("ws_sd");
  return names;
}

std::vector<std::string> DefaultSolarFeatures(const io::Frame& nwp, const FeatureSource& source) {
  std::vector<std::string> names = {"ghi", "cos_zenith", "clearsky_ghi", "clearsky_index", "hour_sin", "hour_cos",
                                    "doy_sin", "doy_cos"};
  if (nwp.Has(source.temperature_column)) names.emplace_back("t2m");
  return names;
}

namespace {

std::vector<double> Build(const io::Frame& nwp, const std::vector<std::string>& names, const FeatureSource& source,
                          const std::vector<size_t>* rows) {
  Inputs in{nwp, source};
  in.speed = Optional(nwp, source.speed_column);
  in.direction = Optional(nwp, source.direction_column);
  in.spread = Optional(nwp, source.spread_column);
  in.ghi = Optional(nwp, source.ghi_column);
  in.temperature = Optional(nwp, source.temperature_column);
  in.rows = rows;

  std::vector<const FeatureFn*> fns;
  for (const auto& name : names) {
    const FeatureFn* found = nullptr;
    for (const auto& [known, def] : Definitions()) {
      if (known == name) found = &def.compute;
    }
    if (found == nullptr) {
      std::string known_names;
      for (const auto& [known, def] : Definitions()) known_names += (known_names.empty() ? "" : ", ") + known;
      throw io::InputError("", "unknown feature '" + name + "'; known features: " + known_names);
    }
    fns.push_back(found);
  }
  const size_t cols = names.size();
  const size_t count = rows ? rows->size() : nwp.Rows();
  std::vector<double> x(count * cols);
  for (size_t c = 0; c < cols; ++c) {
    for (size_t k = 0; k < count; ++k) x[k * cols + c] = (*fns[c])(in, rows ? (*rows)[k] : k);
  }
  return x;
}

}  // namespace

std::vector<double> BuildFeatures(const io::Frame& nwp, const std::vector<std::string>& names,
                                  const FeatureSource& source) {
  return Build(nwp, names, source, nullptr);
}

std::vector<double> BuildFeatures(const io::Frame& nwp, const std::vector<std::string>& names,
                                  const FeatureSource& source, const std::vector<size_t>& rows) {
  for (size_t r : rows) {
    if (r >= nwp.Rows()) throw std::out_of_range("BuildFeatures: row " + std::to_string(r) + " is past the frame");
  }
  return Build(nwp, names, source, &rows);
}

}  // namespace seed::kernels

namespace seed::kernels {

std::vector<double> AlignMeasurements(const io::Frame& nwp, const io::Frame& measurements, const std::string& column,
                                      int exclude_flags) {
  const std::vector<double>& values = measurements.Column(column);
  const int flag_index = measurements.Find("qc_flag");
  std::vector<double> out(nwp.Rows(), std::numeric_limits<double>::quiet_NaN());
  size_t m = 0;  // both frames are sorted by time: one merge pass
  for (size_t r = 0; r < nwp.Rows(); ++r) {
    while (m < measurements.Rows() && measurements.time[m] < nwp.time[r]) ++m;
    if (m == measurements.Rows()) break;
    if (measurements.time[m] != nwp.time[r]) continue;
    if (flag_index >= 0) {
      const double flag = measurements.columns[static_cast<size_t>(flag_index)][m];
      if (!std::isnan(flag) && (static_cast<int>(flag) & exclude_flags) != 0) continue;
    }
    out[r] = values[m];
  }
  return out;
}

}  // namespace seed::kernels
