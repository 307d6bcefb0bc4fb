#pragma once
// Histogram gradient-boosted regression trees (XGBoost "hist"-style depth-wise growth) with L2 and
// quantile losses, learned missing-value directions, monotone constraints, row/column subsampling and
// early stopping. Training and prediction are multi-threaded and deterministic for a fixed seed: the
// trained model does not depend on the thread count (every histogram cell is summed by one thread in
// row order), so 1 and N threads give bit-identical models and predictions.
#include <cstddef>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <vector>

namespace seed::kernels {

struct GbdtParams {
  int trees = 1000;
  int max_depth = 6;
  int max_leaves = 0;  // 0: 2^max_depth. Otherwise, per level, the best-gain splits go first.
  double learning_rate = 0.05;
  int max_bins = 255;           // non-missing bins per feature, 2..255 (missing gets its own bin)
  double min_child_weight = 5;  // min hessian sum in a leaf
  int min_samples_leaf = 1;     // both losses have unit hessians, so this is checked on the same sum
  double lambda = 1.0;          // L2 on leaf values
  double gamma = 0;             // min gain to split
  double subsample = 1.0;       // row fraction per tree (Bernoulli per row)
  double colsample = 1.0;       // feature fraction per tree
  uint64_t seed = 0;
  int threads = 0;  // 0: all cores
  enum class Loss { kL2, kQuantile } loss = Loss::kL2;
  double alpha = 0.5;             // quantile level
  std::vector<int> monotone;      // per feature: +1 increasing, -1 decreasing, 0 none (empty: none)
  int early_stopping_rounds = 0;  // on the validation set when given; keeps the best iteration
};

// Per-iteration losses: RMSE for L2, mean pinball loss for quantile.
struct GbdtTrainLog {
  std::vector<double> train_loss, valid_loss;
  int best_iteration = -1;
};

// One node of the flattened trees. A leaf has left == 0 (the root is never a child); an internal
// node sends a row to `left` when row[feature] <= threshold, to left + 1 when greater, and a NaN to
// the learned default side.
struct GbdtNode {
  double threshold = 0;  // split threshold, or the leaf value (learning rate already applied)
  uint32_t feature = 0;
  uint32_t left = 0;
  bool default_left = false;
  bool IsLeaf() const { return left == 0; }
};

class GbdtModel {  // immutable after training; thread-safe prediction
 public:
  GbdtModel() = default;
  // Validates the shapes and indices (children after their parent, inside the tree; features in
  // range; finite numbers) and throws std::invalid_argument saying what is wrong.
  GbdtModel(size_t num_features, double base_score, std::vector<GbdtNode> nodes,
            std::vector<uint32_t> tree_starts, GbdtParams::Loss loss, double alpha,
            std::vector<double> gain_importance);

  double Predict(const double* row) const;  // one row of features (NaN = missing)
  // rows: n rows, row i at rows + i * stride. threads 0: all cores.
  void PredictBatch(const double* rows, size_t n, size_t stride, double* out, int threads = 0) const;
  // The same on the calling thread only, for callers that spread the blocks of several models over
  // one pool (kPredictBlock rows per call is the natural task size).
  void PredictSerial(const double* rows, size_t n, size_t stride, double* out) const;
  static constexpr size_t kPredictBlock = 256;
  // At most this many distinct thresholds per feature (their indices + 1 must stay below 0xFFFF).
  static constexpr size_t kMaxThresholds = 65533;

  size_t num_features() const { return num_features_; }
  size_t num_trees() const { return tree_starts_.size(); }
  double base_score() const { return base_score_; }
  GbdtParams::Loss loss() const { return loss_; }
  double alpha() const { return alpha_; }
  const std::vector<GbdtNode>& nodes() const { return nodes_; }
  const std::vector<uint32_t>& tree_starts() const { return tree_starts_; }
  // Total split gain per feature (the usual "gain" importance), summed over all trees.
  const std::vector<double>& gain_importance() const { return gain_importance_; }
  // Per feature, the distinct split thresholds of the internal nodes, increasing (-0.0 before
  // 0.0 when both occur; a version 2 file's tables are kept as read, unused entries included).
  // Prediction compares rows with them by index.
  const std::vector<std::vector<double>>& thresholds() const { return thresholds_; }
  // Keeps the first `trees` trees (early stopping).
  void Truncate(size_t trees);

  // Writes "seed-gbdt" version 2 (binary node tables in base64, see the README); reads 1 and 2.
  nlohmann::json ToJson() const;
  static GbdtModel FromJson(const nlohmann::json& json);

 private:
  // Prediction compares threshold indices, not doubles. index(x) = the first k with
  // thresholds_[f][k] >= x (the table's size when none), so x <= thresholds_[f][k] iff index(x) <= k.
  // A row becomes two columns per feature, one for nodes that send NaN left and one for nodes that
  // send it right: column 2f holds index(x) + 1 (NaN: 0), column 2f + 1 holds index(x) (NaN: 0xFFFF).
  // A node then sends the row right iff its column's value > its bound: k + 1 or k respectively.
  // A leaf becomes a node that loops to itself with bound 0xFFFF, which no value exceeds, so every
  // row takes exactly depth steps without a branch on leaf-ness or NaN; its output is in leaf_value_.
  struct PackedNode {
    uint32_t left;   // left child (right = left + 1); a leaf: itself
    uint16_t slot;   // 2 * feature + (0 when NaN goes left, 1 when right)
    uint16_t bound;  // go right iff column[slot] > bound
  };
  // For FromJson: the threshold tables as stored (increasing, at most kMaxThresholds each) and
  // each node's index into its feature's table (the node's threshold is that entry).
  GbdtModel(size_t num_features, double base_score, std::vector<GbdtNode> nodes,
            std::vector<uint32_t> tree_starts, GbdtParams::Loss loss, double alpha,
            std::vector<double> gain_importance, std::vector<std::vector<double>> thresholds,
            const std::vector<uint16_t>& threshold_index);
  void Validate();  // the constructor's checks (and an empty gain_importance filled with zeros)
  // Builds packed_, leaf_value_, tree_depth_, and thresholds_ from nodes_ unless the indices into
  // given tables are passed.
  void Pack(const std::vector<uint16_t>* threshold_index);
  // The 2 * num_features_ columns (see PackedNode) of n rows.
  void IndexRows(const double* rows, size_t n, size_t stride, uint16_t* out) const;
  // out[r] = base + sum of trees for rows [0, n) of one block (n <= kPredictBlock).
  void PredictBlock(const double* rows, size_t n, size_t stride, double* out) const;

  size_t num_features_ = 0;
  double base_score_ = 0;
  std::vector<GbdtNode> nodes_;                  // all trees, concatenated; child indices are tree-local
  std::vector<std::vector<double>> thresholds_;  // per feature, see thresholds()
  std::vector<PackedNode> packed_;               // nodes_, packed
  std::vector<double> leaf_value_;               // per node: the leaf output (0 for internal nodes)
  std::vector<uint8_t> tree_depth_;              // steps from the root to the deepest leaf
  std::vector<uint32_t> tree_starts_;            // index of each tree's root in nodes_
  GbdtParams::Loss loss_ = GbdtParams::Loss::kL2;
  double alpha_ = 0.5;
  std::vector<double> gain_importance_;
};

// x: rows x cols, row-major, NaN = missing (infinities are rejected). Throws std::invalid_argument
// on bad parameters or data.
GbdtModel TrainGbdt(const double* x, size_t rows, size_t cols, const double* y, const GbdtParams& params,
                    const double* valid_x = nullptr, size_t valid_rows = 0, const double* valid_y = nullptr,
                    GbdtTrainLog* log = nullptr);

// One model of TrainGbdtModels: the model, its log (train_loss is not recorded) and its prediction
// for every training row, bit-identical to model.Predict on those rows (the same trees summed in
// the same order), so a caller scoring its training set need not walk the trees again.
struct GbdtFit {
  GbdtModel model;
  GbdtTrainLog log;
  std::vector<double> train_prediction;
};

// Trains one model per entry of `params` (e.g. one per quantile) on the same rows. The matrix is
// binned once for all of them (their max_bins must agree), and the models are trained concurrently
// on `threads` threads in total (0: all cores; params[i].threads is ignored) as GbdtSchedule plans.
// Each model is exactly what TrainGbdt gives for its params.
std::vector<GbdtFit> TrainGbdtModels(const double* x, size_t rows, size_t cols, const double* y,
                                     const std::vector<GbdtParams>& params, int threads,
                                     const double* valid_x = nullptr, size_t valid_rows = 0,
                                     const double* valid_y = nullptr);

// How TrainGbdtModels spreads `models` over `threads` (>= 1): the threads each model gets, and how
// many models run at any moment. A model alone synchronises its threads a few times per tree level,
// while models side by side never wait for each other, so with at least as many models as threads
// every model runs single-threaded and they take turns (the model with the fewest turns first) on
// `threads` slots; fewer models share the threads. A model's trees are cut into turns_per_model
// turns of equal length, the fewest that make models x turns a whole number of rounds of the slots,
// so the slots run out of work together. E.g. 3 models on 2 threads: {1, 1, 1}, 2 at a time, 2 turns
// each (half a model per turn, 3 rounds); 2 models on 5 threads: {3, 2}, 2 at a time, 1 turn.
struct GbdtSchedulePlan {
  std::vector<int> threads;  // per model
  size_t concurrent = 0;     // models running at any moment
  int turns_per_model = 1;   // turns a model's trees are cut into when models wait for slots
};
GbdtSchedulePlan GbdtSchedule(size_t models, int threads);

// LightGBM's percentile (PercentileFun): sort descending, pos = floor((1 - alpha) n), interpolate
// linearly between the pos-th and (pos+1)-th largest. Used for the quantile loss's initial score and
// leaf renewal. `values` is reordered. Empty input returns 0.
double GbdtPercentile(std::vector<double>& values, double alpha);
// The same on values[0, n), with room for n more values in scratch (both are overwritten).
double GbdtPercentile(double* values, double* scratch, size_t n, double alpha);

}  // namespace seed::kernels
