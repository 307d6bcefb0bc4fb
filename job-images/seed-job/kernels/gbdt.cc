#include "kernels/gbdt.h"

#include <algorithm>
#include <cmath>
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
double Uniform(uint64_t mixed_seed, uint64_t tree, uint64_t row) {  // [0, 1); mixed_seed = Mix(seed)
  return static_cast<double>(Mix(mixed_seed ^ (tree << 32 | row)) >> 11) * 0x1.0p-53;
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
    const auto f = static_cast<uint32_t>(node.feature);
    const uint8_t* column = data.Column(f);
    const uint32_t missing = data.MissingCode(f), bin = node.bin;
    const bool default_left = node.default_left;
    uint32_t left = begin, right = begin;
    for (uint32_t j = begin; j < end; ++j) {
      const uint32_t row = index[j], code = column[row];
      const bool go_left = code == missing ? default_left : code <= bin;
      index[left] = row;
      right_rows[right] = row;
      left += go_left;
      right += !go_left;
    }
    std::copy(right_rows + begin, right_rows + right, index + left);
    range[node.left] = {begin, left};
    range[node.left + 1] = {left, end};
  }
}

}  // namespace

double GbdtPercentile(std::vector<double>& values, double alpha) {
  return GbdtPercentile(values.data(), values.size(), alpha);
}

double GbdtPercentile(double* values, size_t n, double alpha) {
  if (n == 0) return 0;
  if (n == 1) return values[0];
  double* end = values + n;
  const double float_pos = (1.0 - alpha) * static_cast<double>(n);
  const auto pos = static_cast<size_t>(float_pos);
  if (pos < 1) return *std::max_element(values, end);
  if (pos >= n) return *std::min_element(values, end);
  // Descending order: v1 is the pos-th largest, v2 the (pos + 1)-th.
  std::nth_element(values, values + (pos - 1), end, std::greater<>());
  const double v1 = values[pos - 1];
  const double v2 = *std::max_element(values + pos, end);
  return v1 - (v1 - v2) * (float_pos - static_cast<double>(pos));
}

namespace {

// Boosting on an already binned matrix; params and labels are validated by the caller. The train
// loss is logged only when record_train_loss (it costs a pass over the rows per tree); the final
// training-row scores go to train_prediction when it is not null.
GbdtModel Boost(const GbdtBinnedMatrix& data, const double* y, const GbdtParams& params, GbdtThreadPool& pool,
                const double* valid_x, size_t valid_rows, const double* valid_y, GbdtTrainLog* log,
                bool record_train_loss, std::vector<double>* train_prediction) {
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
  std::vector<double> residual_buffer;            // quantile renewal, per in-bag row
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

  for (int t = 0; t < params.trees; ++t) {
    for_rows([&](size_t begin, size_t end) {
      // Locals, not captures: the uint8_t stores below may alias anything, so values read through
      // references would be reloaded for every row.
      const double alpha = params.alpha, subsample = params.subsample;
      const uint64_t mixed_seed = Mix(params.seed), tree = static_cast<uint64_t>(t);
      const double* s = score.data();
      GbdtGradPair* g_out = gpair.data();
      uint8_t* in = in_sample.data();
      for (size_t i = begin; i < end; ++i) {
        const double delta = s[i] - y[i];
        const double g = quantile ? (delta >= 0 ? 1 - alpha : -alpha) : delta;
        g_out[i] = {static_cast<float>(g), 1.0f};
        in[i] = subsample >= 1 || Uniform(mixed_seed, tree, i) < subsample;
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
    pool.Run(leaves.size(), [&](size_t k) {
      const uint32_t leaf = leaves[k];
      const GbdtTrainNode& n = nodes[leaf];
      double w = n.weight;
      if (renew_bounds) {
        w = std::clamp(percentile[leaf], lower[leaf], upper[leaf]);
      } else if (quantile) {
        double* residuals = residual_buffer.data() + n.begin;
        for (uint32_t j = n.begin; j < n.end; ++j) residuals[j - n.begin] = y[row_index[j]] - score[row_index[j]];
        w = GbdtPercentile(residuals, n.end - n.begin, params.alpha);
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

std::vector<std::vector<GbdtScheduledModel>> GbdtSchedule(size_t models, int threads) {
  const auto total = static_cast<size_t>(std::max(1, threads));
  std::vector<std::vector<GbdtScheduledModel>> rounds;
  for (size_t next = 0; next < models;) {
    const size_t side_by_side = std::min(models - next, total);
    std::vector<GbdtScheduledModel> round;
    for (size_t k = 0; k < side_by_side; ++k) {  // the first ones take the spare threads
      round.push_back({next + k, static_cast<int>(total / side_by_side + (k < total % side_by_side ? 1 : 0))});
    }
    rounds.push_back(std::move(round));
    next += side_by_side;
  }
  return rounds;
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
  auto train = [&](const GbdtScheduledModel& s) {
    GbdtThreadPool pool(s.threads);
    GbdtFit& fit = fits[s.model];
    fit.model = Boost(data, y, params[s.model], pool, valid_x, valid_rows, valid_y, &fit.log, false,
                      &fit.train_prediction);
  };
  for (const auto& round : GbdtSchedule(params.size(), total)) {
    // One model per thread of this round; each builds its own pool for its share of the threads.
    std::vector<std::exception_ptr> errors(round.size());
    std::vector<std::thread> side;
    for (size_t k = 1; k < round.size(); ++k) {
      side.emplace_back([&, k] {
        try {
          train(round[k]);
        } catch (...) {
          errors[k] = std::current_exception();
        }
      });
    }
    try {
      train(round[0]);
    } catch (...) {
      errors[0] = std::current_exception();
    }
    for (auto& t : side) t.join();
    for (const auto& e : errors) {
      if (e) std::rethrow_exception(e);
    }
  }
  return fits;
}

}  // namespace seed::kernels
