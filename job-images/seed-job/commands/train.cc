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
#include "commands/training_rows.h"
#include "io/csv.h"
#include "io/feature_export.h"
#include "io/input_error.h"
#include "io/results.h"
#include "io/time.h"
#include "kernels/features.h"
#include "kernels/gbdt.h"
#include "kernels/model.h"
#include "kernels/power_curve.h"
#include "kernels/pv_physical.h"
#include "kernels/residual_quantiles.h"
#include "kernels/ridge.h"

namespace seed::commands {
namespace {

struct TrainFlags {
  std::string model_kind = "gbdt";
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

// Rows usable for training: a measured target and the primary input present.
struct TrainingSet {
  std::vector<double> x, y;
  std::vector<int64_t> time;
  size_t cols = 0;

  size_t Rows() const { return y.size(); }
};

// The rows of a followed by those of b.
TrainingSet Concatenate(const TrainingSet& a, const TrainingSet& b) {
  TrainingSet all = a;
  all.x.insert(all.x.end(), b.x.begin(), b.x.end());
  all.y.insert(all.y.end(), b.y.begin(), b.y.end());
  all.time.insert(all.time.end(), b.time.begin(), b.time.end());
  return all;
}

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

// Scores of the point forecast (the median) and the quantile band; predictions: set.Rows() rows of
// one value per quantile, as Predictor::PredictBatch gives them.
nlohmann::json Score(const std::vector<double>& taus, const std::vector<double>& predictions, const TrainingSet& set,
                     double capacity) {
  const size_t median = static_cast<size_t>(std::find(taus.begin(), taus.end(), 0.5) - taus.begin());
  const size_t nq = taus.size();
  double sum2 = 0, sum_abs = 0, bias = 0;
  size_t inside = 0;
  for (size_t r = 0; r < set.Rows(); ++r) {
    const double* out = &predictions[r * nq];
    const double e = (out[median] - set.y[r]) / capacity;
    sum2 += e * e;
    sum_abs += std::abs(e);
    bias += e;
    if (set.y[r] >= out[0] && set.y[r] <= out[nq - 1]) ++inside;
  }
  const double n = static_cast<double>(std::max<size_t>(1, set.Rows()));
  return {{"rows", set.Rows()},
          {"nrmse", std::sqrt(sum2 / n)},
          {"nmae", sum_abs / n},
          {"nbias", bias / n},
          {"coverage", taus.size() > 1 ? static_cast<double>(inside) / n : 0.0},
          {"coverageNominal", taus.back() - taus.front()}};
}

// Rows with fewer validation rows than this are not used to calibrate or choose the trees: a
// day of 15-min rows is the least that says anything about a tail quantile.
constexpr size_t kMinValidationRows = 96;

struct QuantileFit {
  std::vector<kernels::GbdtModel> models;          // one per anchor quantile, as saved
  std::vector<std::vector<double>> train_outputs;  // each model's raw output on `rows`
  TrainingSet rows;                                // the rows the saved models were fitted on
  std::optional<kernels::Predictor> validation_predictor;
};

// The first iteration after which the summed validation loss of all models (the mean pinball
// loss over the anchor quantiles, a discrete CRPS) did not improve for `patience` rounds: one tree
// count for every quantile. Chosen per quantile, a tail model stops at a handful of trees whenever
// the first trees happen to fit the short validation window worse (its pinball loss is decided by
// the few rows beyond it), which left P95 a constant.
int JointBestIteration(const std::vector<kernels::GbdtFit>& fits, int patience) {
  size_t length = 0;
  for (const auto& fit : fits) length = std::max(length, fit.log.valid_loss.size());
  double best = std::numeric_limits<double>::infinity();
  int best_t = 0;
  for (size_t t = 0; t < length; ++t) {
    double sum = 0;
    for (const auto& fit : fits) sum += fit.log.valid_loss[std::min(t, fit.log.valid_loss.size() - 1)];
    if (sum < best) {
      best = sum;
      best_t = static_cast<int>(t);
    }
    if (patience > 0 && static_cast<int>(t) - best_t >= patience) break;
  }
  return best_t;
}

// Quantile GBDT in up to two phases. With a validation window: fit the anchor quantiles on the
// rows before it; choose one tree count on it (early stopping on the joint loss); shift each
// quantile by its held-out residuals (conformal calibration); then, with --refit, fit again on
// every row with that tree count, so the most recent days (the ones most like tomorrow) are
// trained on. Without one: one fit on every row.
QuantileFit FitGbdt(const TrainFlags& f, kernels::ModelArtifact& model, const TrainingSet& train,
                const TrainingSet& valid) {
  const size_t cols = train.cols;
  const std::vector<size_t> anchors = kernels::ChooseQuantileAnchors(model.quantiles, f.quantile_models);
  std::vector<kernels::GbdtParams> params(anchors.size(), f.gbdt);
  for (size_t a = 0; a < anchors.size(); ++a) {
    params[a].loss = kernels::GbdtParams::Loss::kQuantile;
    params[a].alpha = model.quantiles[anchors[a]];
    params[a].early_stopping_rounds = 0;  // whole validation curves: the tree count is chosen jointly
    if (f.monotone_speed) {
      params[a].monotone.assign(cols, 0);
      for (size_t c = 0; c < cols; ++c) {
        if (model.features[c] == "ws" || model.features[c] == "ws2" || model.features[c] == "ws3") params[a].monotone[c] = 1;
      }
    }
  }
  nlohmann::json& parameters = model.parameters = nlohmann::json::object();
  parameters["anchors"] = anchors;
  std::vector<double> calibration(anchors.size(), 0.0);
  QuantileFit out;
  if (valid.Rows() < kMinValidationRows) {
    std::vector<kernels::GbdtFit> fits = kernels::TrainGbdtModels(train.x.data(), train.Rows(), cols, train.y.data(),
                                                                  params, f.gbdt.threads);
    for (auto& fit : fits) {
      out.models.push_back(std::move(fit.model));
      out.train_outputs.push_back(std::move(fit.train_prediction));
    }
    out.rows = train;
  } else {
    std::vector<kernels::GbdtFit> fits = kernels::TrainGbdtModels(
        train.x.data(), train.Rows(), cols, train.y.data(), params, f.gbdt.threads, valid.x.data(), valid.Rows(), valid.y.data());
    int trees = f.gbdt.trees;
    if (f.gbdt.early_stopping_rounds > 0 && trees > 0) {
      trees = JointBestIteration(fits, f.gbdt.early_stopping_rounds) + 1;
      nlohmann::json own = nlohmann::json::array();  // what each quantile alone would have chosen
      for (const auto& fit : fits) {
        const auto& loss = fit.log.valid_loss;
        own.push_back(std::min_element(loss.begin(), loss.end()) - loss.begin() + 1);
      }
      parameters["earlyStopping"] = {{"trees", trees}, {"perQuantile", std::move(own)}};
      if (trees * 10 < f.gbdt.trees) {
        std::fprintf(stderr,
                     "train: warning: early stopping kept %d of %d trees (under 10%%): the validation window "
                     "(--validation-days %d) did not reward more; check it is long and typical enough, or "
                     "lower --learning-rate\n",
                     trees, f.gbdt.trees, f.validation_days);
      }
    }
    std::vector<kernels::GbdtModel> held_out;
    for (size_t a = 0; a < fits.size(); ++a) {
      fits[a].model.Truncate(static_cast<size_t>(trees));
      std::vector<double> residuals(valid.Rows());
      fits[a].model.PredictBatch(valid.x.data(), valid.Rows(), cols, residuals.data(), f.gbdt.threads);
      for (size_t r = 0; r < valid.Rows(); ++r) residuals[r] = valid.y[r] - residuals[r];
      // Conformal calibration: quantile trees fit their training rows too well (their bands are
      // too narrow on new data), so each quantile but the median is shifted by the tau-quantile
      // of the held-out residuals, which restores its coverage on the validation window.
      if (params[a].alpha != 0.5) calibration[a] = kernels::EmpiricalQuantile(residuals, params[a].alpha);
      held_out.push_back(std::move(fits[a].model));
    }
    parameters["calibration"] = calibration;
    parameters["models"] = std::vector<nlohmann::json>(anchors.size());  // the fitted models are passed in
    out.validation_predictor.emplace(model, f.refit ? std::move(held_out) : held_out);
    if (f.refit) {
      for (auto& p : params) p.trees = trees;
      out.rows = Concatenate(train, valid);
      std::vector<kernels::GbdtFit> refits = kernels::TrainGbdtModels(out.rows.x.data(), out.rows.Rows(), cols,
                                                                      out.rows.y.data(), params, f.gbdt.threads);
      for (auto& fit : refits) {
        out.models.push_back(std::move(fit.model));
        out.train_outputs.push_back(std::move(fit.train_prediction));
      }
    } else {  // the saved models are the held-out ones; their outputs on the rows come from the predictor
      out.models = std::move(held_out);
      out.rows = train;
    }
  }
  // The models' JSON is built side by side.
  std::vector<std::future<nlohmann::json>> model_json;
  for (const kernels::GbdtModel& m : out.models) {
    model_json.push_back(std::async(std::launch::async, [&m] { return m.ToJson(); }));
  }
  nlohmann::json models = nlohmann::json::array(), iterations = nlohmann::json::array();
  for (size_t a = 0; a < out.models.size(); ++a) {
    models.push_back(model_json[a].get());
    iterations.push_back(out.models[a].num_trees());
  }
  parameters["models"] = std::move(models);
  parameters["trees"] = std::move(iterations);
  parameters["calibration"] = std::move(calibration);
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
  // gbdt: each anchor quantile model's output on the rows it was fitted on, as training left it.
  std::vector<std::vector<double>> train_outputs;
  std::vector<kernels::GbdtModel> fitted_models;  // gbdt: what model.parameters holds, as fitted
  TrainingSet fitted_rows;                        // the rows the saved model was fitted on
  std::optional<QuantileFit> gbdt;  // holds the predictor of the models that never saw the validation rows
  if (f.model_kind == "gbdt") {
    gbdt.emplace(FitGbdt(f, model, train, valid));
    train_outputs = std::move(gbdt->train_outputs);
    fitted_models = std::move(gbdt->models);
    fitted_rows = std::move(gbdt->rows);
  } else if (f.model_kind == "linear" || f.model_kind == "powercurve") {
    std::vector<double> point(train.Rows());
    if (f.model_kind == "linear") {
      const kernels::RidgeModel ridge = kernels::FitRidge(train.x, cols, train.y, f.ridge_alpha);
      for (size_t r = 0; r < train.Rows(); ++r) point[r] = ridge.Predict(&train.x[r * cols]);
      model.parameters = {{"ridge", ridge.ToJson()}};
    } else {
      std::vector<double> speed(train.Rows());
      for (size_t r = 0; r < train.Rows(); ++r) speed[r] = train.x[r * cols];
      const kernels::PowerCurve curve = kernels::FitPowerCurveIec(speed, train.y, {});
      for (size_t r = 0; r < train.Rows(); ++r) point[r] = curve.Predict(speed[r]);
      model.parameters = {{"curve", curve.ToJson()}};
    }
    model.parameters["residuals"] =
        kernels::FitResidualQuantiles(point, train.y, model.quantiles, f.capacity).ToJson();
  } else if (f.model_kind == "pvwatts") {
    std::vector<double> fraction(train.Rows());
    for (size_t r = 0; r < train.Rows(); ++r) fraction[r] = train.x[r * cols];
    try {
      model.parameters = kernels::FitPvPhysical(fraction, train.y, model.quantiles, f.capacity).ToJson();
    } catch (const std::invalid_argument& e) {
      throw io::InputError(f.measurements_path, e.what());
    }
  } else {
    throw io::UsageError("--model must be gbdt, linear, powercurve or pvwatts");
  }

  if (fitted_rows.Rows() == 0) fitted_rows = train;
  const auto [first, last] = std::minmax_element(fitted_rows.time.begin(), fitted_rows.time.end());
  model.train_start = *first;  // a spread validation window interleaves the rows
  model.train_end = *last;
  model.train_rows = fitted_rows.Rows();
  const kernels::Predictor predictor =
      fitted_models.empty() ? kernels::Predictor(model) : kernels::Predictor(model, std::move(fitted_models));
  const size_t nq = model.quantiles.size();
  std::vector<double> predictions(fitted_rows.Rows() * nq);
  if (train_outputs.empty()) {
    predictor.PredictBatch(fitted_rows.x.data(), fitted_rows.Rows(), predictions.data(), f.gbdt.threads);
  } else {
    predictor.FromModelOutputs(train_outputs, fitted_rows.Rows(), predictions.data());
  }
  model.scores = {{"train", Score(model.quantiles, predictions, fitted_rows, f.capacity)}};
  if (valid.Rows() > 0) {
    // Honest: scored by models that never saw these rows (gbdt refits on them afterwards).
    const kernels::Predictor& scorer = gbdt && gbdt->validation_predictor ? *gbdt->validation_predictor : predictor;
    predictions.resize(valid.Rows() * nq);
    scorer.PredictBatch(valid.x.data(), valid.Rows(), predictions.data(), f.gbdt.threads);
    model.scores["validation"] = Score(model.quantiles, predictions, valid, f.capacity);
  }
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
      "train", "Fit a forecast model (gbdt, linear, powercurve, pvwatts) from NWP to measured power");
  cmd->add_option("--model", flags->model_kind,
                  "Model: gbdt (quantile gradient-boosted trees), linear (ridge), powercurve (IEC method of "
                  "bins), pvwatts (physical PV model)")
      ->check(CLI::IsMember({"gbdt", "linear", "powercurve", "pvwatts"}))
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
