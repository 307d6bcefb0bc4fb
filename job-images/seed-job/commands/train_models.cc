#include "commands/train_models.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <future>
#include <limits>
#include <stdexcept>

#include "io/input_error.h"
#include "kernels/power_curve.h"
#include "kernels/pv_physical.h"
#include "kernels/quantile_set.h"
#include "kernels/residual_quantiles.h"
#include "kernels/ridge.h"

namespace seed::commands {

TrainingSet Concatenate(const TrainingSet& a, const TrainingSet& b) {
  TrainingSet all = a;
  all.x.insert(all.x.end(), b.x.begin(), b.x.end());
  all.y.insert(all.y.end(), b.y.begin(), b.y.end());
  all.time.insert(all.time.end(), b.time.begin(), b.time.end());
  return all;
}

TrainingSet SelectColumns(const TrainingSet& set, const std::vector<size_t>& columns) {
  TrainingSet out;
  out.y = set.y;
  out.time = set.time;
  out.cols = columns.size();
  out.x.reserve(set.Rows() * columns.size());
  for (size_t r = 0; r < set.Rows(); ++r) {
    for (size_t c : columns) out.x.push_back(set.x[r * set.cols + c]);
  }
  return out;
}

std::vector<double> FittedModel::FittedQuantiles(int threads) const {
  std::vector<double> out(rows.Rows() * predictor.quantiles().size());
  if (train_outputs.empty()) {
    predictor.PredictBatch(rows.x.data(), rows.Rows(), out.data(), threads);
  } else {
    predictor.FromModelOutputs(train_outputs, rows.Rows(), out.data());
  }
  return out;
}

std::vector<double> FittedModel::HeldOutQuantiles(const TrainingSet& valid, int threads) const {
  std::vector<double> out(valid.Rows() * predictor.quantiles().size());
  (held_out ? *held_out : predictor).PredictBatch(valid.x.data(), valid.Rows(), out.data(), threads);
  return out;
}

namespace {

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

void WarnFewTrees(const ModelSettings& s, int trees) {
  if (trees * 10 < s.gbdt.trees) {
    std::fprintf(stderr,
                 "train: warning: early stopping kept %d of %d trees (under 10%%): the validation window "
                 "(--validation-days %d) did not reward more; check it is long and typical enough, or "
                 "lower --learning-rate\n",
                 trees, s.gbdt.trees, s.validation_days);
  }
}

std::vector<int> MonotoneSpeed(const kernels::ModelArtifact& model) {
  std::vector<int> monotone(model.features.size(), 0);
  for (size_t c = 0; c < model.features.size(); ++c) {
    const std::string& name = model.features[c];
    if (name == "ws" || name == "ws2" || name == "ws3") monotone[c] = 1;
  }
  return monotone;
}

// The models' JSON, built side by side.
nlohmann::json TreeModelsJson(const std::vector<kernels::GbdtModel>& models) {
  std::vector<std::future<nlohmann::json>> parts;
  for (const kernels::GbdtModel& m : models) {
    parts.push_back(std::async(std::launch::async, [&m] { return m.ToJson(); }));
  }
  nlohmann::json out = nlohmann::json::array();
  for (auto& part : parts) out.push_back(part.get());
  return out;
}

nlohmann::json TreeCounts(const std::vector<kernels::GbdtModel>& models) {
  nlohmann::json out = nlohmann::json::array();
  for (const kernels::GbdtModel& m : models) out.push_back(m.num_trees());
  return out;
}

// Quantile GBDT in up to two phases. With a validation window: fit the anchor quantiles on the
// rows before it; choose one tree count on it (early stopping on the joint loss); shift each
// quantile by its held-out residuals (conformal calibration); then, with --refit, fit again on
// every row with that tree count, so the most recent days (the ones most like tomorrow) are
// trained on. Without one: one fit on every row.
FittedModel FitQuantileGbdt(const ModelSettings& s, kernels::ModelArtifact& model, const TrainingSet& train,
                            const TrainingSet& valid) {
  const size_t cols = train.cols;
  const std::vector<size_t> anchors = kernels::ChooseQuantileAnchors(model.quantiles, s.quantile_models);
  std::vector<kernels::GbdtParams> params(anchors.size(), s.gbdt);
  for (size_t a = 0; a < anchors.size(); ++a) {
    params[a].loss = kernels::GbdtParams::Loss::kQuantile;
    params[a].alpha = model.quantiles[anchors[a]];
    params[a].early_stopping_rounds = 0;  // whole validation curves: the tree count is chosen jointly
    if (s.monotone_speed) params[a].monotone = MonotoneSpeed(model);
  }
  nlohmann::json& parameters = model.parameters = nlohmann::json::object();
  parameters["anchors"] = anchors;
  std::vector<double> calibration(anchors.size(), 0.0);
  std::vector<kernels::GbdtModel> models;
  std::vector<std::vector<double>> outputs;
  TrainingSet rows;
  std::optional<kernels::Predictor> held_out_predictor;
  if (valid.Rows() < kMinValidationRows) {
    for (auto& fit : kernels::TrainGbdtModels(train.x.data(), train.Rows(), cols, train.y.data(), params, s.gbdt.threads)) {
      models.push_back(std::move(fit.model));
      outputs.push_back(std::move(fit.train_prediction));
    }
    rows = train;
  } else {
    std::vector<kernels::GbdtFit> fits = kernels::TrainGbdtModels(
        train.x.data(), train.Rows(), cols, train.y.data(), params, s.gbdt.threads, valid.x.data(), valid.Rows(), valid.y.data());
    int trees = s.gbdt.trees;
    if (s.gbdt.early_stopping_rounds > 0 && trees > 0) {
      trees = JointBestIteration(fits, s.gbdt.early_stopping_rounds) + 1;
      nlohmann::json own = nlohmann::json::array();  // what each quantile alone would have chosen
      for (const auto& fit : fits) {
        const auto& loss = fit.log.valid_loss;
        own.push_back(std::min_element(loss.begin(), loss.end()) - loss.begin() + 1);
      }
      parameters["earlyStopping"] = {{"trees", trees}, {"perQuantile", std::move(own)}};
      WarnFewTrees(s, trees);
    }
    std::vector<kernels::GbdtModel> held_out;
    for (size_t a = 0; a < fits.size(); ++a) {
      fits[a].model.Truncate(static_cast<size_t>(trees));
      std::vector<double> residuals(valid.Rows());
      fits[a].model.PredictBatch(valid.x.data(), valid.Rows(), cols, residuals.data(), s.gbdt.threads);
      for (size_t r = 0; r < valid.Rows(); ++r) residuals[r] = valid.y[r] - residuals[r];
      // Conformal calibration: quantile trees fit their training rows too well (their bands are
      // too narrow on new data), so each quantile but the median is shifted by the tau-quantile
      // of the held-out residuals, which restores its coverage on the validation window.
      if (params[a].alpha != 0.5) calibration[a] = kernels::EmpiricalQuantile(residuals, params[a].alpha);
      held_out.push_back(std::move(fits[a].model));
    }
    parameters["calibration"] = calibration;
    parameters["models"] = std::vector<nlohmann::json>(anchors.size());  // the fitted models are passed in
    if (s.refit) {
      held_out_predictor.emplace(model, std::move(held_out));
      for (auto& p : params) p.trees = trees;
      rows = Concatenate(train, valid);
      for (auto& fit : kernels::TrainGbdtModels(rows.x.data(), rows.Rows(), cols, rows.y.data(), params, s.gbdt.threads)) {
        models.push_back(std::move(fit.model));
        outputs.push_back(std::move(fit.train_prediction));
      }
    } else {  // the saved models are the held-out ones; their outputs on the rows come from walking the trees
      models = std::move(held_out);
      rows = train;
    }
  }
  parameters["models"] = TreeModelsJson(models);
  parameters["trees"] = TreeCounts(models);
  parameters["calibration"] = std::move(calibration);
  return {kernels::Predictor(model, std::move(models)), std::move(held_out_predictor), std::move(rows), std::move(outputs)};
}

// Gradient-boosted trees for the mean (squared loss), the quantiles from the residuals of a fit that
// never saw them, conditioned on the predicted level (as for ridge). With a validation window: the
// trees are counted by early stopping on it, its residuals give the quantiles (so they are as wide
// as errors on new data, not as narrow as the training fit), then the model is refit on every row
// with that count. Without one: one fit, quantiles from the training residuals (too narrow).
FittedModel FitMeanGbdt(const ModelSettings& s, kernels::ModelArtifact& model, const TrainingSet& train,
                        const TrainingSet& valid) {
  const size_t cols = train.cols;
  kernels::GbdtParams params = s.gbdt;
  params.loss = kernels::GbdtParams::Loss::kL2;
  if (s.monotone_speed) params.monotone = MonotoneSpeed(model);
  nlohmann::json& parameters = model.parameters = nlohmann::json::object();
  std::vector<kernels::GbdtModel> models;
  TrainingSet rows;
  std::optional<kernels::Predictor> held_out_predictor;
  kernels::ResidualQuantiles residuals;
  if (valid.Rows() < kMinValidationRows) {
    params.early_stopping_rounds = 0;
    auto fits = kernels::TrainGbdtModels(train.x.data(), train.Rows(), cols, train.y.data(), {params}, s.gbdt.threads);
    residuals = kernels::FitResidualQuantiles(fits[0].train_prediction, train.y, model.quantiles, s.capacity);
    models.push_back(std::move(fits[0].model));
    rows = train;
  } else {
    auto fits = kernels::TrainGbdtModels(train.x.data(), train.Rows(), cols, train.y.data(), {params}, s.gbdt.threads,
                                         valid.x.data(), valid.Rows(), valid.y.data());
    kernels::GbdtModel& first = fits[0].model;
    const int trees = static_cast<int>(first.num_trees());
    parameters["earlyStopping"] = {{"trees", trees}};
    if (params.early_stopping_rounds > 0) WarnFewTrees(s, trees);
    std::vector<double> point(valid.Rows());
    first.PredictBatch(valid.x.data(), valid.Rows(), cols, point.data(), s.gbdt.threads);
    residuals = kernels::FitResidualQuantiles(point, valid.y, model.quantiles, s.capacity);
    parameters["residuals"] = residuals.ToJson();
    parameters["models"] = nlohmann::json::array({nlohmann::json()});  // the fitted model is passed in
    std::vector<kernels::GbdtModel> held_out;
    held_out.push_back(std::move(first));
    if (s.refit) {
      held_out_predictor.emplace(model, std::move(held_out));
      params.trees = trees;
      params.early_stopping_rounds = 0;
      rows = Concatenate(train, valid);
      auto refits = kernels::TrainGbdtModels(rows.x.data(), rows.Rows(), cols, rows.y.data(), {params}, s.gbdt.threads);
      models.push_back(std::move(refits[0].model));
    } else {
      models = std::move(held_out);
      rows = train;
    }
  }
  parameters["residuals"] = residuals.ToJson();
  parameters["models"] = TreeModelsJson(models);
  parameters["trees"] = TreeCounts(models);
  return {kernels::Predictor(model, std::move(models)), std::move(held_out_predictor), std::move(rows), {}};
}

// The point models: fitted on the rows before the validation window only (they have no tree count
// or calibration for it to choose), their quantiles from their training residuals.
FittedModel FitPointModel(const ModelSettings& s, kernels::ModelArtifact& model, const TrainingSet& train) {
  const size_t cols = train.cols;
  if (model.kind == "pvwatts") {
    std::vector<double> fraction(train.Rows());
    for (size_t r = 0; r < train.Rows(); ++r) fraction[r] = train.x[r * cols];
    try {
      model.parameters = kernels::FitPvPhysical(fraction, train.y, model.quantiles, s.capacity).ToJson();
    } catch (const std::invalid_argument& e) {
      throw io::InputError(s.measurements_path, e.what());
    }
    return {kernels::Predictor(model), std::nullopt, train, {}};
  }
  std::vector<double> point(train.Rows());
  if (model.kind == "linear") {
    const kernels::RidgeModel ridge = kernels::FitRidge(train.x, cols, train.y, s.ridge_alpha);
    for (size_t r = 0; r < train.Rows(); ++r) point[r] = ridge.Predict(&train.x[r * cols]);
    model.parameters = {{"ridge", ridge.ToJson()}};
  } else {
    std::vector<double> speed(train.Rows());
    for (size_t r = 0; r < train.Rows(); ++r) speed[r] = train.x[r * cols];
    const kernels::PowerCurve curve = kernels::FitPowerCurveIec(speed, train.y, {});
    for (size_t r = 0; r < train.Rows(); ++r) point[r] = curve.Predict(speed[r]);
    model.parameters = {{"curve", curve.ToJson()}};
  }
  model.parameters["residuals"] = kernels::FitResidualQuantiles(point, train.y, model.quantiles, s.capacity).ToJson();
  return {kernels::Predictor(model), std::nullopt, train, {}};
}

}  // namespace

FittedModel FitModel(const ModelSettings& settings, kernels::ModelArtifact& model, const TrainingSet& train,
                     const TrainingSet& valid) {
  if (model.kind == "gbdt") return FitQuantileGbdt(settings, model, train, valid);
  if (model.kind == "gbdt-mean") return FitMeanGbdt(settings, model, train, valid);
  if (model.kind == "linear" || model.kind == "powercurve" || model.kind == "pvwatts") {
    return FitPointModel(settings, model, train);
  }
  throw io::UsageError("--model must be gbdt, gbdt-mean, linear, powercurve, pvwatts or ensemble");
}

}  // namespace seed::commands
