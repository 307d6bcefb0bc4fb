// seed-job evaluate: the grid accuracy metrics (accuracy and qualification rates per the national
// standard or a regional rule), RMSE, MAE, bias, pinball loss and CRPS of a forecast against what
// was measured, per day (in the files' local time) and over the whole period.
#include <CLI/CLI.hpp>
#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <limits>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "commands/commands.h"
#include "io/csv.h"
#include "io/input_error.h"
#include "io/results.h"
#include "io/time.h"
#include "kernels/grid_metrics.h"
#include "kernels/model.h"
#include "kernels/numeric.h"
#include "kernels/reliability.h"
#include "kernels/scores.h"
#include "kernels/solar_position.h"

namespace seed::commands {
namespace {

using kernels::kNaN;

struct EvaluateFlags {
  std::string forecast_path, actual_path, out_path;
  std::optional<double> capacity;
  std::string rule = "national";
  double threshold = 0.75;
  std::string night_mask = "none";
  double night_fraction = 0.0;
  std::optional<double> latitude, longitude;
  double altitude = 0;
  // Long gaps, curtailment, and points filled between samples of coarser (hourly) data: not measured.
  std::string exclude_flags = "2|16|32";
};

// One quantile column of the forecast file: p10 -> tau 0.1.
struct QuantileColumn {
  double tau;
  const std::vector<double>* values;
};

std::vector<QuantileColumn> FindQuantiles(const io::Frame& forecast) {
  std::map<double, const std::vector<double>*> by_tau;
  for (size_t i = 0; i < forecast.names.size(); ++i) {
    const std::string& name = forecast.names[i];
    if (name.size() < 2 || name[0] != 'p') continue;
    double percent = 0;
    const auto [ptr, ec] = std::from_chars(name.data() + 1, name.data() + name.size(), percent);
    if (ec != std::errc() || ptr != name.data() + name.size()) continue;  // e.g. power_mw
    if (!(percent > 0 && percent < 100)) {
      throw io::InputError(forecast.source, 1, 0,
                           "quantile column '" + name + "' must name a percent strictly between 0 and 100");
    }
    by_tau[percent / 100.0] = &forecast.columns[i];
  }
  std::vector<QuantileColumn> out;
  for (const auto& [tau, values] : by_tau) out.push_back({tau, values});
  return out;
}

// "18", "2|16" or "0": the qc_flag bits to exclude.
int ParseFlagMask(const std::string& text) {
  int mask = 0;
  size_t begin = 0;
  while (true) {
    const size_t bar = text.find('|', begin);
    const std::string part = text.substr(begin, bar == std::string::npos ? std::string::npos : bar - begin);
    int value = -1;
    const auto [ptr, ec] = std::from_chars(part.data(), part.data() + part.size(), value);
    if (part.empty() || ec != std::errc() || ptr != part.data() + part.size() || value < 0 || value > 65535) {
      throw io::UsageError("--exclude-flags must be a bit mask such as 18 or 2|16 (got '" + text + "')");
    }
    mask |= value;
    if (bar == std::string::npos) return mask;
    begin = bar + 1;
  }
}

enum class NightMask { kNone, kSun, kPower };

NightMask ParseNightMask(const std::string& text) {
  if (text == "none") return NightMask::kNone;
  if (text == "sun") return NightMask::kSun;
  if (text == "power") return NightMask::kPower;
  throw io::UsageError("--night-mask must be none, sun or power (got '" + text + "')");
}

// Running sums of one window (a day, or the whole period).
struct Window {
  std::vector<double> actual, forecast, capacity;
  kernels::ErrorStats errors;  // in units of capacity
  double pinball_sum = 0;
  size_t pinball_count = 0;
  double crps_sum = 0;
  size_t crps_count = 0;
};

struct Counts {
  size_t overlap = 0, missing = 0, flagged = 0, night = 0, no_capacity = 0;
};

void Run(const EvaluateFlags& f) {
  const auto rule = kernels::ParseGridRule(f.rule);
  if (!rule) throw io::UsageError("--rule must be one of " + kernels::GridRuleNames() + " (got '" + f.rule + "')");
  if (!(f.threshold > 0 && f.threshold <= 1)) throw io::UsageError("--threshold must be in (0, 1], e.g. 0.75");
  if (f.capacity && !(*f.capacity > 0)) throw io::UsageError("--capacity must be a positive number of MW");
  const int exclude_flags = ParseFlagMask(f.exclude_flags);
  if (!(f.night_fraction >= 0 && f.night_fraction < 1)) throw io::UsageError("--night-fraction must be in [0, 1)");
  const NightMask mask = ParseNightMask(f.night_mask);
  if (mask == NightMask::kSun && (!f.latitude || !f.longitude)) {
    throw io::UsageError("--night-mask sun needs --latitude and --longitude of the plant");
  }

  const io::Frame forecast = io::ReadCsv(f.forecast_path, {.required = {"forecast_mw"}});
  const io::Frame actual = io::ReadCsv(f.actual_path, {.required = {"power_mw"}});
  const bool has_available = actual.Has("available_mw");
  if (!f.capacity && !has_available) {
    throw io::UsageError("give --capacity (MW), or an available_mw column in " + actual.source +
                         " for the running capacity");
  }
  const auto& fc = forecast.Column("forecast_mw");
  const auto& pw = actual.Column("power_mw");
  const std::vector<double>* available = has_available ? &actual.Column("available_mw") : nullptr;
  const std::vector<double>* qc = actual.Has("qc_flag") ? &actual.Column("qc_flag") : nullptr;
  const std::vector<QuantileColumn> quantiles = FindQuantiles(forecast);

  const int64_t offset_s = static_cast<int64_t>(actual.utc_offset_minutes) * 60;
  std::map<int64_t, Window> days;  // key: the day's first instant (Unix seconds)
  Window period;
  Counts counts;
  std::vector<double> taus, values;
  // Each quantile's hit rate and flatness, on the points scored (see kernels/reliability.h).
  std::vector<double> levels;
  for (const QuantileColumn& q : quantiles) levels.push_back(q.tau);
  const auto median_level = std::find(levels.begin(), levels.end(), 0.5);
  std::optional<kernels::ReliabilityTable> reliability;
  if (median_level != levels.end()) reliability.emplace(levels, static_cast<size_t>(median_level - levels.begin()));
  std::vector<double> point_levels(levels.size());
  size_t j = 0;
  for (size_t i = 0; i < actual.Rows(); ++i) {
    const int64_t t = actual.time[i];
    while (j < forecast.Rows() && forecast.time[j] < t) ++j;
    if (j >= forecast.Rows() || forecast.time[j] != t) continue;
    ++counts.overlap;
    const double p = pw[i], y = fc[j];
    if (!std::isfinite(p) || !std::isfinite(y)) {
      ++counts.missing;
      continue;
    }
    if (qc && std::isfinite((*qc)[i])) {
      const double flag = (*qc)[i];
      if (flag < 0 || flag != std::floor(flag) || flag > 65535) {
        throw io::InputError(actual.source, static_cast<long>(i) + 2, 0,
                             "qc_flag must be a non-negative integer bit mask, found " + std::to_string(flag));
      }
      if (static_cast<int>(flag) & exclude_flags) {
        ++counts.flagged;
        continue;
      }
    }
    double c = f.capacity ? *f.capacity : kNaN;
    if (available && std::isfinite((*available)[i])) {
      if ((*available)[i] < 0) {
        throw io::InputError(actual.source, static_cast<long>(i) + 2, 0,
                             "available_mw must not be negative (leave the cell empty when unknown)");
      }
      c = (*available)[i];
    }
    if (!(c > 0)) {  // plant fully down, or no capacity known for this point
      ++counts.no_capacity;
      continue;
    }
    if (mask == NightMask::kPower && p <= f.night_fraction * c && y <= f.night_fraction * c) {
      ++counts.night;
      continue;
    }
    if (mask == NightMask::kSun) {
      kernels::SpaInput spa;
      spa.unix_seconds = t;
      spa.latitude = *f.latitude;
      spa.longitude = *f.longitude;
      spa.elevation_m = f.altitude;
      if (kernels::SolarPositionSpa(spa).apparent_elevation <= 0) {
        ++counts.night;
        continue;
      }
    }

    // Probabilistic terms in units of capacity. Without quantile columns the point forecast is the
    // median: pinball at tau 0.5, and CRPS of a point mass (|e|).
    taus.clear();
    values.clear();
    bool has_median = false;
    for (const QuantileColumn& q : quantiles) {
      const double v = (*q.values)[j];
      if (!std::isfinite(v)) continue;
      taus.push_back(q.tau);
      values.push_back(v / c);
      has_median = has_median || q.tau == 0.5;
    }
    if (!has_median) {
      auto pos = std::lower_bound(taus.begin(), taus.end(), 0.5);
      values.insert(values.begin() + (pos - taus.begin()), y / c);
      taus.insert(pos, 0.5);
    }
    if (reliability) {
      for (size_t k = 0; k < quantiles.size(); ++k) point_levels[k] = (*quantiles[k].values)[j];
      reliability->Add(point_levels.data(), p, c);
    }
    double pinball = 0;
    for (size_t k = 0; k < taus.size(); ++k) pinball += kernels::Pinball(values[k], taus[k], p / c);
    pinball /= static_cast<double>(taus.size());
    const double crps = kernels::CrpsFromQuantiles(taus, values, p / c);

    const int64_t local = t + offset_s;
    const int64_t day_start = (local >= 0 ? local / io::kDay : (local - io::kDay + 1) / io::kDay) * io::kDay - offset_s;
    for (Window* w : {&days[day_start], &period}) {
      w->actual.push_back(p);
      w->forecast.push_back(y);
      w->capacity.push_back(c);
      w->errors.Add(p / c, y / c);
      w->pinball_sum += pinball;
      ++w->pinball_count;
      w->crps_sum += crps;
      ++w->crps_count;
    }
  }

  if (counts.overlap == 0) {
    auto span = [](const io::Frame& fr) {
      return fr.Rows() ? io::FormatRfc3339(fr.time.front(), fr.utc_offset_minutes) + " .. " +
                             io::FormatRfc3339(fr.time.back(), fr.utc_offset_minutes)
                       : std::string("no rows");
    };
    throw io::InputError(actual.source, "no time in common with " + forecast.source + " (forecast covers " +
                                            span(forecast) + ", actual covers " + span(actual) +
                                            "); check that both files describe the same period and time zone");
  }

  std::vector<int64_t> day_times;
  std::vector<double> acc, qual, rmse, mae, bias, pin, crps, pts;
  double acc_sum = 0, qual_sum = 0;
  size_t scored_days = 0, scored_points = 0;
  for (const auto& [start, w] : days) {
    const kernels::GridScore s = kernels::ScoreWindow(*rule, w.actual, w.forecast, w.capacity, f.threshold);
    if (s.points == 0) continue;  // e.g. a southern-2022 day whose points all sit in the dead band
    day_times.push_back(start);
    acc.push_back(s.accuracy);
    qual.push_back(s.qualification);
    rmse.push_back(w.errors.Rmse());
    mae.push_back(w.errors.Mae());
    bias.push_back(w.errors.Bias());
    pin.push_back(w.pinball_sum / static_cast<double>(w.pinball_count));
    crps.push_back(w.crps_sum / static_cast<double>(w.crps_count));
    pts.push_back(static_cast<double>(s.points));
    acc_sum += s.accuracy;
    qual_sum += s.qualification;
    ++scored_days;
    scored_points += s.points;
  }
  if (scored_days == 0) {
    throw io::InputError(actual.source,
                         "no point left to score: " + std::to_string(counts.overlap) + " common times, " +
                             std::to_string(counts.missing) + " missing, " + std::to_string(counts.flagged) +
                             " excluded by qc_flag, " + std::to_string(counts.night) + " night, " +
                             std::to_string(counts.no_capacity) + " without capacity");
  }

  if (!f.out_path.empty()) {
    io::Frame daily = io::MakeFrame(day_times, actual.utc_offset_minutes);
    daily.Set("accuracy", acc);
    daily.Set("qualification", qual);
    daily.Set("rmse", rmse);
    daily.Set("mae", mae);
    daily.Set("bias", bias);
    daily.Set("pinball", pin);
    daily.Set("crps", crps);
    daily.Set("points", pts);
    io::WriteCsv(f.out_path, daily, 6);
  }

  const double n_days = static_cast<double>(scored_days);
  io::Results results;
  results.Set("accuracy", acc_sum / n_days);
  results.Set("qualification", qual_sum / n_days);
  results.Set("rmse", period.errors.Rmse());
  results.Set("mae", period.errors.Mae());
  results.Set("bias", period.errors.Bias());
  results.Set("pinball", period.pinball_sum / static_cast<double>(period.pinball_count));
  results.Set("crps", period.crps_sum / static_cast<double>(period.crps_count));
  results.Set("days", scored_days);
  results.Set("points", scored_points);
  results.Set("rule", kernels::GridRuleName(*rule));
  std::string flat;  // the degenerate quantiles' columns, for the summary line
  double worst_gap = 0;
  if (reliability) {
    nlohmann::json table = nlohmann::json::array();
    for (const kernels::QuantileReliability& r : reliability->Finish()) {
      table.push_back({{"tau", r.tau},
                       {"hit_rate", r.hit_rate},
                       {"below_rate", r.below_rate},
                       {"gap", r.gap},
                       {"constant_share", r.constant_share},
                       {"degenerate", r.degenerate}});
      worst_gap = std::max(worst_gap, r.gap);
      if (r.degenerate) flat += (flat.empty() ? "" : ", ") + kernels::QuantileColumn(r.tau);
    }
    results.Set("reliability", table);
  }
  results.Flush();

  std::printf("evaluate (%s rule, %s night mask): %zu days, %zu points (%zu common times; excluded %zu missing, "
              "%zu flagged, %zu night, %zu without capacity)\n",
              f.rule.c_str(), f.night_mask.c_str(), scored_days, scored_points, counts.overlap, counts.missing,
              counts.flagged, counts.night, counts.no_capacity);
  std::printf("  accuracy %.2f %%  qualification %.2f %%  (means of the daily values)\n", 100 * acc_sum / n_days,
              100 * qual_sum / n_days);
  std::printf("  rmse %.4f  mae %.4f  bias %+.4f  pinball %.4f  crps %.4f  (fractions of capacity)\n",
              period.errors.Rmse(), period.errors.Mae(), period.errors.Bias(),
              period.pinball_sum / static_cast<double>(period.pinball_count),
              period.crps_sum / static_cast<double>(period.crps_count));
  if (reliability) {
    std::printf("  quantile hit rates: worst %.1f points from the level (ties counted both ways)%s%s\n", 100 * worst_gap,
                flat.empty() ? "" : "; DEGENERATE (one value on > 5 % of active points): ", flat.c_str());
  }
}

}  // namespace

void AddEvaluate(CLI::App& app) {
  auto flags = std::make_shared<EvaluateFlags>();
  CLI::App* cmd = app.add_subcommand(
      "evaluate",
      "Grid accuracy and qualification rates (national or regional rule), RMSE, MAE, bias, pinball and CRPS of a\n"
      "forecast against measurements, per day in the files' local time and over the period. Results: accuracy and\n"
      "qualification are the means of the daily values; rmse, mae, bias, pinball and crps are pooled over all scored\n"
      "points, in fractions of capacity.");
  cmd->add_option("--forecast", flags->forecast_path, "Forecast CSV: forecast_mw and optional p<percent> quantiles")
      ->required();
  cmd->add_option("--actual", flags->actual_path, "Measured CSV: power_mw, optional qc_flag and available_mw")
      ->required();
  cmd->add_option("--capacity", flags->capacity,
                  "Plant capacity in MW; required unless the actual file has available_mw (used where it is empty)");
  cmd->add_option("--rule", flags->rule, "Accuracy rule: " + kernels::GridRuleNames())->capture_default_str();
  cmd->add_option("--threshold", flags->threshold,
                  "Qualification threshold: a point is qualified when 1 - |actual - forecast| / capacity >= it")
      ->capture_default_str();
  cmd->add_option("--night-mask", flags->night_mask,
                  "none | sun (exclude points with the sun at or below the horizon; needs --latitude/--longitude) |\n"
                  "power (exclude points where both actual and forecast are <= --night-fraction x capacity)")
      ->capture_default_str();
  cmd->add_option("--night-fraction", flags->night_fraction, "Fraction of capacity for --night-mask power")
      ->capture_default_str();
  cmd->add_option("--latitude", flags->latitude, "Plant latitude, degrees north (for --night-mask sun)");
  cmd->add_option("--longitude", flags->longitude, "Plant longitude, degrees east (for --night-mask sun)");
  cmd->add_option("--altitude", flags->altitude, "Plant altitude in m (for --night-mask sun)")->capture_default_str();
  cmd->add_option("--exclude-flags", flags->exclude_flags,
                  "qc_flag bits whose points are not scored, as a number or bits joined by |\n"
                  "(default: 2 long gap | 16 curtailed | 32 up-sampled); points with a missing actual are never scored")
      ->capture_default_str();
  cmd->add_option("--out", flags->out_path,
                  "Daily metrics CSV to write: accuracy, qualification, rmse, mae, bias, pinball, crps, points");
  cmd->callback([flags] { Run(*flags); });
}

}  // namespace seed::commands
