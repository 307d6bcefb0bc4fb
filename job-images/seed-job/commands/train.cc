// seed-job train: fit a model from NWP features to measured power and save it as an artifact.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <future>
#include <limits>
#include <optional>
#include <tuple>

#include "commands/commands.h"
#include "commands/nwp_input.h"
#include "commands/train_models.h"
#include "commands/training_rows.h"
#include "io/csv.h"
#include "io/feature_export.h"
#include "io/input_error.h"
#include "io/results.h"
#include "io/time.h"
#include "kernels/ensemble.h"
#include "kernels/features.h"
#include "kernels/gbdt.h"
#include "kernels/model.h"
#include "kernels/quantile_set.h"

namespace seed::commands {
namespace {

struct TrainFlags {
  std::string model_kind = "gbdt";
  std::string members = "gbdt,gbdt-mean";  // --model ensemble
  std::string point = "median";            // forecast_mw: median | mean
  std::string plant_kind = "wind";
  std::string nwp_path, measurements_path, out_path, neighbours;
  double capacity = 0;
  std::string features, quantiles = "0.1,0.5,0.9";
  std::string until;  // train only on rows before this time (RFC 3339); empty: every row
  std::string export_features;  // where to write the usable rows' feature matrix (empty: nowhere)
  int validation_days = 28;
  int validation_every = 0;  // 0: the last validation_days are held out; K: every K-th such block
  int exclude_flags = 2 | 4 | 8 | 16 | 32;  // kernels::kQcUnusable
  kernels::FeatureSource source;
  kernels::GbdtParams gbdt;
  bool monotone_speed = false;
  double ridge_alpha = 1.0;
  size_t quantile_models = 15;  // gbdt: anchor quantiles fitted; the others are interpolated
  bool refit = true;            // gbdt: refit on every row once the validation window has spoken
  // Set from the command line's counts: flags the user gave are taken as they are.
  bool speed_given = false, direction_given = false, ghi_given = false, temperature_given = false;
  bool position_given = false;
};

// The rows r with a target and the primary input for which held_out(r) equals `want`.
template <typename HeldOut>
TrainingSet Select(const std::vector<double>& x, size_t cols, const std::vector<double>& target,
                   const std::vector<int64_t>& time, size_t primary, HeldOut held_out, bool want) {
  TrainingSet set;
  set.cols = cols;
  for (size_t r = 0; r < target.size(); ++r) {
    if (std::isnan(target[r]) || std::isnan(x[r * cols + primary]) || held_out(r) != want) continue;
    set.x.insert(set.x.end(), x.begin() + static_cast<long>(r * cols), x.begin() + static_cast<long>((r + 1) * cols));
    set.y.push_back(target[r]);
    set.time.push_back(time[r]);
  }
  return set;
}

// Scores of the point forecast (the median, or the quantile function's mean) and the quantile band;
// predictions: set.Rows() rows of one value per quantile, as Predictor::PredictBatch gives them.
nlohmann::json Score(const kernels::ModelArtifact& model, const std::vector<double>& predictions, const TrainingSet& set) {
  const std::vector<double>& taus = model.quantiles;
  const size_t median = static_cast<size_t>(std::find(taus.begin(), taus.end(), 0.5) - taus.begin());
  const size_t nq = taus.size();
  double sum2 = 0, sum_abs = 0, bias = 0, pinball = 0;
  size_t inside = 0;
  for (size_t r = 0; r < set.Rows(); ++r) {
    const double* out = &predictions[r * nq];
    const double point = model.point == "mean" ? kernels::QuantileFunctionMean(taus, out) : out[median];
    const double e = (point - set.y[r]) / model.capacity_mw;
    sum2 += e * e;
    sum_abs += std::abs(e);
    bias += e;
    if (set.y[r] >= out[0] && set.y[r] <= out[nq - 1]) ++inside;
    for (size_t q = 0; q < nq; ++q) {
      const double d = (set.y[r] - out[q]) / model.capacity_mw;
      pinball += d >= 0 ? taus[q] * d : (taus[q] - 1) * d;
    }
  }
  const double n = static_cast<double>(std::max<size_t>(1, set.Rows()));
  return {{"rows", set.Rows()},
          {"nrmse", std::sqrt(sum2 / n)},
          {"nmae", sum_abs / n},
          {"nbias", bias / n},
          {"npinball", pinball / (n * static_cast<double>(nq))},
          {"coverage", taus.size() > 1 ? static_cast<double>(inside) / n : 0.0},
          {"coverageNominal", taus.back() - taus.front()}};
}

// The columns an ensemble member reads: the point models that take one input read theirs, the
// others every feature.
std::vector<size_t> MemberColumns(const std::string& kind, const std::vector<std::string>& features) {
  std::string input;
  if (kind == "powercurve") input = "ws";
  if (kind == "pvwatts") input = "pvwatts";
  std::vector<size_t> columns;
  if (input.empty()) {
    for (size_t c = 0; c < features.size(); ++c) columns.push_back(c);
    return columns;
  }
  const auto at = std::find(features.begin(), features.end(), input);
  if (at == features.end()) {
    throw io::UsageError("--members: " + kind + " reads the feature '" + input + "', which --features does not list; add it");
  }
  return {static_cast<size_t>(at - features.begin())};
}

// A model with its quantiles on the rows it was fitted on and on the validation window (from the
// fit that never saw it; empty without a window).
struct ScoredFit {
  TrainingSet rows;
  std::vector<double> fitted, validation;
};

// --model ensemble: each member fitted as `train --model <member>` would fit it (the k-th gbdt
// member with --seed + k, so repeated members differ), on the columns it reads; their quantiles are
// averaged with weights stacked on the validation window (kernels/ensemble.h). Members that get no
// weight are left out of the artifact. The ensemble's rows are all rows, the window's included.
ScoredFit FitEnsemble(const TrainFlags& f, const ModelSettings& settings, kernels::ModelArtifact& model,
                      const TrainingSet& train, const TrainingSet& valid) {
  std::vector<std::string> kinds;
  for (size_t begin = 0; begin <= f.members.size();) {
    const size_t end = std::min(f.members.find(',', begin), f.members.size());
    kinds.push_back(f.members.substr(begin, end - begin));
    begin = end + 1;
  }
  if (kinds.empty() || kinds.size() > kernels::kMaxEnsembleMembers) {
    throw io::UsageError("--members: an ensemble has 1 to " + std::to_string(kernels::kMaxEnsembleMembers) +
                         " members (e.g. gbdt,gbdt-mean)");
  }
  std::vector<std::vector<size_t>> columns;  // checked for every member before any is fitted
  for (const std::string& kind : kinds) {
    if (kind != "gbdt" && kind != "gbdt-mean" && kind != "linear" && kind != "powercurve" && kind != "pvwatts") {
      throw io::UsageError("--members: '" + kind + "' is not a model (gbdt, gbdt-mean, linear, powercurve, pvwatts)");
    }
    columns.push_back(MemberColumns(kind, model.features));
  }
  const bool stacked = valid.Rows() >= kMinValidationRows;
  const TrainingSet all = Concatenate(train, valid);
  const size_t nq = model.quantiles.size();
  nlohmann::json members = nlohmann::json::array();
  std::vector<std::vector<double>> held_out, fitted;
  for (size_t k = 0; k < kinds.size(); ++k) {
    kernels::ModelArtifact member = model;
    member.kind = kinds[k];
    member.features.clear();
    for (size_t c : columns[k]) member.features.push_back(model.features[c]);
    const bool every_column = columns[k].size() == model.features.size();
    const TrainingSet member_train = every_column ? train : SelectColumns(train, columns[k]);
    const TrainingSet member_valid = every_column ? valid : SelectColumns(valid, columns[k]);
    ModelSettings member_settings = settings;
    member_settings.gbdt.seed = settings.gbdt.seed + k;
    std::fprintf(stderr, "train: ensemble member %zu of %zu: %s\n", k + 1, kinds.size(), kinds[k].c_str());
    const FittedModel fit = FitModel(member_settings, member, member_train, member_valid);
    if (valid.Rows() > 0) held_out.push_back(fit.HeldOutQuantiles(member_valid, settings.gbdt.threads));
    if (fit.rows.Rows() == all.Rows()) {
      fitted.push_back(fit.FittedQuantiles(settings.gbdt.threads));
    } else {
      const TrainingSet member_all = every_column ? all : SelectColumns(all, columns[k]);
      fitted.emplace_back(all.Rows() * nq);
      fit.predictor.PredictBatch(member_all.x.data(), all.Rows(), fitted.back().data(), settings.gbdt.threads);
    }
    members.push_back({{"kind", kinds[k]}, {"features", member.features}, {"parameters", std::move(member.parameters)}});
  }
  std::vector<double> weights(kinds.size(), 1.0 / static_cast<double>(kinds.size()));
  nlohmann::json stacking = {{"members", kinds}};
  if (stacked) {
    const kernels::EnsembleWeights w = kernels::FitEnsembleWeights(held_out, valid.y, model.quantiles);
    weights = w.weights;
    for (size_t k = 0; k < kinds.size(); ++k) {
      std::fprintf(stderr, "train: ensemble member %zu (%s): weight %.2f, validation pinball %.5f\n", k + 1,
                   kinds[k].c_str(), weights[k], w.member_loss[k] / model.capacity_mw);
    }
    std::fprintf(stderr, "train: ensemble: validation pinball %.5f\n", w.loss / model.capacity_mw);
    stacking["validationPinball"] = {{"members", w.member_loss}, {"ensemble", w.loss}, {"rows", w.rows}};
  } else {
    std::fprintf(stderr,
                 "train: note: no validation window (--validation-days) to stack the ensemble on; its %zu members "
                 "get equal weights\n",
                 kinds.size());
  }
  stacking["weights"] = weights;
  ScoredFit out;
  out.rows = all;
  out.fitted.assign(all.Rows() * nq, 0.0);
  out.validation.assign(valid.Rows() * nq, 0.0);
  nlohmann::json kept = nlohmann::json::array();
  std::vector<const double*> row(kinds.size());
  for (size_t r = 0; r < all.Rows(); ++r) {
    for (size_t k = 0; k < kinds.size(); ++k) row[k] = fitted[k].data() + r * nq;
    kernels::CombineQuantiles(row, weights, nq, out.fitted.data() + r * nq);
  }
  for (size_t r = 0; r < out.validation.size() / std::max<size_t>(nq, 1); ++r) {
    for (size_t k = 0; k < kinds.size(); ++k) row[k] = held_out[k].data() + r * nq;
    kernels::CombineQuantiles(row, weights, nq, out.validation.data() + r * nq);
  }
  for (size_t k = 0; k < kinds.size(); ++k) {
    if (weights[k] <= 0) continue;
    members[k]["weight"] = weights[k];
    kept.push_back(std::move(members[k]));
  }
  model.parameters = {{"members", std::move(kept)}, {"stacking", std::move(stacking)}};
  return out;
}

void Run(TrainFlags& f) {
  if (!(f.capacity > 0)) throw io::UsageError("--capacity must be a positive number of MW (the plant's nameplate)");
  if (f.validation_days < 0) throw io::UsageError("--validation-days must be 0 or more");
  const bool physical =
      f.model_kind == "pvwatts" || ("," + f.features + ",").find(",pvwatts,") != std::string::npos;
  if (physical && !f.position_given) {
    throw io::UsageError(
        "the physical PV model (--model pvwatts or the feature 'pvwatts') needs the site: give "
        "--latitude and --longitude (degrees north and east; also --altitude, --tilt, --azimuth "
        "and --dc-ac-ratio if they differ from their defaults)");
  }
  if (f.model_kind == "pvwatts" && !f.features.empty() && f.features != "pvwatts") {
    throw io::UsageError(
        "--model pvwatts takes no --features (its one input is the physical model's output); "
        "use --model gbdt --features pvwatts,... to learn from it");
  }
  const auto neighbours = ParseNeighbours(f.neighbours);
  // The measurements are read while the NWP files are (each reader is single-threaded); a bad NWP
  // file is still reported first.
  std::future<io::Frame> measured_read = std::async(
      std::launch::async, [&] { return io::ReadCsv(f.measurements_path, {.required = {"power_mw"}}); });
  const kernels::NwpRuns nwp = LoadNwp(
      f.nwp_path, neighbours, f.source.interval_columns,
      [](const std::string& path) { return io::ReadCsv(path, {.run_column = kernels::kIssueColumn}); });
  const io::Frame measured = measured_read.get();
  const int offset_minutes = nwp.runs.front().frame.utc_offset_minutes;

  kernels::ModelArtifact model;
  model.kind = f.model_kind;
  model.capacity_mw = f.capacity;
  model.quantiles = kernels::ParseQuantiles(f.quantiles);
  model.point = f.point;
  const FeatureRequest request{.list = f.features,
                               .plant_kind = f.plant_kind,
                               .model_kind = f.model_kind,
                               .source = f.source,
                               .speed_given = f.speed_given,
                               .direction_given = f.direction_given,
                               .ghi_given = f.ghi_given,
                               .temperature_given = f.temperature_given,
                               .position_given = f.position_given};
  std::tie(model.features, model.source) = ChooseFeatures(nwp, f.nwp_path, request);
  if (f.features.empty()) {
    // Day of year only when the history holds every season twice: with less, the trees use it to
    // memorise how windy each stretch of the history was, and a forecast for the days after it
    // inherits the last stretch's level (on a 240-day synthetic farm, five 30-day backtests lost
    // 0.4 to 5.5 points of RMSE and had every quantile's hit rate shifted by up to 22 points).
    const int64_t span = measured.time.empty() ? 0 : measured.time.back() - measured.time.front();
    if (span < 2 * 365 * io::kDay) {
      std::erase_if(model.features, [](const std::string& name) { return name.rfind("doy_", 0) == 0; });
    }
  }
  const size_t cols = model.features.size();
  const MeasuredRows measured_rows =
      AlignRuns(nwp, measured, f.exclude_flags, f.capacity, f.measurements_path);
  std::vector<double> target = measured_rows.power;
  const std::vector<int64_t>& times = measured_rows.time;
  const std::vector<double> x =
      kernels::BuildFeatures(nwp, model.features, model.source, measured_rows.where);

  if (!f.until.empty()) {  // a backtest: nothing at or after --until may shape the model
    int64_t until = 0;
    try {
      until = io::ParseRfc3339(f.until).unix_seconds;
    } catch (const std::invalid_argument& e) {
      throw io::UsageError(std::string("--until: ") + e.what());
    }
    for (size_t r = 0; r < target.size(); ++r) {
      if (times[r] >= until) target[r] = std::nan("");
    }
  }
  if (!f.export_features.empty()) {  // the rows that can be trained on, before the split
    std::vector<int64_t> export_times;
    std::vector<double> export_x, export_power;
    for (size_t r = 0; r < target.size(); ++r) {
      if (std::isnan(target[r])) continue;
      export_times.push_back(times[r]);
      export_power.push_back(target[r]);
      export_x.insert(export_x.end(), x.begin() + static_cast<long>(r * cols), x.begin() + static_cast<long>((r + 1) * cols));
    }
    io::WriteFeatureMatrix(f.export_features, export_times, {{"power_mw", export_power}}, model.features, export_x);
  }
  // The last validation_days of measured rows are held out (early stopping and honest scores).
  int64_t last_time = 0;  // of the last row that can be trained on
  for (size_t r = 0; r < target.size(); ++r) {
    if (!std::isnan(target[r])) last_time = std::max(last_time, times[r]);
  }
  // With --validation-every K, every K-th block of validation_days (counted back from the end) is
  // held out instead: a window spread over every season, where the last weeks alone may be a calm
  // summer that rewards no tree past the fiftieth.
  const int64_t block = int64_t{f.validation_days} * io::kDay;
  auto held_out = [&](size_t r) {
    if (block <= 0) return false;
    if (f.validation_every <= 1) return times[r] > last_time - block;
    const int64_t blocks_back = (last_time - times[r]) / block;
    return blocks_back % f.validation_every == 0;
  };
  const TrainingSet train = Select(x, cols, target, times, 0, held_out, false);
  const TrainingSet valid = Select(x, cols, target, times, 0, held_out, true);
  if (train.Rows() < 96) {
    throw io::InputError(f.measurements_path, "only " + std::to_string(train.Rows()) +
                                                  " usable training rows (measured power matching NWP times, not "
                                                  "flagged); need at least one day (96)");
  }
  const ModelSettings settings{.gbdt = f.gbdt,
                               .quantile_models = f.quantile_models,
                               .refit = f.refit,
                               .monotone_speed = f.monotone_speed,
                               .ridge_alpha = f.ridge_alpha,
                               .capacity = f.capacity,
                               .validation_days = f.validation_days,
                               .measurements_path = f.measurements_path};
  ScoredFit scored;
  if (f.model_kind == "ensemble") {
    scored = FitEnsemble(f, settings, model, train, valid);
  } else {
    const FittedModel fit = FitModel(settings, model, train, valid);
    scored.fitted = fit.FittedQuantiles(f.gbdt.threads);
    if (valid.Rows() > 0) scored.validation = fit.HeldOutQuantiles(valid, f.gbdt.threads);
    scored.rows = fit.rows;
  }
  const auto [first, last] = std::minmax_element(scored.rows.time.begin(), scored.rows.time.end());
  model.train_start = *first;  // a spread validation window interleaves the rows
  model.train_end = *last;
  model.train_rows = scored.rows.Rows();
  model.scores = {{"train", Score(model, scored.fitted, scored.rows)}};
  // Honest: scored by models that never saw these rows (gbdt refits on them afterwards).
  if (valid.Rows() > 0) model.scores["validation"] = Score(model, scored.validation, valid);
  kernels::SaveModel(f.out_path, model);

  io::Results results;
  results.Set("model", f.out_path);
  results.Set("rows", model.train_rows);
  results.Set("validation_rows", valid.Rows());
  if (valid.Rows() > 0) {
    results.Set("validation_nrmse", model.scores["validation"]["nrmse"]);
    results.Set("validation_coverage", model.scores["validation"]["coverage"]);
  }
  results.Flush();
  std::printf("trained %s model on %zu rows (%s .. %s), %zu features, quantiles %s -> %s\n",
              f.model_kind.c_str(), model.train_rows,
              io::FormatRfc3339(model.train_start, offset_minutes).c_str(),
              io::FormatRfc3339(model.train_end, offset_minutes).c_str(), cols, f.quantiles.c_str(),
              f.out_path.c_str());
  std::printf("scores: %s\n", model.scores.dump().c_str());
}

}  // namespace

void AddTrain(CLI::App& app) {
  auto flags = std::make_shared<TrainFlags>();
  flags->gbdt.trees = 300;
  flags->gbdt.subsample = 0.8;
  flags->gbdt.colsample = 0.8;
  flags->gbdt.early_stopping_rounds = 50;
  CLI::App* cmd = app.add_subcommand(
      "train", "Fit a forecast model (gbdt, gbdt-mean, linear, powercurve, pvwatts, ensemble) from NWP to measured power");
  cmd->add_option("--model", flags->model_kind,
                  "Model: gbdt (quantile gradient-boosted trees), gbdt-mean (trees for the mean, quantiles from "
                  "held-out residuals), linear (ridge), powercurve (IEC method of bins), pvwatts (physical PV "
                  "model), ensemble (--members combined with weights stacked on the validation window)")
      ->check(CLI::IsMember({"gbdt", "gbdt-mean", "linear", "powercurve", "pvwatts", "ensemble"}))
      ->capture_default_str();
  cmd->add_option("--members", flags->members,
                  "ensemble: its models, comma-separated, at most 4 (gbdt, gbdt-mean, linear, powercurve, pvwatts; "
                  "a repeated gbdt kind gets the next --seed)")
      ->capture_default_str();
  cmd->add_option("--point", flags->point,
                  "The point forecast (forecast_mw): median (minimises the absolute error) or mean of the "
                  "quantiles (minimises the squared error, e.g. RMSE-based grid accuracy)")
      ->check(CLI::IsMember({"median", "mean"}))
      ->capture_default_str();
  cmd->add_option("--kind", flags->plant_kind, "Plant kind, for the default features")->check(CLI::IsMember({"wind", "solar"}))->capture_default_str();
  cmd->add_option(
         "--nwp", flags->nwp_path,
         "NWP CSV (e.g. the output of fuse): the model inputs; may hold runs (an issue_time column); hourly "
         "NWP is put on the 15-min grid")
      ->required();
  cmd->add_option("--nwp-neighbours", flags->neighbours,
                  "Other sites' NWP CSVs (path or site=path, comma-separated): their columns become features "
                  "<site>/<column>");
  cmd->add_option("--interval-columns", flags->source.interval_columns,
                  "NWP columns holding interval means, besides those known by name (ghi, dni, ...)")
      ->delimiter(',');
  cmd->add_option("--measurements", flags->measurements_path, "Measured plant CSV with power_mw (e.g. the output of qc)")->required();
  cmd->add_option("--capacity", flags->capacity, "Plant capacity in MW")->required();
  cmd->add_option("--out", flags->out_path, "Model artifact to write (JSON)")->required();
  cmd->add_option(
      "--features", flags->features,
      "Comma-separated features: built-in names, NWP columns, col:GLOB, speed(u,v), shear(...), rho(t,p), "
      "acc(x), csi(x), X@+1h, X@run-12h, X~3h, lead_hours (default: the plant kind's set)");
  cmd->add_option("--quantiles", flags->quantiles,
                  "Quantiles to forecast, as levels and from:to:step ranges (0.01:0.99:0.01 is 99); 0.5 is always added")
      ->capture_default_str();
  cmd->add_option("--quantile-models", flags->quantile_models,
                  "gbdt: at most this many quantiles get a model of their own (tails first); the others are interpolated")
      ->check(CLI::Range(3, 1000))
      ->capture_default_str();
  cmd->add_flag("--refit,!--no-refit", flags->refit,
                "gbdt: after the validation window chose the trees and calibration, refit on every row (default on)");
  cmd->add_option("--export-features", flags->export_features,
                  "Also write the rows that can be trained on (time, power_mw and every feature) to this CSV");
  cmd->add_option("--until", flags->until,
                  "Train only on rows before this time (RFC 3339), e.g. the start of a backtest's forecasts");
  cmd->add_option("--validation-days", flags->validation_days, "Last days held out for early stopping and scores")->capture_default_str();
  cmd->add_option("--validation-every", flags->validation_every,
                  "Hold out every K-th block of --validation-days (counted back from the last row) instead of "
                  "the last one: a validation window spread over the seasons")
      ->check(CLI::Range(0, 1000));
  cmd->add_option("--exclude-flags", flags->exclude_flags, "qc_flag bits whose rows are not trained on")->capture_default_str();
  auto* speed = cmd->add_option("--speed-column", flags->source.speed_column,
                                "NWP wind speed column (when absent: the single <source>_ws column)")
                    ->capture_default_str();
  auto* direction = cmd->add_option("--direction-column", flags->source.direction_column,
                                    "NWP wind direction column (when absent: the single <source>_wd column)")
                        ->capture_default_str();
  auto* ghi = cmd->add_option("--ghi-column", flags->source.ghi_column,
                              "NWP GHI column, solar (when absent: the single <source>_ghi column)")
                  ->capture_default_str();
  auto* temperature =
      cmd->add_option("--temperature-column", flags->source.temperature_column,
                      "NWP air temperature column (when absent: the single <source>_t2m column)")
          ->capture_default_str();
  auto* latitude = cmd->add_option("--latitude", flags->source.latitude,
                                   "Site latitude, degrees north (required by features that use the sun, and pvwatts)")
                      ->check(CLI::Range(-90.0, 90.0));
  auto* longitude = cmd->add_option("--longitude", flags->source.longitude,
                                    "Site longitude, degrees east (required by features that use the sun, and pvwatts)")
                       ->check(CLI::Range(-180.0, 180.0));
  cmd->add_option("--altitude", flags->source.altitude, "Site altitude, m (sun position)")
      ->capture_default_str();
  cmd->add_option("--tilt", flags->source.tilt, "Module tilt, degrees from horizontal (pvwatts)")
      ->check(CLI::Range(0.0, 90.0))
      ->capture_default_str();
  cmd->add_option("--azimuth", flags->source.azimuth,
                  "Module azimuth, degrees east of north, 180 = south (pvwatts)")
      ->check(CLI::Range(0.0, 360.0))
      ->capture_default_str();
  cmd->add_option("--dc-ac-ratio", flags->source.dc_ac_ratio,
                  "Module STC rating over inverter AC rating (pvwatts)")
      ->check(CLI::Range(0.5, 3.0))
      ->capture_default_str();
  cmd->add_option("--trees", flags->gbdt.trees, "gbdt: boosting rounds")->capture_default_str();
  cmd->add_option("--depth", flags->gbdt.max_depth, "gbdt: maximum tree depth")->capture_default_str();
  cmd->add_option("--learning-rate", flags->gbdt.learning_rate, "gbdt: shrinkage")->capture_default_str();
  cmd->add_option("--bins", flags->gbdt.max_bins, "gbdt: histogram bins per feature (<= 255)")->check(CLI::Range(2, 255))->capture_default_str();
  cmd->add_option("--subsample", flags->gbdt.subsample, "gbdt: row fraction per tree")->check(CLI::Range(0.01, 1.0))->capture_default_str();
  cmd->add_option("--colsample", flags->gbdt.colsample, "gbdt: feature fraction per tree")->check(CLI::Range(0.01, 1.0))->capture_default_str();
  cmd->add_option("--min-child-weight", flags->gbdt.min_child_weight, "gbdt: minimum rows (hessian) per leaf")->capture_default_str();
  cmd->add_option("--early-stopping", flags->gbdt.early_stopping_rounds, "gbdt: stop after this many rounds without validation gain (0: off)")->capture_default_str();
  cmd->add_option("--threads", flags->gbdt.threads, "gbdt: threads (0: all cores)")->capture_default_str();
  cmd->add_option("--seed", flags->gbdt.seed, "gbdt: random seed for subsampling")->capture_default_str();
  cmd->add_flag("--monotone-speed", flags->monotone_speed, "gbdt: constrain power to increase with wind speed");
  cmd->add_option("--alpha", flags->ridge_alpha, "linear: L2 penalty on standardised features")->capture_default_str();
  cmd->callback([=] {
    flags->speed_given = speed->count() > 0;
    flags->direction_given = direction->count() > 0;
    flags->ghi_given = ghi->count() > 0;
    flags->temperature_given = temperature->count() > 0;
    flags->position_given = latitude->count() > 0 && longitude->count() > 0;
    Run(*flags);
  });
}

}  // namespace seed::commands
