#include "kernels/qc.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <numbers>
#include <stdexcept>
#include <string>

#include "io/input_error.h"
#include "io/time.h"
#include "kernels/numeric.h"

namespace seed::kernels {
namespace {

constexpr int64_t kMaxGridPoints = 20'000'000;  // ~570 years of quarters: anything more is a typo in a time

bool IsDirection(const std::string& name) {
  const auto ends_with = [&](std::string_view suffix) {
    return name.size() >= suffix.size() &&
           name.compare(name.size() - suffix.size(), suffix.size(), suffix) == 0;
  };
  return name == "wind_dir" || ends_with("_wd") || ends_with("_dir");
}

int64_t FloorDiv(int64_t a, int64_t b) { return a / b - ((a % b != 0) && ((a < 0) != (b < 0))); }

struct Range {
  double lo;
  double hi;
};

std::optional<Range> RangeFor(const std::string& name, double capacity) {
  const auto ends_with = [&](std::string_view suffix) {
    return name.size() >= suffix.size() &&
           name.compare(name.size() - suffix.size(), suffix.size(), suffix) == 0;
  };
  if (name == "power_mw") return Range{-0.02 * capacity, 1.10 * capacity};
  if (name == "available_mw") return Range{0, 1.10 * capacity};
  if (name == "wind_speed" || ends_with("_ws")) return Range{0, 60};
  if (IsDirection(name)) return Range{0, 360};
  if (name == "temperature_c" || ends_with("_t2m")) return Range{-50, 60};
  if (name == "pressure_hpa") return Range{500, 1100};
  if (name == "ghi" || name == "dni" || name == "dhi" || ends_with("_ghi")) return Range{-10, 1500};
  if (name == "relative_humidity" || name == "rh") return Range{0, 100};
  return std::nullopt;
}

// Sensors whose exact repetition means a fault. available_mw (a running-capacity schedule) and
// unknown columns are legitimately constant, so they are not checked.
bool IsSensor(const std::string& name) {
  return name == "power_mw" || name == "wind_speed" || name == "wind_dir" || name == "temperature_c" ||
         name == "pressure_hpa" || name == "ghi" || name == "dni" || name == "dhi";
}

double Mean(const std::vector<double>& values, size_t begin, size_t end) {
  double sum = 0;
  size_t count = 0;
  for (size_t i = begin; i < end; ++i) {
    if (!std::isnan(values[i])) sum += values[i], ++count;
  }
  return count ? sum / static_cast<double>(count) : kMissing;
}

// Fits the plant curve on the un-curtailed upper envelope of the data: first the upper half of
// each 0.5 m/s bin (curtailment only drags points down), then, dropping points far below that
// envelope, the IEC method of bins on what remains.
std::optional<PowerCurve> FitEnvelopeCurve(const std::vector<double>& speed,
                                           const std::vector<double>& power_full,
                                           const std::vector<double>& density, double capacity) {
  std::map<long, std::vector<double>> by_bin;
  for (size_t i = 0; i < speed.size(); ++i) {
    if (std::isnan(speed[i]) || std::isnan(power_full[i])) continue;
    const double v = density.empty() ? speed[i] : speed[i] * std::cbrt(density[i] / kReferenceAirDensity);
    if (std::isnan(v)) continue;
    by_bin[std::lround(v / 0.5)].push_back(power_full[i]);
  }
  std::map<long, double> median;
  for (auto& [bin, values] : by_bin) {
    std::nth_element(values.begin(), values.begin() + static_cast<long>(values.size() / 2), values.end());
    median[bin] = values[values.size() / 2];
  }
  std::vector<double> s1, p1, d1;
  for (size_t i = 0; i < speed.size(); ++i) {
    if (std::isnan(speed[i]) || std::isnan(power_full[i])) continue;
    const double v = density.empty() ? speed[i] : speed[i] * std::cbrt(density[i] / kReferenceAirDensity);
    if (std::isnan(v)) continue;
    if (power_full[i] >= median[std::lround(v / 0.5)]) {
      s1.push_back(speed[i]), p1.push_back(power_full[i]);
      if (!density.empty()) d1.push_back(density[i]);
    }
  }
  const PowerCurve envelope = FitPowerCurveIec(s1, p1, d1, 0.5, 3);
  if (envelope.bins.size() < 5) return std::nullopt;
  std::vector<double> s2, p2, d2;
  for (size_t i = 0; i < speed.size(); ++i) {
    if (std::isnan(speed[i]) || std::isnan(power_full[i])) continue;
    const double rho = density.empty() ? kReferenceAirDensity : density[i];
    const double expected = envelope.Predict(speed[i], rho);
    if (std::isnan(expected) || power_full[i] < 0.75 * expected - 0.03 * capacity) continue;
    s2.push_back(speed[i]), p2.push_back(power_full[i]);
    if (!density.empty()) d2.push_back(density[i]);
  }
  PowerCurve curve = FitPowerCurveIec(s2, p2, d2, 0.5, 3);
  if (curve.bins.size() < 5) return std::nullopt;
  return curve;
}

// Rows flagged per column, with the bits of QcFlag.
using ColumnFlags = std::vector<std::vector<int>>;

}  // namespace

io::Frame AlignToQuarterHour(const io::Frame& input) {
  io::Frame out;
  out.source = input.source;
  out.utc_offset_minutes = input.utc_offset_minutes;
  out.names = input.names;
  if (input.Rows() == 0) {
    out.columns.assign(input.names.size(), {});
    return out;
  }
  const auto slot = [](int64_t t) { return FloorDiv(t + io::kQuarterHour / 2, io::kQuarterHour); };
  const int64_t first = slot(input.time.front());
  const int64_t last = slot(input.time.back());
  if (last - first + 1 > kMaxGridPoints) {
    throw io::InputError(input.source, "the times span more than " + std::to_string(kMaxGridPoints) +
                                           " quarter-hours; check the first and last rows");
  }
  const auto points = static_cast<size_t>(last - first + 1);
  out.time.resize(points);
  for (size_t i = 0; i < points; ++i) out.time[i] = (first + static_cast<int64_t>(i)) * io::kQuarterHour;
  for (size_t c = 0; c < input.names.size(); ++c) {
    const bool circular = IsDirection(input.names[c]);
    std::vector<double> sum(points, 0), sum_y(points, 0),
        sum_dir(points, 0);  // sum_dir: a lone value, kept exact
    std::vector<int> count(points, 0);
    for (size_t r = 0; r < input.Rows(); ++r) {
      const double v = input.columns[c][r];
      if (std::isnan(v)) continue;
      const auto i = static_cast<size_t>(slot(input.time[r]) - first);
      if (circular) {
        sum[i] += std::cos(v * kRad);
        sum_y[i] += std::sin(v * kRad);
        sum_dir[i] = v;
      } else {
        sum[i] += v;
      }
      ++count[i];
    }
    std::vector<double> column(points, kMissing);
    for (size_t i = 0; i < points; ++i) {
      if (count[i] == 0) continue;
      if (circular) {
        column[i] = count[i] == 1 ? sum_dir[i] : Wrap360(std::atan2(sum_y[i], sum[i]) / kRad);
      } else {
        column[i] = sum[i] / count[i];
      }
    }
    out.columns.push_back(std::move(column));
  }
  return out;
}

QcResult RunQc(const io::Frame& raw_input, const QcOptions& options) {
  if (!(options.capacity_mw > 0)) throw std::invalid_argument("capacity must be > 0 MW");
  if (options.max_gap_minutes < 0 || options.stuck_minutes < 15) {
    throw std::invalid_argument("max gap must be >= 0 minutes and stuck time >= 15 minutes");
  }
  const double cap = options.capacity_mw;
  io::Frame input = raw_input;
  if (const int index = input.Find("qc_flag"); index >= 0) {  // re-running QC replaces old flags
    input.names.erase(input.names.begin() + index);
    input.columns.erase(input.columns.begin() + index);
  }
  input.Column("power_mw");  // throws "missing column" naming the file
  {
    // A plant that produces above 150 % of its nameplate in many rows has the wrong capacity
    // (a unit mix-up such as kW for MW), which would make every later flag wrong.
    const auto& power = input.Column("power_mw");
    long valid = 0, above = 0;
    size_t first_above = 0;
    for (size_t r = 0; r < power.size(); ++r) {
      if (std::isnan(power[r])) continue;
      ++valid;
      if (power[r] > 1.5 * cap && above++ == 0) first_above = r;
    }
    if (above > std::max<long>(2, valid / 20)) {
      throw io::InputError(
          input.source, static_cast<long>(first_above) + 2, 0,
          "power_mw is above 150% of --capacity " + std::to_string(cap) + " MW in " + std::to_string(above) +
              " of " + std::to_string(valid) +
              " rows; check --capacity (the plant's nameplate in MW) and the power unit (MW)");
    }
  }

  QcResult result;
  {
    std::map<int64_t, size_t> steps;  // the native step: the most common one between input rows
    for (size_t r = 1; r < input.Rows(); ++r) ++steps[input.time[r] - input.time[r - 1]];
    size_t best = 0;
    for (const auto& [step, count] : steps) {
      if (count > best) result.native_step = step, best = count;
    }
  }
  io::Frame frame = AlignToQuarterHour(input);
  const size_t n = frame.Rows();
  const size_t nc = frame.names.size();
  ColumnFlags flags(nc, std::vector<int>(n, 0));
  std::vector<long> missing_in(nc, 0);
  for (size_t c = 0; c < nc; ++c) {
    missing_in[c] = std::count_if(frame.columns[c].begin(), frame.columns[c].end(),
                                  [](double v) { return std::isnan(v); });
  }
  const int power_index = frame.Find("power_mw");
  const int speed_index = frame.Find("wind_speed");
  const int available_index = frame.Find("available_mw");
  const auto& power = frame.columns[static_cast<size_t>(power_index)];

  // 1. Out of range: physically impossible values are removed.
  for (size_t c = 0; c < nc; ++c) {
    const auto range = RangeFor(frame.names[c], cap);
    if (!range) continue;
    for (size_t r = 0; r < n; ++r) {
      double& v = frame.columns[c][r];
      if (!std::isnan(v) && (v < range->lo || v > range->hi)) {
        v = kMissing;
        flags[c][r] |= kQcOutOfRange;
      }
    }
  }

  // 2. Stuck sensors: one exact value repeated for at least stuck_minutes, unless the physics says
  // the value should be constant (calm wind, night, a plant at zero or at rated output).
  const size_t stuck_points = static_cast<size_t>((options.stuck_minutes + 14) / 15);
  const std::vector<double> no_column;
  const auto& speed = speed_index >= 0 ? frame.columns[static_cast<size_t>(speed_index)] : no_column;
  for (size_t c = 0; c < nc; ++c) {
    const std::string& name = frame.names[c];
    if (!IsSensor(name)) continue;
    auto& values = frame.columns[c];
    size_t i = 0;
    while (i < n) {
      if (std::isnan(values[i])) {
        ++i;
        continue;
      }
      size_t j = i + 1;
      while (j < n && !std::isnan(values[j]) &&
             std::abs(values[j] - values[i]) <= 1e-9 * std::max(1.0, std::abs(values[i])))
        ++j;
      const double v = values[i];
      bool exempt = j - i < stuck_points;
      if (!exempt) {
        if (name == "wind_speed") {
          const double p = Mean(power, i, j);
          exempt = v <= 0.05 && (std::isnan(p) || p <= 0.05 * cap);  // calm, and the plant agrees
        } else if (name == "wind_dir") {
          const double s = speed.empty() ? kMissing : Mean(speed, i, j);
          exempt = !std::isnan(s) && s < 1.0;  // a vane in calm air does not move
        } else if (name == "ghi" || name == "dni" || name == "dhi") {
          exempt = v <= 5;  // night
        } else if (name == "power_mw") {
          const double avail =
              available_index >= 0 ? Mean(frame.columns[static_cast<size_t>(available_index)], i, j) : cap;
          // At zero a stuck meter cannot be told from a stopped plant; the curtailment check below
          // decides from the wind. At rated output the power is constant by design.
          exempt = std::abs(v) <= 0.02 * cap || v >= 0.95 * std::min(cap, std::isnan(avail) ? cap : avail);
        }
      }
      if (!exempt) {
        for (size_t k = i; k < j; ++k) {
          values[k] = kMissing;
          flags[c][k] |= kQcStuck;
        }
      }
      i = j;
    }
  }

  // 3. Curtailment (wind): power flat at a plateau well below what the wind allows.
  nlohmann::json curve_report = {
      {"source", "none"},
      {"note", options.kind == PlantKind::kSolar ? "solar plant: curtailment is not checked"
                                                 : "no wind_speed column: curtailment is not checked"}};
  if (options.kind == PlantKind::kWind && speed_index >= 0) {
    std::vector<double> density;
    if (frame.Has("temperature_c") && frame.Has("pressure_hpa")) {
      const auto& t = frame.Column("temperature_c");
      const auto& p = frame.Column("pressure_hpa");
      density.resize(n);
      for (size_t r = 0; r < n; ++r) density[r] = AirDensity(t[r], p[r]);
    }
    std::vector<double> available(n, cap);
    if (available_index >= 0) {
      const auto& a = frame.columns[static_cast<size_t>(available_index)];
      for (size_t r = 0; r < n; ++r) available[r] = std::isnan(a[r]) ? cap : std::clamp(a[r], 0.0, cap);
    }
    std::optional<PowerCurve> curve = options.power_curve;
    std::string curve_source = "given";
    if (!curve) {
      curve_source = "fitted";
      std::vector<double> power_full(n, kMissing);  // scaled to the whole plant running
      for (size_t r = 0; r < n; ++r) {
        if (available[r] > 0.1 * cap) power_full[r] = power[r] * cap / available[r];
      }
      curve = FitEnvelopeCurve(speed, power_full, density, cap);
    }
    if (!curve) {
      curve_report = {
          {"source", "none"},
          {"note", "too few records to fit a power curve; curtailment not checked (pass --power-curve)"}};
    } else {
      const bool use_density = curve->density_normalised && !density.empty();
      std::vector<double> expected(n, kMissing);
      for (size_t r = 0; r < n; ++r) {
        const double rho = use_density ? density[r] : curve->reference_density;
        expected[r] =
            curve->Predict(speed[r], std::isnan(rho) ? curve->reference_density : rho) * available[r] / cap;
      }
      const double tolerance = 0.015 * cap;
      size_t i = 0;
      while (i < n) {
        if (std::isnan(power[i])) {
          ++i;
          continue;
        }
        double lo = power[i], hi = power[i];
        size_t j = i + 1;
        while (j < n && !std::isnan(power[j]) &&
               std::max(hi, power[j]) - std::min(lo, power[j]) <= tolerance) {
          lo = std::min(lo, power[j]);
          hi = std::max(hi, power[j]);
          ++j;
        }
        bool curtailed = false;
        if (j - i >= 4) {
          const double plateau = Mean(power, i, j);
          const double avail = Mean(available, i, j);
          size_t deficit = 0;
          for (size_t k = i; k < j; ++k) {
            if (!std::isnan(expected[k]) && expected[k] - power[k] > std::max(0.05 * cap, 0.10 * expected[k]))
              ++deficit;
          }
          curtailed = plateau < 0.95 * avail && deficit * 4 >= (j - i) * 3;
        }
        if (curtailed) {
          for (size_t k = i; k < j; ++k) flags[static_cast<size_t>(power_index)][k] |= kQcCurtailed;
          i = j;
        } else {
          ++i;
        }
      }
      curve_report = curve->ToJson();
      curve_report["source"] = curve_source;
    }
  }

  // 4. Gaps (missing in the input, or removed above): short ones interpolated, long ones flagged.
  const size_t max_gap_points = static_cast<size_t>(options.max_gap_minutes / 15);
  for (size_t c = 0; c < nc; ++c) {
    auto& values = frame.columns[c];
    const bool circular = IsDirection(frame.names[c]);
    size_t i = 0;
    while (i < n) {
      if (!std::isnan(values[i])) {
        ++i;
        continue;
      }
      size_t j = i;
      while (j < n && std::isnan(values[j])) ++j;
      const bool bounded = i > 0 && j < n;
      // Between two samples of coarser data (hourly): filled, but flagged as never measured.
      const bool between_samples = result.native_step > io::kQuarterHour && bounded &&
                                   static_cast<int64_t>(j - i + 1) * io::kQuarterHour <= result.native_step;
      if (between_samples) {
        const double a = values[i - 1];
        double delta = values[j] - a;
        if (circular) delta = std::remainder(delta, 360.0);
        for (size_t k = i; k < j; ++k) {
          const double t = static_cast<double>(k - i + 1) / static_cast<double>(j - i + 1);
          values[k] = circular ? Wrap360(a + t * delta) : a + t * delta;
          flags[c][k] |= kQcUpsampled;
        }
      } else if (bounded && j - i <= max_gap_points) {
        const double a = values[i - 1];
        double delta = values[j] - a;
        if (circular) delta = std::remainder(delta, 360.0);  // the short way round
        for (size_t k = i; k < j; ++k) {
          const double t = static_cast<double>(k - i + 1) / static_cast<double>(j - i + 1);
          values[k] = circular ? Wrap360(a + t * delta) : a + t * delta;
          flags[c][k] |= kQcInterpolated;
        }
      } else {
        for (size_t k = i; k < j; ++k) flags[c][k] |= kQcLongGap;
      }
      i = j;
    }
  }

  // 5. Row flags, counts, report.
  std::vector<double> row_flags(n, 0);
  std::vector<int> row_bits(n, 0);
  for (size_t r = 0; r < n; ++r) {
    int bits = 0;
    for (size_t c = 0; c < nc; ++c) bits |= flags[c][r];
    row_bits[r] = bits;
    row_flags[r] = bits;
  }
  struct Bit {
    int bit;
    const char* name;
    long* rows;
  };
  const Bit bits[] = {{kQcInterpolated, "interpolated", &result.interpolated},
                      {kQcLongGap, "long_gap", &result.long_gap},
                      {kQcStuck, "stuck", &result.stuck},
                      {kQcOutOfRange, "out_of_range", &result.out_of_range},
                      {kQcCurtailed, "curtailed", &result.curtailed},
                      {kQcUpsampled, "upsampled", &result.upsampled}};
  long kept = 0;
  for (size_t r = 0; r < n; ++r) {
    for (const auto& b : bits) *b.rows += (row_bits[r] & b.bit) ? 1 : 0;
    kept += (row_bits[r] & kQcUnusable) ? 0 : 1;
  }
  result.kept_fraction = n ? static_cast<double>(kept) / static_cast<double>(n) : 0.0;

  const int offset = frame.utc_offset_minutes;
  nlohmann::json report;
  report["source"] = input.source;
  report["rows_in"] = input.Rows();
  report["rows"] = n;
  report["interval_minutes"] = 15;
  report["native_step_minutes"] = static_cast<double>(result.native_step) / 60.0;
  report["first_time"] =
      n ? nlohmann::json(io::FormatRfc3339(frame.time.front(), offset)) : nlohmann::json(nullptr);
  report["last_time"] =
      n ? nlohmann::json(io::FormatRfc3339(frame.time.back(), offset)) : nlohmann::json(nullptr);
  report["grid_points_without_input"] = static_cast<long>(n) - static_cast<long>(std::min(n, input.Rows()));
  report["kept_rows"] = kept;
  report["kept_fraction"] = result.kept_fraction;
  report["capacity_mw"] = cap;
  report["options"] = {{"kind", options.kind == PlantKind::kWind ? "wind" : "solar"},
                       {"max_gap_minutes", options.max_gap_minutes},
                       {"stuck_minutes", options.stuck_minutes}};
  report["flag_bits"] = {
      {"interpolated", kQcInterpolated}, {"long_gap", kQcLongGap},    {"stuck", kQcStuck},
      {"out_of_range", kQcOutOfRange},   {"curtailed", kQcCurtailed}, {"upsampled", kQcUpsampled}};
  nlohmann::json rows_per_flag;
  for (const auto& b : bits) rows_per_flag[b.name] = *b.rows;
  report["rows_flagged"] = rows_per_flag;
  nlohmann::json columns;
  for (size_t c = 0; c < nc; ++c) {
    nlohmann::json counts = {{"missing_in", missing_in[c]}};
    for (const auto& b : bits) {
      counts[b.name] =
          std::count_if(flags[c].begin(), flags[c].end(), [&](int f) { return (f & b.bit) != 0; });
    }
    columns[frame.names[c]] = counts;
  }
  report["columns"] = columns;
  // Intervals [from, to) of rows carrying each bit, with the columns involved.
  constexpr size_t kMaxIntervals = 2000;
  nlohmann::json intervals;
  for (const auto& b : bits) {
    nlohmann::json list = nlohmann::json::array();
    size_t total = 0;
    size_t r = 0;
    while (r < n) {
      if (!(row_bits[r] & b.bit)) {
        ++r;
        continue;
      }
      size_t e = r;
      while (e < n && (row_bits[e] & b.bit)) ++e;
      ++total;
      if (list.size() < kMaxIntervals) {
        nlohmann::json involved = nlohmann::json::array();
        for (size_t c = 0; c < nc; ++c) {
          for (size_t k = r; k < e; ++k) {
            if (flags[c][k] & b.bit) {
              involved.push_back(frame.names[c]);
              break;
            }
          }
        }
        list.push_back({{"from", io::FormatRfc3339(frame.time[r], offset)},
                        {"to", io::FormatRfc3339(frame.time[e - 1] + io::kQuarterHour, offset)},
                        {"points", e - r},
                        {"columns", involved}});
      }
      r = e;
    }
    intervals[b.name] = {{"count", total}, {"list", list}};
  }
  report["intervals"] = intervals;
  report["power_curve"] = curve_report;

  frame.Set("qc_flag", std::move(row_flags));
  result.clean = std::move(frame);
  result.report = std::move(report);
  return result;
}

}  // namespace seed::kernels
