#include "kernels/features.h"

#include <algorithm>
#include <cmath>
#include <functional>
#include <limits>
#include <map>
#include <numbers>
#include <stdexcept>

#include "io/input_error.h"
#include "kernels/clearsky.h"
#include "kernels/feature_grammar.h"
#include "kernels/met_derived.h"
#include "kernels/numeric.h"
#include "kernels/pv_physical.h"
#include "kernels/solar_position.h"

namespace seed::kernels {
namespace {

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
  std::vector<double> sun_elevation, sun_azimuth;  // degrees (apparent elevation; east of north)
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
  in.sun_elevation.resize(n);
  in.sun_azimuth.resize(n);
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
    in.sun_elevation[r] = position.apparent_elevation;
    in.sun_azimuth[r] = position.azimuth;
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
      {"ws3",
       {"wind speed cubed (kinetic power)", [=](Inputs& in, size_t r) { return std::pow(speed(in)[r], 3); }}},
      {"ws_prev",
       {"wind speed one hour earlier", [=](Inputs& in, size_t r) { return At(speed(in), in, r, -3600); }}},
      {"ws_next",
       {"wind speed one hour later", [=](Inputs& in, size_t r) { return At(speed(in), in, r, 3600); }}},
      {"ws_sd",
       {"spread of the fused wind speed (m/s)",
        [](Inputs& in, size_t r) {
          return Require(in.spread, in.frame, in.source.spread_column, "ws_sd")[r];
        }}},
      {"wd_sin",
       {"sine of wind direction",
        [=](Inputs& in, size_t r) { return std::sin(direction(in)[r] * kDegToRad); }}},
      {"wd_cos",
       {"cosine of wind direction",
        [=](Inputs& in, size_t r) { return std::cos(direction(in)[r] * kDegToRad); }}},
      {"u",
       {"eastward wind component (m/s)",
        [=](Inputs& in, size_t r) { return -speed(in)[r] * std::sin(direction(in)[r] * kDegToRad); }}},
      {"v",
       {"northward wind component (m/s)",
        [=](Inputs& in, size_t r) { return -speed(in)[r] * std::cos(direction(in)[r] * kDegToRad); }}},
      {"hour_sin",
       {"sine of local time of day",
        [=](Inputs& in, size_t r) { return std::sin(2 * std::numbers::pi * local_hours(in, r) / 24); }}},
      {"hour_cos",
       {"cosine of local time of day",
        [=](Inputs& in, size_t r) { return std::cos(2 * std::numbers::pi * local_hours(in, r) / 24); }}},
      {"doy_sin",
       {"sine of day of year",
        [=](Inputs& in, size_t r) {
          return std::sin(2 * std::numbers::pi * day_of_year(in, r) / 365.2425);
        }}},
      {"doy_cos",
       {"cosine of day of year",
        [=](Inputs& in, size_t r) {
          return std::cos(2 * std::numbers::pi * day_of_year(in, r) / 365.2425);
        }}},
      {"ghi",
       {"forecast global horizontal irradiance (W/m2)",
        [](Inputs& in, size_t r) { return Require(in.ghi, in.frame, in.source.ghi_column, "ghi")[r]; }}},
      {"t2m",
       {"forecast air temperature (degC)",
        [](Inputs& in, size_t r) {
          return Require(in.temperature, in.frame, in.source.temperature_column, "t2m")[r];
        }}},
      {"cos_zenith",
       {"cosine of the solar zenith angle (0 at night)",
        [](Inputs& in, size_t r) {
          ComputeSolarGeometry(in);
          return in.cos_zenith[r];
        }}},
      {"sun_elevation",
       {"apparent solar elevation at the site (degrees, negative at night)",
        [](Inputs& in, size_t r) {
          ComputeSolarGeometry(in);
          return in.sun_elevation[r];
        }}},
      {"sun_azimuth_sin",
       {"sine of the solar azimuth (east of north)",
        [](Inputs& in, size_t r) {
          ComputeSolarGeometry(in);
          return std::sin(in.sun_azimuth[r] * kDegToRad);
        }}},
      {"sun_azimuth_cos",
       {"cosine of the solar azimuth (east of north)",
        [](Inputs& in, size_t r) {
          ComputeSolarGeometry(in);
          return std::cos(in.sun_azimuth[r] * kDegToRad);
        }}},
      {"clearsky_ghi",
       {"clear-sky GHI, Haurwitz (W/m2)",
        [](Inputs& in, size_t r) {
          ComputeSolarGeometry(in);
          return in.clearsky_ghi[r];
        }}},
      {"clearsky_index",
       {"forecast GHI over clear-sky GHI (0 at night)",
        [](Inputs& in, size_t r) {
          ComputeSolarGeometry(in);
          const double ghi = Require(in.ghi, in.frame, in.source.ghi_column, "ghi")[r];
          return in.clearsky_ghi[r] > 10 ? std::min(1.5, ghi / in.clearsky_ghi[r]) : 0.0;
        }}},
      {"pvwatts",
       {"physical PV model's AC output as a fraction of capacity (site, tilt, azimuth, GHI, t2m, ws)",
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

// One run as the evaluator sees it.
struct RunView {
  const io::Frame* frame;
  int64_t issue;
};

// The built-ins that are a source column as such (--speed-column and the like): they read the
// configured column even when the file also has a column of their name. Every other built-in
// (u, v, hour_sin, ...) yields to an NWP column of its name, which is the data the user means.
bool ReadsSourceColumn(const std::string& name) {
  return name == "ws" || name == "ws_sd" || name == "ghi" || name == "t2m";
}

const FeatureDef* FindBuiltin(const std::string& name) {
  for (const auto& [known, def] : Definitions()) {
    if (known == name) return &def;
  }
  return nullptr;
}

[[noreturn]] void UnknownName(const std::string& feature, const std::string& name,
                              const std::vector<std::string>& columns, const std::string& source) {
  std::string builtins, have, functions;
  for (const auto& [known, def] : Definitions()) builtins += (builtins.empty() ? "" : ", ") + known;
  for (const auto& c : columns) have += (have.empty() ? "" : ", ") + c;
  for (const auto& f : FeatureFunctions())
    functions += std::string(functions.empty() ? "" : ", ") + f.name + "()";
  throw io::InputError(
      source, "unknown feature '" + name + "'" + (feature == name ? "" : " in '" + feature + "'") +
                  ": not a built-in feature (" + builtins + ", lead_hours), nor an NWP column (" + have +
                  "); derived: " + functions + "; suffixes @+1h @-1h @run-12h ~3h");
}

void CheckExpr(const FeatureExpr& e, const std::string& feature, const std::vector<std::string>& columns,
               const std::string& source) {
  if (e.kind == FeatureExpr::Kind::kName) {
    if (e.name == "lead_hours" || FindBuiltin(e.name) != nullptr) return;
    if (std::find(columns.begin(), columns.end(), e.name) == columns.end())
      UnknownName(feature, e.name, columns, source);
  }
  for (const auto& arg : e.args) CheckExpr(arg, feature, columns, source);
}

// Evaluates parsed features over runs. Each call returns the values at `rows` of run `run`.
class Evaluator {
 public:
  Evaluator(std::vector<RunView> runs, bool has_issue, const FeatureSource& source)
      : runs_(std::move(runs)), has_issue_(has_issue), source_(source) {}

  // `shared`: the builtins' inputs for exactly these rows (its solar geometry is computed once).
  std::vector<double> Eval(const FeatureExpr& e, const std::string& feature, size_t run,
                           const std::vector<size_t>& rows, Inputs* shared) {
    switch (e.kind) {
      case FeatureExpr::Kind::kNumber:
        return std::vector<double>(rows.size(), e.number);
      case FeatureExpr::Kind::kName:
        return Name(e.name, feature, run, rows, shared);
      case FeatureExpr::Kind::kCall:
        return Call(e, feature, run, rows);
      case FeatureExpr::Kind::kShift:
        return Shift(e, feature, run, rows);
      case FeatureExpr::Kind::kRolling:
        return Rolling(e, feature, run, rows);
      case FeatureExpr::Kind::kRunShift:
        return RunShift(e, feature, run, rows);
    }
    return {};
  }

  Inputs MakeInputs(size_t run, const std::vector<size_t>& rows) const {
    const io::Frame& frame = *runs_[run].frame;
    Inputs in{frame, source_};
    in.speed = Optional(frame, source_.speed_column);
    in.direction = Optional(frame, source_.direction_column);
    in.spread = Optional(frame, source_.spread_column);
    in.ghi = Optional(frame, source_.ghi_column);
    in.temperature = Optional(frame, source_.temperature_column);
    in.rows = &rows;
    return in;
  }

 private:
  std::vector<double> Name(const std::string& name, const std::string& feature, size_t run,
                           const std::vector<size_t>& rows, Inputs* shared) {
    const io::Frame& frame = *runs_[run].frame;
    std::vector<double> out(rows.size());
    if (name == "lead_hours") {
      if (!has_issue_) {
        throw io::InputError(frame.source,
                             "feature '" + feature + "' needs runs: an issue_time column in the NWP file");
      }
      for (size_t k = 0; k < rows.size(); ++k) {
        out[k] = static_cast<double>(frame.time[rows[k]] - runs_[run].issue) / 3600.0;
      }
      return out;
    }
    const int index = frame.Find(name);
    const FeatureDef* def = FindBuiltin(name);
    if (def != nullptr && (index < 0 || ReadsSourceColumn(name))) {
      Inputs local = shared ? Inputs{frame, source_} : MakeInputs(run, rows);
      Inputs& in = shared ? *shared : local;
      for (size_t k = 0; k < rows.size(); ++k) out[k] = def->compute(in, rows[k]);
      return out;
    }
    if (index < 0) UnknownName(feature, name, frame.names, frame.source);
    const std::vector<double>& column = frame.columns[static_cast<size_t>(index)];
    for (size_t k = 0; k < rows.size(); ++k) out[k] = column[rows[k]];
    return out;
  }

  std::vector<double> Call(const FeatureExpr& e, const std::string& feature, size_t run,
                           const std::vector<size_t>& rows) {
    const io::Frame& frame = *runs_[run].frame;
    std::vector<std::vector<double>> a;
    std::vector<double> out(rows.size(), kNaN);
    if (e.name == "acc") {  // the accumulation here and one row earlier in the run
      std::vector<size_t> before;
      for (size_t r : rows) before.push_back(r > 0 ? r - 1 : r);
      const std::vector<double> now = Eval(e.args[0], feature, run, rows, nullptr);
      const std::vector<double> prev = Eval(e.args[0], feature, run, before, nullptr);
      for (size_t k = 0; k < rows.size(); ++k) {
        const size_t r = rows[k];
        double rate = kNaN;
        if (r > 0) {
          rate = AccumulationRate(now[k], prev[k], static_cast<double>(frame.time[r] - frame.time[r - 1]));
        } else if (runs_[run].issue != kNoIssue) {  // the first step: accumulated from 0 at the issue time
          rate = AccumulationRate(now[k], 0.0, static_cast<double>(frame.time[r] - runs_[run].issue));
        }
        out[k] = rate < 0 ? kNaN : rate;  // a reset (a new run in a file without issue_time) is no rate
      }
      return out;
    }
    for (const auto& arg : e.args) a.push_back(Eval(arg, feature, run, rows, nullptr));
    const std::string& f = e.name;
    if (f == "csi" || f == "kt") {
      Inputs in = MakeInputs(run, rows);
      ComputeSolarGeometry(in);
      for (size_t k = 0; k < rows.size(); ++k) {
        const size_t r = rows[k];
        if (f == "csi") {
          out[k] = in.clearsky_ghi[r] > 10 ? std::min(1.5, a[0][k] / in.clearsky_ghi[r]) : 0.0;
        } else {
          const int64_t local = frame.time[r];
          const double e0 = ExtraterrestrialHorizontal(
              std::fmod(static_cast<double>(local) / 86400.0, 365.2425), in.cos_zenith[r]);
          out[k] = e0 > 10 ? std::min(1.5, a[0][k] / e0) : 0.0;
        }
        if (std::isnan(a[0][k])) out[k] = kNaN;
      }
      return out;
    }
    for (size_t k = 0; k < rows.size(); ++k) {
      if (f == "speed") out[k] = WindSpeed(a[0][k], a[1][k]);
      if (f == "dir_sin") out[k] = WindDirSin(a[0][k], a[1][k]);
      if (f == "dir_cos") out[k] = WindDirCos(a[0][k], a[1][k]);
      if (f == "shear") out[k] = ShearExponent(a[0][k], a[1][k], a[2][k], a[3][k]);
      if (f == "rho")
        out[k] =
            a.size() == 3 ? MoistAirDensityRh(a[0][k], a[1][k], a[2][k]) : MoistAirDensity(a[0][k], a[1][k]);
      if (f == "rho_td") out[k] = MoistAirDensityDewPoint(a[0][k], a[1][k], a[2][k]);
    }
    return out;
  }

  // Evaluates e's operand at the (run, row) each output wants, NaN where row < 0.
  std::vector<double> Gather(const FeatureExpr& e, const std::string& feature,
                             const std::vector<std::pair<long, long>>& where) {
    std::vector<double> out(where.size(), kNaN);
    std::map<long, std::pair<std::vector<size_t>, std::vector<size_t>>> by_run;  // run -> (rows, outputs)
    for (size_t k = 0; k < where.size(); ++k) {
      if (where[k].first < 0 || where[k].second < 0) continue;
      auto& [rows, outputs] = by_run[where[k].first];
      rows.push_back(static_cast<size_t>(where[k].second));
      outputs.push_back(k);
    }
    for (const auto& [run, group] : by_run) {
      const std::vector<double> values =
          Eval(e.args[0], feature, static_cast<size_t>(run), group.first, nullptr);
      for (size_t i = 0; i < values.size(); ++i) out[group.second[i]] = values[i];
    }
    return out;
  }

  std::vector<double> Shift(const FeatureExpr& e, const std::string& feature, size_t run,
                            const std::vector<size_t>& rows) {
    const io::Frame& frame = *runs_[run].frame;
    std::vector<std::pair<long, long>> where;
    for (size_t r : rows) where.emplace_back(static_cast<long>(run), RowAt(frame, frame.time[r] + e.seconds));
    return Gather(e, feature, where);
  }

  std::vector<double> RunShift(const FeatureExpr& e, const std::string& feature, size_t run,
                               const std::vector<size_t>& rows) {
    const io::Frame& frame = *runs_[run].frame;
    if (!has_issue_) {
      throw io::InputError(frame.source,
                           "feature '" + feature + "' needs runs: an issue_time column in the NWP file");
    }
    const int64_t wanted = runs_[run].issue - e.seconds;
    const auto it = std::lower_bound(runs_.begin(), runs_.end(), wanted,
                                     [](const RunView& v, int64_t t) { return v.issue < t; });
    const long other = it != runs_.end() && it->issue == wanted ? static_cast<long>(it - runs_.begin()) : -1;
    std::vector<std::pair<long, long>> where;
    for (size_t r : rows) {
      where.emplace_back(other,
                         other < 0 ? -1 : RowAt(*runs_[static_cast<size_t>(other)].frame, frame.time[r]));
    }
    return Gather(e, feature, where);
  }

  std::vector<double> Rolling(const FeatureExpr& e, const std::string& feature, size_t run,
                              const std::vector<size_t>& rows) {
    const io::Frame& frame = *runs_[run].frame;
    const int64_t half = e.seconds / 2;
    std::vector<size_t> window;  // every row some output averages over, sorted
    for (size_t r : rows) {
      auto lo = std::lower_bound(frame.time.begin(), frame.time.end(), frame.time[r] - half);
      auto hi = std::upper_bound(frame.time.begin(), frame.time.end(), frame.time[r] + half);
      for (auto it = lo; it != hi; ++it) window.push_back(static_cast<size_t>(it - frame.time.begin()));
    }
    std::sort(window.begin(), window.end());
    window.erase(std::unique(window.begin(), window.end()), window.end());
    const std::vector<double> values = Eval(e.args[0], feature, run, window, nullptr);
    std::vector<double> out(rows.size(), kNaN);
    for (size_t k = 0; k < rows.size(); ++k) {
      const int64_t t = frame.time[rows[k]];
      double sum = 0;
      size_t n = 0;
      auto first = std::lower_bound(window.begin(), window.end(), t - half,
                                    [&](size_t r, int64_t v) { return frame.time[r] < v; });
      for (auto it = first; it != window.end() && frame.time[*it] <= t + half; ++it) {
        const double v = values[static_cast<size_t>(it - window.begin())];
        if (!std::isnan(v)) sum += v, ++n;
      }
      if (n > 0) out[k] = sum / static_cast<double>(n);
    }
    return out;
  }

  std::vector<RunView> runs_;
  bool has_issue_;
  const FeatureSource& source_;
};

// Row-major [rows x names] over runs; rows grouped by run so each run's builtins share inputs.
std::vector<double> Build(std::vector<RunView> runs, bool has_issue, const std::vector<std::string>& names,
                          const FeatureSource& source, const std::vector<RunRow>& rows) {
  std::vector<FeatureExpr> exprs;
  for (const auto& name : names) exprs.push_back(ParseFeature(name));
  if (!runs.empty()) {
    for (size_t c = 0; c < names.size(); ++c) {
      CheckExpr(exprs[c], names[c], runs.front().frame->names, runs.front().frame->source);
    }
  }
  const size_t cols = names.size();
  std::vector<double> x(rows.size() * cols);
  std::map<long, std::pair<std::vector<size_t>, std::vector<size_t>>> by_run;  // run -> (rows, outputs)
  for (size_t k = 0; k < rows.size(); ++k) {
    auto& [run_rows, outputs] = by_run[rows[k].run];
    run_rows.push_back(static_cast<size_t>(rows[k].row));
    outputs.push_back(k);
  }
  Evaluator evaluator(std::move(runs), has_issue, source);
  for (const auto& [run, group] : by_run) {
    Inputs shared = evaluator.MakeInputs(static_cast<size_t>(run), group.first);
    for (size_t c = 0; c < cols; ++c) {
      const std::vector<double> values =
          evaluator.Eval(exprs[c], names[c], static_cast<size_t>(run), group.first, &shared);
      for (size_t i = 0; i < values.size(); ++i) x[group.second[i] * cols + c] = values[i];
    }
  }
  return x;
}

std::vector<double> BuildOne(const io::Frame& nwp, const std::vector<std::string>& names,
                             const FeatureSource& source, const std::vector<size_t>* rows) {
  std::vector<RunRow> where;
  const size_t count = rows ? rows->size() : nwp.Rows();
  where.reserve(count);
  for (size_t k = 0; k < count; ++k) where.push_back({0, static_cast<long>(rows ? (*rows)[k] : k)});
  return Build({{&nwp, kNoIssue}}, false, names, source, where);
}

}  // namespace

void CheckFeatureNames(const std::vector<std::string>& names, const std::vector<std::string>& columns,
                       const std::string& source) {
  for (const auto& name : names) CheckExpr(ParseFeature(name), name, columns, source);
}

std::vector<double> BuildFeatures(const io::Frame& nwp, const std::vector<std::string>& names,
                                  const FeatureSource& source) {
  return BuildOne(nwp, names, source, nullptr);
}

std::vector<double> BuildFeatures(const io::Frame& nwp, const std::vector<std::string>& names,
                                  const FeatureSource& source, const std::vector<size_t>& rows) {
  for (size_t r : rows) {
    if (r >= nwp.Rows()) throw std::out_of_range("BuildFeatures: row " + std::to_string(r) + " is past the frame");
  }
  return BuildOne(nwp, names, source, &rows);
}

std::vector<double> BuildFeatures(const NwpRuns& nwp, const std::vector<std::string>& names,
                                  const FeatureSource& source, const std::vector<RunRow>& rows) {
  std::vector<RunView> views;
  for (const NwpRun& run : nwp.runs) views.push_back({&run.frame, run.issue});
  for (const RunRow& rr : rows) {
    if (rr.run < 0 || static_cast<size_t>(rr.run) >= views.size() || rr.row < 0 ||
        static_cast<size_t>(rr.row) >= views[static_cast<size_t>(rr.run)].frame->Rows()) {
      throw std::out_of_range("BuildFeatures: run " + std::to_string(rr.run) + " row " +
                              std::to_string(rr.row) + " is past the NWP");
    }
  }
  return Build(std::move(views), nwp.has_issue, names, source, rows);
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
