// seed-job forecast: short-term (days ahead, 96 points a day) and ultra-short-term (16 x 15 min,
// blending the latest measurement) probabilistic power forecasts from a model artifact.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <future>
#include <limits>
#include <map>
#include <optional>
#include <string_view>
#include <utility>

#include "commands/commands.h"
#include "commands/flag_time.h"
#include "commands/nwp_input.h"
#include "io/atomic_file.h"
#include "io/csv.h"
#include "io/feature_export.h"
#include "io/input_error.h"
#include "io/results.h"
#include "io/time.h"
#include "kernels/features.h"
#include "kernels/model.h"
#include "kernels/ultra_short.h"

namespace seed::commands {
namespace {

struct ForecastFlags {
  std::string model_path, nwp_path, measurements_path, out_path, neighbours;
  std::string issue_time, from, to;
  std::string export_features;  // where to write the target rows' feature matrix (empty: nowhere)
  double max_lead_hours = 1e9, min_lead_hours = 0;
  int days = 1;
  bool ultra_short = false;
  double tau_minutes = 90;
};

// The 15-min target times: short-term = whole local days after the issue day; ultra-short = the 16
// quarter hours after the issue time; or an explicit [from, to) for backtests.
std::vector<int64_t> TargetTimes(const ForecastFlags& f, int offset_minutes, int64_t issue) {
  std::vector<int64_t> times;
  if (!f.from.empty()) {
    const int64_t from = ParseFlagTime("--from", f.from).unix_seconds;
    const int64_t to = ParseFlagTime("--to", f.to).unix_seconds;
    if (to <= from) throw io::UsageError("--to must be later than --from");
    for (int64_t t = from; t < to; t += io::kQuarterHour) times.push_back(t);
  } else if (f.ultra_short) {
    const int64_t first = (issue / io::kQuarterHour + 1) * io::kQuarterHour;
    for (int k = 0; k < 16; ++k) times.push_back(first + k * io::kQuarterHour);
  } else {
    const int64_t offset = int64_t{offset_minutes} * 60;
    const int64_t local_day = (issue + offset) / io::kDay - ((issue + offset) % io::kDay < 0 ? 1 : 0);
    const int64_t start = (local_day + 1) * io::kDay - offset;  // next local midnight
    for (int64_t k = 0; k < int64_t{f.days} * 96; ++k) times.push_back(start + k * io::kQuarterHour);
  }
  return times;
}

// Reads the NWP rows a forecast can use: those within a day of [lo, hi) (features look an hour
// around a row; a short-term day starts at a local midnight the file's offset decides). The file's
// times increase (the reader checks), so the lines are found by binary search on their times and
// only they are parsed: a backtest month of a year-long file costs a month. When that cannot be
// done (a probed time does not parse, no row is in the window, the slice is refused) the whole file
// is parsed, which reports any problem with the file's own line numbers. A file of runs
// (issue_time) is in run order: each line's two times are read, and only the lines of runs issued
// by `latest_issue` within a day of [lo, hi) are parsed.
io::Frame ReadNwp(const std::string& path, int64_t lo, int64_t hi, int64_t latest_issue) {
  const io::CsvReadOptions options{.run_column = kernels::kIssueColumn};
  const std::string text = io::ReadFile(path);
  const std::string_view view = text;
  const size_t body = view.find('\n') + 1;  // 0 when there is no header line: nothing is cut
  bool parsed = body > 0;
  long issue_field = -1;  // the issue_time column's field, when the file holds runs
  for (size_t start = 0, field = 0; start < body; ++field) {
    const size_t end = std::min(view.find_first_of(",\r\n", start), body);
    std::string_view name = view.substr(start, end - start);
    while (!name.empty() && (name.front() == ' ' || name.front() == '\t')) name.remove_prefix(1);
    while (!name.empty() && (name.back() == ' ' || name.back() == '\t')) name.remove_suffix(1);
    if (name == kernels::kIssueColumn) issue_field = static_cast<long>(field);
    start = end + 1;
  }
  if (parsed && issue_field > 0) {
    // A file of runs is ordered by run, not by valid time: every line is looked at, and only those
    // of runs issued by the issue time with valid times within a day of the targets are parsed.
    std::string slice(view.substr(0, body));
    auto field_time = [&](std::string_view line, long field) -> std::optional<int64_t> {
      size_t start = 0;
      for (long k = 0; k < field && start != std::string_view::npos; ++k) {
        start = line.find(',', start);
        if (start != std::string_view::npos) ++start;
      }
      if (start == std::string_view::npos) return std::nullopt;
      std::string_view cell = line.substr(start, line.find(',', start) - start);
      while (!cell.empty() && (cell.back() == '\r' || cell.back() == ' ')) cell.remove_suffix(1);
      try {
        return io::ParseRfc3339(cell).unix_seconds;
      } catch (const std::exception&) {
        return std::nullopt;
      }
    };
    for (size_t start = body; start < view.size() && parsed;) {
      const size_t newline = view.find('\n', start);
      const size_t stop = newline == std::string_view::npos ? view.size() : newline + 1;
      const std::string_view line = view.substr(start, stop - start);
      if (line.find_first_not_of(" \t\r\n") != std::string_view::npos) {
        const std::optional<int64_t> time = field_time(line, 0), issue = field_time(line, issue_field);
        parsed = time.has_value() && issue.has_value();  // else the whole file reports the line
        if (parsed && *issue <= latest_issue && *time >= lo - io::kDay && *time < hi + io::kDay)
          slice += line;
      }
      start = stop;
    }
    if (parsed && slice.size() > body) {
      if (slice.back() != '\n') slice += '\n';
      try {
        return io::ParseCsv(slice, path, options);
      } catch (const io::InputError&) {
        // Reported below from the whole file, with its line numbers.
      }
    }
    return io::ParseCsv(text, path, options);
  }
  auto time_at = [&](size_t line) -> int64_t {  // of the line starting at `line`
    const std::string_view rest = view.substr(line, view.find_first_of(",\n", line) - line);
    try {
      return io::ParseRfc3339(rest).unix_seconds;
    } catch (const std::exception&) {
      parsed = false;
      return 0;
    }
  };
  auto first_at_or_after = [&](int64_t t) {  // offset of the first line whose time is >= t
    size_t low = body, high = view.size();   // line starts (or the end) around the answer
    while (low < high && parsed) {
      const size_t mid = low + (high - low) / 2;
      const size_t line = view.rfind('\n', mid - 1) + 1;  // the start of mid's line, in [low, mid]
      if (time_at(line) < t) {
        const size_t newline = view.find('\n', line);
        low = newline == std::string_view::npos ? view.size() : newline + 1;
      } else {
        high = line;
      }
    }
    return low;
  };
  const size_t begin = first_at_or_after(lo - io::kDay), end = first_at_or_after(hi + io::kDay);
  if (parsed && begin < end) {
    std::string slice(view.substr(0, body));
    slice += view.substr(begin, end - begin);
    try {
      return io::ParseCsv(slice, path, options);
    } catch (const io::InputError&) {
      // Reported below from the whole file, with its line numbers.
    }
  }
  return io::ParseCsv(text, path, options);
}

// The span [lo, hi) the target times fall in, before the NWP file's offset is known.
std::pair<int64_t, int64_t> TargetSpan(const ForecastFlags& f) {
  if (!f.from.empty()) return {ParseFlagTime("--from", f.from).unix_seconds, ParseFlagTime("--to", f.to).unix_seconds};
  const int64_t issue = ParseFlagTime("--issue-time", f.issue_time).unix_seconds;
  return {issue - io::kDay, issue + int64_t{f.days + 1} * io::kDay};
}

void Run(const ForecastFlags& f) {
  if (f.from.empty() != f.to.empty()) throw io::UsageError("--from and --to go together");
  if (f.from.empty() && f.issue_time.empty()) throw io::UsageError("give --issue-time (or --from and --to for a backtest)");
  if (f.days < 1 || f.days > 15) throw io::UsageError("--days must be between 1 and 15");
  if (f.ultra_short && f.measurements_path.empty()) {
    throw io::UsageError("--ultra-short needs --measurements (the latest measured power is blended in)");
  }
  // The NWP files are read while the model is parsed (independent, and both single-threaded); a bad
  // model is still reported first.
  const auto [span_lo, span_hi] = TargetSpan(f);
  const auto neighbours = ParseNeighbours(f.neighbours);
  std::future<std::map<std::string, io::Frame>> nwp_read = std::async(std::launch::async, [&] {
    std::map<std::string, io::Frame> frames;
    const int64_t latest_issue = f.issue_time.empty() ? std::numeric_limits<int64_t>::max()
                                                      : ParseFlagTime("--issue-time", f.issue_time).unix_seconds;
    frames.emplace(f.nwp_path, ReadNwp(f.nwp_path, span_lo, span_hi, latest_issue));
    for (const auto& [site, path] : neighbours)
      frames.emplace(path, ReadNwp(path, span_lo, span_hi, latest_issue));
    return frames;
  });
  const kernels::ModelArtifact model = kernels::LoadModel(f.model_path);
  kernels::Predictor predictor = [&] {
    try {
      return kernels::Predictor(model);
    } catch (const io::InputError& e) {
      throw io::InputError(f.model_path, e.what());
    }
  }();
  std::string missing_sites;
  for (const auto& site : model.source.neighbours) {
    bool given = false;
    for (const auto& [name, path] : neighbours) given = given || name == site;
    if (!given) missing_sites += (missing_sites.empty() ? "" : ", ") + site;
  }
  if (!missing_sites.empty()) {
    throw io::UsageError("the model reads neighbour sites' NWP (" + missing_sites +
                         ") that were not given; pass them as --nwp-neighbours site=path,... as in training");
  }
  std::map<std::string, io::Frame> frames = nwp_read.get();
  const int64_t issue = f.issue_time.empty() ? 0 : ParseFlagTime("--issue-time", f.issue_time).unix_seconds;
  // Of a file of runs, only those known at the issue time with rows within a day of the targets.
  const RunWindow window{.latest_issue = f.issue_time.empty() ? std::numeric_limits<int64_t>::max() : issue,
                         .lo = span_lo - io::kDay,
                         .hi = span_hi + io::kDay};
  const kernels::NwpRuns nwp = LoadNwp(
      f.nwp_path, neighbours, model.source.interval_columns,
      [&](const std::string& path) { return std::move(frames.at(path)); }, window);
  const int offset_minutes = nwp.runs.front().frame.utc_offset_minutes;
  const std::vector<int64_t> targets = TargetTimes(f, offset_minutes, issue);

  // For each target time, the run to read (the latest known at the issue time, see ChooseRuns);
  // features only for those rows, and the trees walked for all of them at once.
  const int64_t min_lead = static_cast<int64_t>(f.min_lead_hours * 3600);
  const int64_t max_lead = static_cast<int64_t>(std::min(f.max_lead_hours, 1e9) * 3600);
  auto choose = [&](const std::vector<int64_t>& times) {
    return kernels::ChooseRuns(nwp, times, f.issue_time.empty() ? kernels::kNoIssue : issue, min_lead,
                               max_lead);
  };
  const std::vector<kernels::RunRow> chosen = choose(targets);
  std::vector<kernels::RunRow> rows;
  std::vector<long> target_row(targets.size(), -1);  // index into rows, or -1: no NWP row
  for (size_t k = 0; k < targets.size(); ++k) {
    if (chosen[k].run < 0) continue;
    target_row[k] = static_cast<long>(rows.size());
    rows.push_back(chosen[k]);
  }
  const std::vector<double> x = kernels::BuildFeatures(nwp, model.features, model.source, rows);
  if (!f.export_features.empty()) {  // the target times that have an NWP row, in order
    std::vector<int64_t> export_times;
    std::vector<double> export_x;
    const size_t cols = model.features.size();
    for (size_t k = 0; k < targets.size(); ++k) {
      if (target_row[k] < 0) continue;
      const auto row = static_cast<size_t>(target_row[k]);
      export_times.push_back(targets[k]);
      export_x.insert(export_x.end(), x.begin() + static_cast<long>(row * cols), x.begin() + static_cast<long>((row + 1) * cols));
    }
    io::WriteFeatureMatrix(f.export_features, export_times, {}, model.features, export_x);
  }
  const size_t nq = predictor.quantiles().size();
  std::vector<double> predicted(rows.size() * nq);
  predictor.PredictBatch(x.data(), rows.size(), predicted.data(), 0);

  std::vector<std::vector<double>> values(targets.size(), std::vector<double>(nq));
  size_t missing = 0;
  std::string first_missing;
  for (size_t k = 0; k < targets.size(); ++k) {
    if (target_row[k] >= 0) {
      const double* p = &predicted[static_cast<size_t>(target_row[k]) * nq];
      std::copy(p, p + nq, values[k].begin());
    }
    if (target_row[k] < 0 || std::isnan(values[k][0])) {
      if (missing++ == 0) first_missing = io::FormatRfc3339(targets[k], offset_minutes);
    }
  }
  if (missing > 0) {
    throw io::InputError(
        f.nwp_path,
        std::to_string(missing) + " of " + std::to_string(targets.size()) +
            " forecast times have no usable NWP row (first: " + first_missing +
            "); the NWP file must cover the whole forecast horizon with the model's input columns filled" +
            (nwp.has_issue ? " by a run issued at or before --issue-time (within --min/--max-lead-hours)"
                           : "") +
            " (NWP coarser than 15 min is interpolated between its rows, not beyond them)");
  }

  nlohmann::json blend = nullptr;
  if (f.ultra_short) {
    const io::Frame measured = io::ReadCsv(f.measurements_path, {.required = {"power_mw"}});
    const auto& power = measured.Column("power_mw");
    // The latest measurement at or before the issue time, at most 30 minutes old.
    long latest = -1;
    for (size_t r = 0; r < measured.Rows() && measured.time[r] <= issue; ++r) {
      if (!std::isnan(power[r])) latest = static_cast<long>(r);
    }
    if (latest < 0 || issue - measured.time[static_cast<size_t>(latest)] > 1800) {
      throw io::InputError(f.measurements_path, "no measured power_mw within 30 minutes before the issue time " +
                                                    f.issue_time + "; ultra-short forecasts need a live measurement");
    }
    const int64_t t0 = measured.time[static_cast<size_t>(latest)];
    const std::vector<kernels::RunRow> r0 = choose({t0});
    if (r0[0].run < 0) {
      throw io::InputError(f.nwp_path, "no NWP row at the latest measurement time " +
                                           io::FormatRfc3339(t0, offset_minutes) + " to compare against");
    }
    const std::vector<double> x0 = kernels::BuildFeatures(nwp, model.features, model.source, r0);
    std::vector<double> now(nq);
    predictor.Predict(x0.data(), now.data());
    const double model_now = predictor.Point(now.data());
    const double error = power[static_cast<size_t>(latest)] - model_now;
    std::vector<int64_t> horizons;
    for (int64_t t : targets) horizons.push_back(t - t0);
    kernels::BlendMeasuredError(values, horizons, error, f.tau_minutes * 60, model.capacity_mw);
    blend = {{"measured_mw", power[static_cast<size_t>(latest)]}, {"model_mw", model_now}, {"error_mw", error}};
  }

  io::Frame out = io::MakeFrame(targets, offset_minutes);
  const auto& taus = predictor.quantiles();
  std::vector<double> point(targets.size());
  for (size_t k = 0; k < targets.size(); ++k) point[k] = predictor.Point(values[k].data());
  out.Set("forecast_mw", point);
  std::vector<double> column(targets.size());
  for (size_t q = 0; q < nq; ++q) {
    for (size_t k = 0; k < targets.size(); ++k) column[k] = values[k][q];
    out.Set(kernels::QuantileColumn(taus[q]), column);
  }
  io::WriteCsv(f.out_path, out);

  double energy = 0;
  for (size_t k = 0; k < targets.size(); ++k) energy += point[k] * 0.25;
  io::Results results;
  results.Set("forecast", f.out_path);
  results.Set("points", targets.size());
  results.Set("first", io::FormatRfc3339(targets.front(), offset_minutes));
  results.Set("energy_mwh", energy);
  if (!blend.is_null()) results.Set("blend", blend);
  results.Flush();
  std::printf("forecast: %zu points from %s, %.1f MWh expected -> %s\n", targets.size(),
              io::FormatRfc3339(targets.front(), offset_minutes).c_str(), energy, f.out_path.c_str());
}

}  // namespace

void AddForecast(CLI::App& app) {
  auto flags = std::make_shared<ForecastFlags>();
  CLI::App* cmd = app.add_subcommand("forecast", "Probabilistic power forecast: short-term (days ahead) or ultra-short-term (0-4 h)");
  cmd->add_option("--model", flags->model_path, "Model artifact from `seed-job train`")->required();
  cmd->add_option(
         "--nwp", flags->nwp_path,
         "NWP CSV covering the forecast horizon (same columns as in training); with runs (issue_time), "
         "each target time reads the latest run issued at or before --issue-time")
      ->required();
  cmd->add_option(
      "--nwp-neighbours", flags->neighbours,
      "The neighbour sites' NWP CSVs the model was trained with (path or site=path, comma-separated)");
  cmd->add_option("--max-lead-hours", flags->max_lead_hours,
                  "Runs: use a run only for target times at most this many hours after its issue time");
  cmd->add_option(
         "--min-lead-hours", flags->min_lead_hours,
         "Runs: use a run only for target times at least this many hours after its issue time (backtests "
         "without --issue-time: each target reads the latest run issued this long before it)")
      ->capture_default_str();
  cmd->add_option("--out", flags->out_path, "Forecast CSV to write: forecast_mw and one p<percent> column per quantile")->required();
  cmd->add_option("--export-features", flags->export_features,
                  "Also write the feature rows of the forecast times (time and every feature) to this CSV");
  cmd->add_option("--issue-time", flags->issue_time, "Issue time (RFC 3339). Short-term: days start at the next local midnight");
  cmd->add_option("--days", flags->days, "Short-term: days ahead (96 points each)")->capture_default_str();
  cmd->add_flag("--ultra-short", flags->ultra_short, "16 points of 15 min after the issue time, blending the latest measurement");
  cmd->add_option("--measurements", flags->measurements_path, "Ultra-short: measured power_mw up to the issue time");
  cmd->add_option("--blend-tau-minutes", flags->tau_minutes, "Ultra-short: e-folding horizon of the measured error")->capture_default_str();
  cmd->add_option("--from", flags->from, "Backtest: first target time (RFC 3339), instead of --issue-time");
  cmd->add_option("--to", flags->to, "Backtest: end of the target times (exclusive)");
  cmd->callback([flags] { Run(*flags); });
}

}  // namespace seed::commands
