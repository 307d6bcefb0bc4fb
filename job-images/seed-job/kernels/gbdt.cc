#include "kernels/gbdt.h"

#include <algorithm>
#include <cmath>
#include <condition_variable>
#include <mutex>
#include <numeric>
#include <stdexcept>
#include <string>
#include <thread>
#include <utility>

#include "kernels/gbdt_binning.h"
#include "kernels/gbdt_thread_pool.h"
#include "kernels/gbdt_tree_builder.h"

namespace seed::kernels {
namespace {

void Require(bool ok, const std::string& message) {
  if (!ok) throw std::invalid_argument("gbdt: " + message);
}

void ValidateParams(const GbdtParams& p, size_t rows, size_t cols) {
  Require(rows > 0 && cols > 0, "need at least one row and one feature");
  Require(rows < (size_t{1} << 32), "at most 2^32 - 1 rows");
  Require(p.trees >= 0, "trees must be >= 0");
  Require(p.max_depth >= 1 && p.max_depth <= 16, "max_depth must be in 1..16");
  Require(p.max_leaves >= 0 && p.max_leaves != 1, "max_leaves must be 0 (no limit) or >= 2");
  Require(p.learning_rate > 0 && std::isfinite(p.learning_rate), "learning_rate must be > 0");
  Require(p.min_child_weight >= 0 && p.min_samples_leaf >= 0,
          "min_child_weight and min_samples_leaf must be >= 0");
  Require(p.lambda >= 0 && p.gamma >= 0, "lambda and gamma must be >= 0");
  Require(p.subsample > 0 && p.subsample <= 1, "subsample must be in (0, 1]");
  Require(p.colsample > 0 && p.colsample <= 1, "colsample must be in (0, 1]");
  Require(p.alpha > 0 && p.alpha < 1, "alpha (quantile level) must be in (0, 1)");
  Require(p.early_stopping_rounds >= 0, "early_stopping_rounds must be >= 0");
  Require(p.monotone.empty() || p.monotone.size() == cols,
          "monotone must be empty or have one entry per feature (" + std::to_string(cols) + "), got " +
              std::to_string(p.monotone.size()));
  for (int c : p.monotone) Require(c >= -1 && c <= 1, "monotone entries must be -1, 0 or +1");
}

void ValidateLabels(const double* y, size_t n, const char* which) {
  for (size_t i = 0; i < n; ++i) {
    Require(std::isfinite(y[i]),
            std::string(which) + " label of row " + std::to_string(i) + " is not a finite number");
  }
}

double Loss(const GbdtParams& p, const double* y, const std::vector<double>& score) {
  double sum = 0;
  for (size_t i = 0; i < score.size(); ++i) {
    const double d = y[i] - score[i];
    sum += p.loss == GbdtParams::Loss::kL2 ? d * d : (d >= 0 ? p.alpha * d : (p.alpha - 1) * d);
  }
  const double mean = sum / static_cast<double>(score.size());
  return p.loss == GbdtParams::Loss::kL2 ? std::sqrt(mean) : mean;
}

// SplitMix64's finaliser (Steele, Lea & Flood 2014) as a counter-based generator: the draw for
// (seed, tree, row) is a pure function, so rows can be sampled in parallel and a seed gives the
// same model on every thread count and standard library (std distributions are
// implementation-defined).
uint64_t Mix(uint64_t z) {
  z += 0x9e3779b97f4a7c15ull;
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

// Rows per task in the per-row loops of the boosting iteration.
constexpr size_t kChunk = 8192;

// Adds the tree's leaf values to the scores of the out-of-bag rows, which the tree was grown
// without: they are sent down the tree a node at a time like the in-bag rows were (a stable
// partition of each node's range), which reads the binned columns in row order instead of walking
// every row from the root. rows: the out-of-bag rows, ascending; scratch: as large; range: per node.
void ScoreOutOfBag(const std::vector<GbdtTrainNode>& nodes, const GbdtBinnedMatrix& data, const double* leaf_value,
                   std::vector<uint32_t>& rows, std::vector<uint32_t>& scratch,
                   std::vector<std::pair<uint32_t, uint32_t>>& range, double* score) {
  range.resize(nodes.size());
  range[0] = {0, static_cast<uint32_t>(rows.size())};
  scratch.resize(rows.size());
  uint32_t* index = rows.data();
  uint32_t* right_rows = scratch.data();
  for (size_t i = 0; i < nodes.size(); ++i) {  // children come after their parent
    const GbdtTrainNode& node = nodes[i];
    const auto [begin, end] = range[i];
    if (node.feature < 0) {
      const double value = leaf_value[i];
      for (uint32_t j = begin; j < end; ++j) score[index[j]] += value;
      continue;
    }
    const uint32_t left = PartitionRows(data, node, index, right_rows, begin, end);
    range[node.left] = {begin, left};
    range[node.left + 1] = {left, end};
  }
}

}  // namespace

namespace {

// The k-th and (k + 1)-th largest of v[0, n) (0-based, k + 1 < n), by quickselect with a branch-free
// three-way partition that moves values between v and scratch (both are overwritten; scratch holds
// n). The two order statistics are defined by the values alone, so this agrees exactly with any
// other way of finding them (e.g. std::nth_element), just faster on the coin-flip comparisons.
std::pair<double, double> AdjacentLargest(double* v, double* scratch, size_t n, size_t k) {
  double* src = v;
  double* dst = scratch;
  for (int rounds = 0; n > 16; ++rounds) {
    if (rounds == 64) {  // pivots far from the middle again and again: the guaranteed way
      std::nth_element(src, src + k, src + n, std::greater<>());
      return {src[k], *std::max_element(src + k + 1, src + n)};
    }
    const double a = src[0], b = src[n / 2], c = src[n - 1];
    const double pivot = std::max(std::min(a, b), std::min(std::max(a, b), c));  // median of three
    size_t hi = 0, lo = n;  // dst[0, hi): greater than the pivot; dst[lo, n): less; between: equal
    for (size_t i = 0; i < n; ++i) {
      const double x = src[i];
      dst[hi] = x;
      dst[lo - 1] = x;
      hi += x > pivot;
      lo -= x < pivot;
    }
    if (k + 1 < hi) {  // both among the greater
      n = hi;
    } else if (k >= lo) {  // both among the less
      dst += lo;
      src += lo;
      k -= lo;
      n -= lo;
    } else {
      const double first = k >= hi ? pivot : *std::min_element(dst, dst + hi);  // k == hi - 1 or equal
      const double second = k + 1 < lo ? pivot : *std::max_element(dst + lo, dst + n);
      return {first, second};
    }
    std::swap(src, dst);
  }
  std::sort(src, src + n, std::greater<>());
  return {src[k], src[k + 1]};
}

}  // namespace

double GbdtPercentile(std::vector<double>& values, double alpha) {
  std::vector<double> scratch(values.size());
  return GbdtPercentile(values.data(), scratch.data(), values.size(), alpha);
}

double GbdtPercentile(double* values, double* scratch, size_t n, double alpha) {
  if (n == 0) return 0;
  if (n == 1) return values[0];
  double* end = values + n;
  const double float_pos = (1.0 - alpha) * static_cast<double>(n);
  const auto pos = static_cast<size_t>(float_pos);
  if (pos < 1) return *std::max_element(values, end);
  if (pos >= n) return *std::min_element(values, end);
  // Descending order: v1 is the pos-th largest, v2 the (pos + 1)-th.
  const auto [v1, v2] = AdjacentLargest(values, scratch, n, pos - 1);
  return v1 - (v1 - v2) * (float_pos - static_cast<double>(pos));
}

namespace {

// Slots for models that train side by side on fewer threads than models: a model holds a slot for
// one turn (its share of its trees, see GbdtSchedulePlan::turns_per_model), then the waiting model
// that has had the fewest turns (the lowest index on a tie) goes next. A model trains on one thread
// only, so the turns change nothing in the results. Turns are few and long: every hand-over costs a
// cold cache, and the woken thread often lands on the busy CPU while the freed one idles.
class GbdtTurns {
 public:
  GbdtTurns(size_t models, size_t slots) : turns_(models, 0), waiting_(models, false), free_(slots) {}

  void Acquire(size_t model) {
    std::unique_lock lock(mutex_);
    waiting_[model] = true;
    changed_.wait(lock, [&] { return free_ > 0 && Next() == model; });
    waiting_[model] = false;
    --free_;
  }
  void Release(size_t model) {
    {
      std::lock_guard lock(mutex_);
      ++free_;
      ++turns_[model];
    }
    changed_.notify_all();
  }

 private:
  size_t Next() const {  // the waiting model with the fewest turns
    size_t best = turns_.size();
    for (size_t m = 0; m < turns_.size(); ++m) {
      if (waiting_[m] && (best == turns_.size() || turns_[m] < turns_[best])) best = m;
    }
    return best;
  }

  std::mutex mutex_;
  std::condition_variable changed_;
  std::vector<uint64_t> turns_;
  std::vector<bool> waiting_;
  size_t free_;
};

// Holds a model's slot (when there are turns to take) while it trains, and gives it up on the way
// out, an exception included.
class GbdtTurnHolder {
 public:
  // trees_per_turn: how many trees the model grows per turn (at least 1).
  GbdtTurnHolder(GbdtTurns* turns, size_t model, int trees_per_turn)
      : turns_(turns), model_(model), trees_per_turn_(std::max(1, trees_per_turn)) {}
  ~GbdtTurnHolder() {
    if (held_) turns_->Release(model_);
  }
  void BeforeTree(int tree) {
    if (turns_ == nullptr || tree % trees_per_turn_ != 0) return;
    if (held_) turns_->Release(model_);
    held_ = false;
    turns_->Acquire(model_);
    held_ = true;
  }

 private:
  GbdtTurns* turns_;
  size_t model_;
  int trees_per_turn_;
  bool held_ = false;
};

// Boosting on an already binned matrix; params and labels are validated by the caller. The train
// loss is logged only when record_train_loss (it costs a pass over the rows per tree); the final
// training-row scores go to train_prediction when it is not null.
GbdtModel Boost(const GbdtBinnedMatrix& data, const double* y, const GbdtParams& params, GbdtThreadPool& pool,
                const double* valid_x, size_t valid_rows, const double* valid_y, GbdtTrainLog* log,
                bool record_train_loss, std::vector<double>* train_prediction, GbdtTurns* turns = nullptr,
                size_t model_index = 0, int turns_per_model = 1) {
  const size_t rows = data.rows, cols = data.cols;
  const bool has_valid = valid_x != nullptr && valid_y != nullptr && valid_rows > 0;
  const bool quantile = params.loss == GbdtParams::Loss::kQuantile;
  GbdtTreeBuilder builder(data, params, pool);

  std::vector<double> scratch(y, y + rows);
  const double base_score = quantile ? GbdtPercentile(scratch, params.alpha)
                                     : std::accumulate(y, y + rows, 0.0) / static_cast<double>(rows);
  std::vector<double> score(rows, base_score), valid_score(has_valid ? valid_rows : 0, base_score);

  std::vector<GbdtNode> model_nodes;
  std::vector<uint32_t> tree_starts;
  std::vector<double> importance(cols, 0.0);
  std::vector<GbdtGradPair> gpair(rows);
  std::vector<uint32_t> sample, out_of_bag, features;  // in-bag and out-of-bag rows, ascending
  std::vector<uint8_t> in_sample(rows);
  std::vector<uint32_t> all_features(cols);
  std::iota(all_features.begin(), all_features.end(), 0u);
  const auto tree_features = std::max<size_t>(1, static_cast<size_t>(std::lround(params.colsample * cols)));
  uint64_t column_draws = 0;
  const size_t chunks = (rows + kChunk - 1) / kChunk;
  auto for_rows = [&](auto&& fn) {  // fn(begin, end) over row chunks, in parallel
    pool.Run(chunks, [&](size_t c) { fn(c * kChunk, std::min(rows, (c + 1) * kChunk)); });
  };
  std::vector<uint32_t> leaves;
  std::vector<double> percentile, lower, upper;  // quantile renewal under constraints, per node
  std::vector<double> residual_buffer, residual_scratch;  // quantile renewal, per in-bag row
  std::vector<uint32_t> out_of_bag_scratch;
  std::vector<std::pair<uint32_t, uint32_t>> out_of_bag_range;
  const bool constrained = std::any_of(params.monotone.begin(), params.monotone.end(), [](int c) { return c != 0; });
  std::vector<double> leaf_value;

  GbdtTrainLog local_log;
  GbdtTrainLog& out_log = log ? *log : local_log;
  out_log = {};
  const bool early_stopping = has_valid && params.early_stopping_rounds > 0;
  double best_valid = std::numeric_limits<double>::infinity();
  int best_iteration = -1;

  GbdtTurnHolder turn(turns, model_index, params.trees / turns_per_model + (params.trees % turns_per_model != 0));
  for (int t = 0; t < params.trees; ++t) {
    turn.BeforeTree(t);
    for_rows([&](size_t begin, size_t end) {
      // Locals, not captures: the uint8_t stores below may alias anything, so values read through
      // references would be reloaded for every row.
      const double alpha = params.alpha;
      const bool is_quantile = quantile, all_rows = params.subsample >= 1;
      // Uniform(...) < subsample compared as integers: the draw is m * 2^-53 for an integer m, and
      // subsample * 2^53 is exact, so m < ceil(subsample * 2^53) is the same test.
      const auto below = static_cast<uint64_t>(std::ceil(params.subsample * 0x1.0p53));
      // The pinball loss's gradient in the score: -alpha where the outcome is above the score,
      // 1 - alpha where it is below. At a tie the subgradient is anything in between, and the
      // choice matters: power piles up at exactly rated output (and at 0), so a tail quantile's
      // score lands on such a pile. Counting ties as "below" gave every row of a P95 sitting at
      // rated output the same gradient: no split had any gain, the leaf percentile was the pile
      // again, and the model stayed a constant at rated output, tree after tree. A tie therefore
      // takes the side of the minority at its level (outcome above for alpha >= 0.5, below
      // otherwise), which is where a pile at the top or the bottom of the data lies. Two values
      // still: the tree builder counts them. Indexed: a load, not a branch on a coin flip.
      const float quantile_g[2] = {static_cast<float>(-alpha), static_cast<float>(1 - alpha)};
      const bool tie_below = alpha < 0.5;
      const uint64_t mixed_seed = Mix(params.seed), tree = static_cast<uint64_t>(t);
      const double* s = score.data();
      GbdtGradPair* g_out = gpair.data();
      uint8_t* in = in_sample.data();
      for (size_t i = begin; i < end; ++i) {
        const double delta = s[i] - y[i];
        const float g = is_quantile ? quantile_g[delta > 0 || (delta == 0 && tie_below)] : static_cast<float>(delta);
        g_out[i] = {g, 1.0f};
        in[i] = all_rows || (Mix(mixed_seed ^ (tree << 32 | i)) >> 11) < below;
      }
    });
    sample.resize(rows);
    out_of_bag.resize(rows);
    size_t in_bag = 0, out = 0;
    for (size_t i = 0; i < rows; ++i) {  // branch-free: whether a row is in the bag is a coin flip
      sample[in_bag] = static_cast<uint32_t>(i);
      out_of_bag[out] = static_cast<uint32_t>(i);
      in_bag += in_sample[i];
      out += !in_sample[i];
    }
    sample.resize(in_bag);
    out_of_bag.resize(out);
    if (sample.empty()) {  // a tiny data set with a small subsample: keep one row
      sample.push_back(0);
      in_sample[0] = 1;
      out_of_bag.erase(out_of_bag.begin());
    }
    features = all_features;
    if (tree_features < cols) {
      for (size_t k = 0; k < tree_features; ++k) {
        const size_t j = k + static_cast<size_t>(Mix(Mix(params.seed + 1) ^ ++column_draws) % (cols - k));
        std::swap(features[k], features[j]);
      }
      features.resize(tree_features);
      std::sort(features.begin(), features.end());
    }

    builder.Build(sample, gpair.data(), features);
    const std::vector<GbdtTrainNode>& nodes = builder.nodes();
    leaf_value.assign(nodes.size(), 0.0);
    const uint32_t* row_index = builder.row_index();
    leaves.clear();
    for (size_t i = 0; i < nodes.size(); ++i) {
      if (nodes[i].feature < 0) leaves.push_back(static_cast<uint32_t>(i));
    }
    // LightGBM's leaf renewal for the quantile loss: a leaf's value becomes the alpha-percentile of
    // its rows' residuals. Under monotone constraints the split-time bounds are in gradient units,
    // so the bounds are rebuilt top-down from the residual percentiles of every node (a node's rows
    // are exactly its subtree's), keeping the renewed leaves ordered across each monotone split.
    const bool renew_bounds = quantile && constrained;
    if (renew_bounds) {
      percentile.assign(nodes.size(), 0.0);
      pool.Run(nodes.size(), [&](size_t i) {  // nodes share rows, so each gets its own buffer
        std::vector<double> residuals;
        residuals.reserve(nodes[i].end - nodes[i].begin);
        for (uint32_t j = nodes[i].begin; j < nodes[i].end; ++j) {
          residuals.push_back(y[row_index[j]] - score[row_index[j]]);
        }
        percentile[i] = GbdtPercentile(residuals, params.alpha);
      });
      lower.assign(nodes.size(), -std::numeric_limits<double>::infinity());
      upper.assign(nodes.size(), std::numeric_limits<double>::infinity());
      for (size_t i = 0; i < nodes.size(); ++i) {  // children come after their parent
        const GbdtTrainNode& n = nodes[i];
        if (n.feature < 0) continue;
        const uint32_t l = n.left, r = n.left + 1;
        lower[l] = lower[r] = lower[i];
        upper[l] = upper[r] = upper[i];
        const int c = params.monotone[static_cast<size_t>(n.feature)];
        if (c == 0) continue;
        const double mid = (std::clamp(percentile[l], lower[i], upper[i]) + std::clamp(percentile[r], lower[i], upper[i])) / 2;
        if (c > 0) {
          upper[l] = mid;
          lower[r] = mid;
        } else {
          lower[l] = mid;
          upper[r] = mid;
        }
      }
    }
    // Leaves own disjoint rows, so they are renewed and scored in parallel; a leaf's residuals go to
    // its own range of one shared buffer.
    residual_buffer.resize(sample.size());
    residual_scratch.resize(sample.size());
    pool.Run(leaves.size(), [&](size_t k) {
      const uint32_t leaf = leaves[k];
      const GbdtTrainNode& n = nodes[leaf];
      double w = n.weight;
      if (renew_bounds) {
        w = std::clamp(percentile[leaf], lower[leaf], upper[leaf]);
      } else if (quantile) {
        double* residuals = residual_buffer.data() + n.begin;
        for (uint32_t j = n.begin; j < n.end; ++j) residuals[j - n.begin] = y[row_index[j]] - score[row_index[j]];
        w = GbdtPercentile(residuals, residual_scratch.data() + n.begin, n.end - n.begin, params.alpha);
      }
      const double value = params.learning_rate * w;
      leaf_value[leaf] = value;
      double* s = score.data();
      for (uint32_t j = n.begin; j < n.end; ++j) s[row_index[j]] += value;
    });
    if (!out_of_bag.empty()) {
      ScoreOutOfBag(nodes, data, leaf_value.data(), out_of_bag, out_of_bag_scratch, out_of_bag_range, score.data());
    }
    tree_starts.push_back(static_cast<uint32_t>(model_nodes.size()));
    for (size_t i = 0; i < nodes.size(); ++i) {
      const GbdtTrainNode& n = nodes[i];
      if (n.feature >= 0) {
        model_nodes.push_back({n.threshold, static_cast<uint32_t>(n.feature), n.left, n.default_left});
        importance[static_cast<size_t>(n.feature)] += n.gain;
      } else {
        model_nodes.push_back({leaf_value[i], 0, 0, false});
      }
    }

    if (record_train_loss) out_log.train_loss.push_back(Loss(params, y, score));
    if (has_valid) {
      const GbdtNode* tree = model_nodes.data() + tree_starts.back();
      for (size_t r = 0; r < valid_rows; ++r) {
        const double* row = valid_x + r * cols;
        uint32_t i = 0;
        while (!tree[i].IsLeaf()) {
          const double v = row[tree[i].feature];
          const bool left = std::isnan(v) ? tree[i].default_left : v <= tree[i].threshold;
          i = tree[i].left + (left ? 0 : 1);
        }
        valid_score[r] += tree[i].threshold;
      }
      const double loss = Loss(params, valid_y, valid_score);
      out_log.valid_loss.push_back(loss);
      if (loss < best_valid) {
        best_valid = loss;
        best_iteration = t;
        if (train_prediction != nullptr && early_stopping) *train_prediction = score;
      }
      if (early_stopping && t - best_iteration >= params.early_stopping_rounds) break;
    }
  }
  GbdtModel model(cols, base_score, std::move(model_nodes), std::move(tree_starts), params.loss, params.alpha,
                  std::move(importance));
  const bool truncated = early_stopping && best_iteration >= 0 && static_cast<size_t>(best_iteration) + 1 < model.num_trees();
  if (truncated) model.Truncate(static_cast<size_t>(best_iteration) + 1);
  if (train_prediction != nullptr && !truncated) *train_prediction = std::move(score);
  out_log.best_iteration = has_valid ? best_iteration : static_cast<int>(model.num_trees()) - 1;
  return model;
}

void ValidateAll(const GbdtParams& params, size_t rows, size_t cols, const double* y, const double* valid_x,
                 size_t valid_rows, const double* valid_y) {
  ValidateParams(params, rows, cols);
  ValidateLabels(y, rows, "training");
  if (valid_x != nullptr && valid_y != nullptr && valid_rows > 0) ValidateLabels(valid_y, valid_rows, "validation");
}

}  // namespace

GbdtModel TrainGbdt(const double* x, size_t rows, size_t cols, const double* y, const GbdtParams& params,
                    const double* valid_x, size_t valid_rows, const double* valid_y, GbdtTrainLog* log) {
  ValidateAll(params, rows, cols, y, valid_x, valid_rows, valid_y);
  GbdtThreadPool pool(params.threads);
  const GbdtBinnedMatrix data = BinMatrix(x, rows, cols, params.max_bins, pool);
  return Boost(data, y, params, pool, valid_x, valid_rows, valid_y, log, log != nullptr, nullptr);
}

GbdtSchedulePlan GbdtSchedule(size_t models, int threads) {
  const auto total = static_cast<size_t>(std::max(1, threads));
  GbdtSchedulePlan plan;
  plan.concurrent = std::min(models, total);
  for (size_t k = 0; k < models; ++k) {  // the first ones take the spare threads
    plan.threads.push_back(models >= total ? 1 : static_cast<int>(total / models + (k < total % models ? 1 : 0)));
  }
  if (models > plan.concurrent) plan.turns_per_model = static_cast<int>(plan.concurrent / std::gcd(models, plan.concurrent));
  return plan;
}

std::vector<GbdtFit> TrainGbdtModels(const double* x, size_t rows, size_t cols, const double* y,
                                     const std::vector<GbdtParams>& params, int threads, const double* valid_x,
                                     size_t valid_rows, const double* valid_y) {
  if (params.empty()) return {};
  for (const GbdtParams& p : params) {
    ValidateParams(p, rows, cols);
    Require(p.max_bins == params[0].max_bins, "models trained together must share max_bins");
  }
  ValidateAll(params[0], rows, cols, y, valid_x, valid_rows, valid_y);
  const int total = GbdtThreadPool::Resolve(threads);
  GbdtBinnedMatrix data;
  {
    GbdtThreadPool pool(total);
    data = BinMatrix(x, rows, cols, params[0].max_bins, pool);
  }
  std::vector<GbdtFit> fits(params.size());
  const GbdtSchedulePlan plan = GbdtSchedule(params.size(), total);
  GbdtTurns turns(params.size(), plan.concurrent);
  // One thread per model; each builds its own pool for its share of the threads, and at most
  // plan.concurrent of them train at any moment.
  std::vector<std::exception_ptr> errors(params.size());
  auto train = [&](size_t m) {
    try {
      GbdtThreadPool pool(plan.threads[m]);
      GbdtFit& fit = fits[m];
      fit.model = Boost(data, y, params[m], pool, valid_x, valid_rows, valid_y, &fit.log, false,
                        &fit.train_prediction, plan.concurrent < params.size() ? &turns : nullptr, m,
                        plan.turns_per_model);
    } catch (...) {
      errors[m] = std::current_exception();
    }
  };
  std::vector<std::thread> side;
  for (size_t m = 1; m < params.size(); ++m) side.emplace_back(train, m);
  train(0);
  for (auto& t : side) t.join();
  for (const auto& e : errors) {
    if (e) std::rethrow_exception(e);
  }
  return fits;
}

}  // namespace seed::kernels
