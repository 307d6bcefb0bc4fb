#pragma once
// The model artifact: one versioned JSON file holding everything needed to forecast with a
// trained model — kind, features and where they come from, quantiles, training window, scores and
// the fitted parameters — sealed with a SHA-256 checksum so a truncated or edited file is refused.
#include <cstdint>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "kernels/features.h"
#include "kernels/quantile_set.h"

namespace seed::kernels {

constexpr const char* kModelFormat = "seed.dev/model";
constexpr int kModelFormatVersion = 1;

struct ModelArtifact {
  std::string kind;                   // gbdt | gbdt-mean | linear | powercurve | pvwatts | ensemble
  std::vector<std::string> features;  // names from FeatureCatalogue(), in matrix column order
  FeatureSource source;
  std::vector<double> quantiles;  // sorted, always holding 0.5
  std::string point = "median";   // the point forecast (forecast_mw): median, or mean (of the quantile function)
  double capacity_mw = 0;
  int64_t train_start = 0, train_end = 0;  // Unix seconds of the first and last training row
  size_t train_rows = 0;
  nlohmann::json scores = nlohmann::json::object();  // e.g. {"train": {"rmse": ...}, "validation": {...}}
  nlohmann::json parameters = nlohmann::json::object();  // kind-specific fitted parameters

  nlohmann::json ToJson() const;  // with "checksum": "sha256:<hex>" over the rest
};

// Parses and verifies. `source` names the file in messages. Throws io::InputError (exit code 2)
// for a malformed, truncated, tampered or unsupported artifact.
ModelArtifact ParseModel(const nlohmann::json& json, const std::string& source);
ModelArtifact LoadModel(const std::string& path);
void SaveModel(const std::string& path, const ModelArtifact& model);

// The checksum a ModelArtifact JSON should carry (over every member except "checksum").
std::string ModelChecksum(const nlohmann::json& json_without_checksum);

class GbdtModel;

// Evaluates a loaded artifact. Thread-safe after construction.
class Predictor {
 public:
  explicit Predictor(const ModelArtifact& model);  // throws io::InputError for bad parameters
  // gbdt, gbdt-mean: with the tree models as fitted (one per anchor quantile, or the one mean model:
  // what model.parameters' "models" holds), so they are not parsed back from the artifact's JSON.
  Predictor(const ModelArtifact& model, std::vector<GbdtModel> fitted);
  ~Predictor();
  Predictor(Predictor&&) noexcept;

  size_t num_features() const;
  const std::vector<double>& quantiles() const;
  // One row of feature values in; one value per quantile out, sorted (never crossing) and
  // clipped to [0, capacity]. When the model cannot predict (a required input is missing) every
  // output is NaN, never a made-up number.
  void Predict(const double* row, double* out) const;
  // n rows (row-major, num_features() values each) in; n * quantiles().size() values out, row by
  // row. Bit-identical to Predict on each row, but the trees are walked for blocks of rows (and on
  // `threads` threads, 0: all cores), which is several times faster for more than a few rows.
  void PredictBatch(const double* rows, size_t n, double* out, int threads = 1) const;
  // The point forecast of one row of quantiles (as Predict gives them): the median, or with
  // point "mean" the mean of the quantile function (QuantileFunctionMean).
  double Point(const double* quantile_values) const;
  // gbdt only: what PredictBatch gives for n rows, from each anchor quantile model's raw output on
  // them (model_outputs[a][r], e.g. GbdtFit::train_prediction), without walking the trees.
  void FromModelOutputs(const std::vector<std::vector<double>>& model_outputs, size_t n, double* out) const;

 private:
  Predictor(const ModelArtifact& model, std::vector<GbdtModel>* fitted);  // fitted: null to parse
  // One row's raw anchor-quantile values (overwritten) to its quantiles: missing-input NaN,
  // clipping, rearrangement and interpolation (kernels/quantile_set.h).
  void Finish(double* anchor_values, double* out) const;
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// Quantile column name: 0.1 -> "p10", 0.05 -> "p5", 0.025 -> "p2.5".
std::string QuantileColumn(double tau);


}  // namespace seed::kernels
