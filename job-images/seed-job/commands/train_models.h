#pragma once
// How `train` fits each model kind: from the rows before the validation window (`train`) and the
// window itself (`valid`, possibly empty) to the model it saves, the rows that model was fitted on,
// and the model that never saw the window (for honest scores and for stacking an ensemble).
// Pure: no files are read or written; progress notes and warnings go to stderr.
#include <optional>
#include <string>
#include <vector>

#include "kernels/gbdt.h"
#include "kernels/model.h"

namespace seed::commands {

// Rows usable for training: a measured target and the primary input present.
struct TrainingSet {
  std::vector<double> x, y;  // x: Rows() x cols, row-major
  std::vector<int64_t> time;
  size_t cols = 0;

  size_t Rows() const { return y.size(); }
};

TrainingSet Concatenate(const TrainingSet& a, const TrainingSet& b);  // a's rows, then b's
// The rows with only the given columns, in that order.
TrainingSet SelectColumns(const TrainingSet& set, const std::vector<size_t>& columns);

// Fewer validation rows than this are not used to calibrate or choose the trees: a day of 15-min
// rows is the least that says anything about a tail quantile.
constexpr size_t kMinValidationRows = 96;

struct ModelSettings {
  kernels::GbdtParams gbdt;      // gbdt kinds: the tree settings (early_stopping_rounds: patience)
  size_t quantile_models = 15;   // gbdt: anchor quantiles fitted; the others are interpolated
  bool refit = true;             // gbdt kinds: refit on every row once the validation window has spoken
  bool monotone_speed = false;   // gbdt kinds: power non-decreasing in ws, ws2, ws3
  double ridge_alpha = 1.0;      // linear
  double capacity = 0;           // MW
  int validation_days = 0;       // for messages
  std::string measurements_path; // for messages
};

struct FittedModel {
  kernels::Predictor predictor;                 // the model saved
  std::optional<kernels::Predictor> held_out;   // gbdt kinds with a validation window: the fit before the refit
  TrainingSet rows;                             // the rows the saved model was fitted on
  std::vector<std::vector<double>> train_outputs;  // gbdt: each anchor model's raw output on rows

  // The saved model's quantiles on its own rows (rows().Rows() x levels, row by row).
  std::vector<double> FittedQuantiles(int threads) const;
  // Quantiles on `valid` from the model that never saw it.
  std::vector<double> HeldOutQuantiles(const TrainingSet& valid, int threads) const;
};

// Fits model.kind (gbdt, gbdt-mean, linear, powercurve, pvwatts) on model.features' columns of
// `train` and `valid`, and fills model.parameters. Throws io::InputError / io::UsageError for data
// the kind cannot fit.
FittedModel FitModel(const ModelSettings& settings, kernels::ModelArtifact& model, const TrainingSet& train,
                     const TrainingSet& valid);

}  // namespace seed::commands
