// seed-job train: fit a model from NWP features to measured power and save it as an artifact.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <future>

#include "commands/commands.h"
#include "io/csv.h"
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
  std::string nwp_path, measurements_path, out_path;
  double capacity = 0;
  std::string features, quantiles = "0.1,0.5,0.9";
  int validation_days = 14;
  int exclude_flags = 2 | 4 | 8 | 16;
  kernels::FeatureSource source;
  kernels::GbdtParams gbdt;
  bool monotone_speed = false;
  double ridge_alpha = 1.0;
  bool site_given = false;  // --latitude and --longitude both given
};

// Rows usable for training: a measured target and the primary input present.
struct TrainingSet {
  std::vector<double> x, y;
  std::vector<int64_t> time;
  size_t cols = 0;

  size_t Rows() const { return y.size(); }
};

TrainingSet Select(const std::vector<double>& x, size_t cols, const std::vector<double>& target,
                   const std::vector<int64_t>& time, size_t primary, size_t begin, size_t end) {
  TrainingSet set;
  set.cols = cols;
  for (size_t r = begin; r < end; ++r) {
    if (std::isnan(target[r]) || std::isnan(x[r * cols + primary])) continue;
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

void Run(TrainFlags& f) {
  if (!(f.capacity > 0)) throw io::UsageError("--capacity must be a positive number of MW (the plant's nameplate)");
  if (f.validation_days < 0) throw io::UsageError("--validation-days must be 0 or more");
  const bool physical =
      f.model_kind == "pvwatts" || ("," + f.features + ",").find(",pvwatts,") != std::string::npos;
  if (physical && !f.site_given) {
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
  // The two files are read side by side (each reader is single-threaded); a bad NWP file is still
  // reported first.
  std::future<io::Frame> measured_read = std::async(
      std::launch::async, [&] { return io::ReadCsv(f.measurements_path, {.required = {"power_mw"}}); });
  const io::Frame nwp = io::ReadCsv(f.nwp_path);
  const io::Frame measured = measured_read.get();

  kernels::ModelArtifact model;
  model.kind = f.model_kind;
  model.source = f.source;
  model.capacity_mw = f.capacity;
  model.quantiles = kernels::ParseQuantiles(f.quantiles);
  if (!f.features.empty()) {
    for (size_t start = 0; start <= f.features.size();) {
      const size_t comma = std::min(f.features.find(',', start), f.features.size());
      model.features.push_back(f.features.substr(start, comma - start));
      start = comma + 1;
    }
  } else if (f.model_kind == "powercurve") {
    model.features = {"ws"};
  } else if (f.model_kind == "pvwatts") {
    model.features = {"pvwatts"};
  } else {
    model.features = f.plant_kind == "solar" ? kernels::DefaultSolarFeatures(nwp, f.source)
                                             : kernels::DefaultWindFeatures(nwp, f.source);
  }
  const size_t cols = model.features.size();
  const std::vector<double> x = kernels::BuildFeatures(nwp, model.features, f.source);
  std::vector<double> target = kernels::AlignMeasurements(nwp, measured, "power_mw", f.exclude_flags);
  for (size_t r = 0; r < target.size(); ++r) {
    if (!std::isnan(target[r]) && target[r] > 1.5 * f.capacity) {
      throw io::InputError(f.measurements_path, "power " + std::to_string(target[r]) + " MW at " +
                                                    io::FormatRfc3339(nwp.time[r], nwp.utc_offset_minutes) +
                                                    " exceeds 150% of --capacity " + std::to_string(f.capacity) +
                                                    " MW; is the capacity right?");
    }
  }

  // The last validation_days of measured rows are held out (early stopping and honest scores).
  size_t last = 0;
  for (size_t r = 0; r < target.size(); ++r) {
    if (!std::isnan(target[r])) last = r;
  }
  const int64_t split_time = nwp.time.empty() ? 0 : nwp.time[last] - int64_t{f.validation_days} * io::kDay;
  const size_t split = static_cast<size_t>(std::upper_bound(nwp.time.begin(), nwp.time.end(), split_time) - nwp.time.begin());
  const TrainingSet train = Select(x, cols, target, nwp.time, 0, 0, split);
  const TrainingSet valid = Select(x, cols, target, nwp.time, 0, split, last + 1);
  if (train.Rows() < 96) {
    throw io::InputError(f.measurements_path, "only " + std::to_string(train.Rows()) +
                                                  " usable training rows (measured power matching NWP times, not "
                                                  "flagged); need at least one day (96)");
  }
  model.train_start = train.time.front();
  model.train_end = train.time.back();
  model.train_rows = train.Rows();

  // gbdt: each quantile model's output on the training rows, as training left it (no second walk).
  std::vector<std::vector<double>> train_outputs;
  std::vector<kernels::GbdtModel> fitted_models;  // gbdt: what model.parameters holds, as fitted
  if (f.model_kind == "gbdt") {
    nlohmann::json models = nlohmann::json::array();
    nlohmann::json iterations = nlohmann::json::array();
    // Conformal calibration: quantile trees fit their training rows too well (their bands are too
    // narrow on new data), so each quantile is shifted by the tau-quantile of the held-out
    // residuals, which restores its coverage on the validation window. The median is left as fit.
    nlohmann::json calibration = nlohmann::json::array();
    std::vector<kernels::GbdtParams> params(model.quantiles.size(), f.gbdt);
    for (size_t q = 0; q < params.size(); ++q) {
      params[q].loss = kernels::GbdtParams::Loss::kQuantile;
      params[q].alpha = model.quantiles[q];
      if (f.monotone_speed) {
        params[q].monotone.assign(cols, 0);
        for (size_t c = 0; c < cols; ++c) {
          if (model.features[c] == "ws" || model.features[c] == "ws2" || model.features[c] == "ws3") params[q].monotone[c] = 1;
        }
      }
    }
    const bool has_valid = valid.Rows() > 0;
    std::vector<kernels::GbdtFit> fits =
        kernels::TrainGbdtModels(train.x.data(), train.Rows(), cols, train.y.data(), params, f.gbdt.threads,
                                 has_valid ? valid.x.data() : nullptr, valid.Rows(), has_valid ? valid.y.data() : nullptr);
    std::vector<std::future<nlohmann::json>> model_json;  // the models' JSON is built side by side
    for (const kernels::GbdtFit& fit : fits) {
      model_json.push_back(std::async(std::launch::async, [&fit] { return fit.model.ToJson(); }));
    }
    for (size_t q = 0; q < fits.size(); ++q) {
      const kernels::GbdtModel& fitted = fits[q].model;
      const double tau = model.quantiles[q];
      models.push_back(model_json[q].get());
      iterations.push_back(fitted.num_trees());
      double shift = 0;
      if (tau != 0.5 && valid.Rows() >= 96) {
        std::vector<double> residuals(valid.Rows());
        fitted.PredictBatch(valid.x.data(), valid.Rows(), cols, residuals.data(), f.gbdt.threads);
        for (size_t r = 0; r < valid.Rows(); ++r) residuals[r] = valid.y[r] - residuals[r];
        shift = kernels::EmpiricalQuantile(residuals, tau);
      }
      calibration.push_back(shift);
      train_outputs.push_back(std::move(fits[q].train_prediction));
      fitted_models.push_back(std::move(fits[q].model));
    }
    model.parameters = nlohmann::json::object();  // moved in: an initializer list would copy
    model.parameters["models"] = std::move(models);
    model.parameters["trees"] = std::move(iterations);
    model.parameters["calibration"] = std::move(calibration);
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

  const kernels::Predictor predictor =
      fitted_models.empty() ? kernels::Predictor(model) : kernels::Predictor(model, std::move(fitted_models));
  const size_t nq = model.quantiles.size();
  std::vector<double> predictions(train.Rows() * nq);
  if (train_outputs.empty()) {
    predictor.PredictBatch(train.x.data(), train.Rows(), predictions.data(), f.gbdt.threads);
  } else {
    predictor.FromModelOutputs(train_outputs, train.Rows(), predictions.data());
  }
  model.scores = {{"train", Score(model.quantiles, predictions, train, f.capacity)}};
  if (valid.Rows() > 0) {
    predictions.resize(valid.Rows() * nq);
    predictor.PredictBatch(valid.x.data(), valid.Rows(), predictions.data(), f.gbdt.threads);
    model.scores["validation"] = Score(model.quantiles, predictions, valid, f.capacity);
  }
  kernels::SaveModel(f.out_path, model);

  io::Results results;
  results.Set("model", f.out_path);
  results.Set("rows", train.Rows());
  results.Set("validation_rows", valid.Rows());
  if (valid.Rows() > 0) {
    results.Set("validation_nrmse", model.scores["validation"]["nrmse"]);
    results.Set("validation_coverage", model.scores["validation"]["coverage"]);
  }
  results.Flush();
  std::printf("trained %s model on %zu rows (%s .. %s), %zu features, quantiles %s -> %s\n", f.model_kind.c_str(),
              train.Rows(), io::FormatRfc3339(model.train_start, nwp.utc_offset_minutes).c_str(),
              io::FormatRfc3339(model.train_end, nwp.utc_offset_minutes).c_str(), cols, f.quantiles.c_str(),
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
  cmd->add_option("--nwp", flags->nwp_path, "NWP CSV (e.g. the output of fuse): the model inputs")->required();
  cmd->add_option("--measurements", flags->measurements_path, "Measured plant CSV with power_mw (e.g. the output of qc)")->required();
  cmd->add_option("--capacity", flags->capacity, "Plant capacity in MW")->required();
  cmd->add_option("--out", flags->out_path, "Model artifact to write (JSON)")->required();
  cmd->add_option("--features", flags->features, "Comma-separated feature names (default: the plant kind's set)");
  cmd->add_option("--quantiles", flags->quantiles, "Quantiles to forecast; 0.5 is always added")->capture_default_str();
  cmd->add_option("--validation-days", flags->validation_days, "Last days held out for early stopping and scores")->capture_default_str();
  cmd->add_option("--exclude-flags", flags->exclude_flags, "qc_flag bits whose rows are not trained on")->capture_default_str();
  cmd->add_option("--speed-column", flags->source.speed_column, "NWP wind speed column")->capture_default_str();
  cmd->add_option("--direction-column", flags->source.direction_column, "NWP wind direction column")->capture_default_str();
  cmd->add_option("--ghi-column", flags->source.ghi_column, "NWP GHI column (solar)")->capture_default_str();
  CLI::Option* latitude = cmd->add_option("--latitude", flags->source.latitude,
                                          "Site latitude, degrees north (solar features, pvwatts)")
                              ->check(CLI::Range(-90.0, 90.0));
  CLI::Option* longitude = cmd->add_option("--longitude", flags->source.longitude,
                                           "Site longitude, degrees east (solar features, pvwatts)")
                               ->check(CLI::Range(-180.0, 180.0));
  cmd->add_option("--altitude", flags->source.altitude, "Site altitude in m (solar)")->capture_default_str();
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
  cmd->add_option("--temperature-column", flags->source.temperature_column,
                  "NWP air temperature column (solar)")
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
  cmd->callback([flags, latitude, longitude] {
    flags->site_given = latitude->count() > 0 && longitude->count() > 0;
    Run(*flags);
  });
}

}  // namespace seed::commands
