#include <algorithm>
#include <bit>
#include <cmath>
#include <stdexcept>
#include <string>

#include "kernels/gbdt.h"
#include "kernels/gbdt_malformed.h"
#include "kernels/gbdt_thread_pool.h"

namespace seed::kernels {
namespace {

// Prediction works on 16-bit column slots and bounds (see PackedNode).
constexpr size_t kMaxFeatures = 0x7FFF;  // 2 * feature + 1 fits a PackedNode's 16-bit slot
constexpr uint16_t kNever = 0xFFFF;      // a bound no column value exceeds
constexpr size_t kMinRowsPerThread = 1024;

// The first k with table[k] >= x (size when none), without branches: the binary search's steps
// depend on the data, so a mispredicted branch per step would cost more than the comparisons.
uint16_t FirstNotBelow(const std::vector<double>& table, double x) {
  const double* base = table.data();
  size_t n = table.size();
  while (n > 1) {
    const size_t half = n / 2;
    base = base[half] < x ? base + half : base;
    n -= half;
  }
  return static_cast<uint16_t>((base - table.data()) + (n == 1 && *base < x ? 1 : 0));
}

}  // namespace

GbdtModel::GbdtModel(size_t num_features, double base_score, std::vector<GbdtNode> nodes,
                     std::vector<uint32_t> tree_starts, GbdtParams::Loss loss, double alpha,
                     std::vector<double> gain_importance)
    : num_features_(num_features),
      base_score_(base_score),
      nodes_(std::move(nodes)),
      tree_starts_(std::move(tree_starts)),
      loss_(loss),
      alpha_(alpha),
      gain_importance_(std::move(gain_importance)) {
  Validate();
  Pack(nullptr);
}

GbdtModel::GbdtModel(size_t num_features, double base_score, std::vector<GbdtNode> nodes,
                     std::vector<uint32_t> tree_starts, GbdtParams::Loss loss, double alpha,
                     std::vector<double> gain_importance, std::vector<std::vector<double>> thresholds,
                     const std::vector<uint16_t>& threshold_index)
    : num_features_(num_features),
      base_score_(base_score),
      nodes_(std::move(nodes)),
      thresholds_(std::move(thresholds)),
      tree_starts_(std::move(tree_starts)),
      loss_(loss),
      alpha_(alpha),
      gain_importance_(std::move(gain_importance)) {
  Validate();
  Pack(&threshold_index);
}

void GbdtModel::Validate() {
  if (num_features_ == 0) Malformed("num_features must be at least 1");
  if (num_features_ > kMaxFeatures) Malformed("num_features is too large (at most 32767)");
  if (!std::isfinite(base_score_)) Malformed("base_score must be a finite number");
  if (!(alpha_ > 0 && alpha_ < 1)) Malformed("alpha must be in (0, 1), got " + std::to_string(alpha_));
  if (gain_importance_.empty()) gain_importance_.assign(num_features_, 0.0);
  if (gain_importance_.size() != num_features_) {
    Malformed("gain_importance has " + std::to_string(gain_importance_.size()) +
              " entries, expected one per feature (" + std::to_string(num_features_) + ")");
  }
  for (size_t t = 0; t < tree_starts_.size(); ++t) {
    const size_t begin = tree_starts_[t];
    const size_t end = t + 1 < tree_starts_.size() ? tree_starts_[t + 1] : nodes_.size();
    if (begin >= end || end > nodes_.size())
      Malformed("tree " + std::to_string(t) + " has no nodes or overlaps the next");
    const size_t size = end - begin;
    for (size_t i = 0; i < size; ++i) {
      const GbdtNode& node = nodes_[begin + i];
      // Only built for a message: a string per node would cost more than the checks.
      auto where = [&] { return "tree " + std::to_string(t) + " node " + std::to_string(i) + ": "; };
      if (std::isnan(node.threshold) || std::isinf(node.threshold))
        Malformed(where() + "value must be finite");
      if (node.IsLeaf()) continue;
      // Children strictly after their parent: prediction always moves forward and terminates.
      if (node.left <= i || node.left + 1 >= size) {
        Malformed(where() + "children " + std::to_string(node.left) + "/" + std::to_string(node.left + 1) +
                  " must come after the node and inside the tree (" + std::to_string(size) + " nodes)");
      }
      if (node.feature >= num_features_) {
        Malformed(where() + "feature " + std::to_string(node.feature) + " out of range (" +
                  std::to_string(num_features_) + " features)");
      }
    }
  }
  if (tree_starts_.empty() && !nodes_.empty()) Malformed("nodes given without tree_starts");
}

void GbdtModel::Pack(const std::vector<uint16_t>* threshold_index) {
  // The tables are sorted as integer keys in the IEEE total order: exact bits stay distinct
  // (-0.0 before 0.0), and the comparisons are plain integer ones.
  auto key = [](double v) {
    const auto bits = std::bit_cast<uint64_t>(v);
    return bits >> 63 ? ~bits : bits | uint64_t{1} << 63;
  };
  std::vector<std::vector<uint64_t>> keys(num_features_);
  for (const GbdtNode& node : nodes_) {
    if (!node.IsLeaf() && threshold_index == nullptr) keys[node.feature].push_back(key(node.threshold));
  }
  if (threshold_index == nullptr) thresholds_.assign(num_features_, {});
  for (size_t f = 0; f < num_features_ && threshold_index == nullptr; ++f) {
    std::vector<uint64_t>& table = keys[f];
    std::sort(table.begin(), table.end());
    table.erase(std::unique(table.begin(), table.end()), table.end());
    if (table.size() > kMaxThresholds) {
      Malformed("feature " + std::to_string(f) + " has " + std::to_string(table.size()) +
                " distinct thresholds (at most " + std::to_string(kMaxThresholds) + ")");
    }
    for (uint64_t k : table)
      thresholds_[f].push_back(std::bit_cast<double>(k >> 63 ? k & ~(uint64_t{1} << 63) : ~k));
  }
  packed_.clear();
  leaf_value_.clear();
  tree_depth_.clear();
  packed_.reserve(nodes_.size());
  leaf_value_.reserve(nodes_.size());
  tree_depth_.reserve(tree_starts_.size());
  std::vector<uint8_t> depth;
  for (size_t t = 0; t < tree_starts_.size(); ++t) {
    const size_t begin = tree_starts_[t];
    const size_t end = t + 1 < tree_starts_.size() ? tree_starts_[t + 1] : nodes_.size();
    depth.assign(end - begin, 0);
    uint8_t max_depth = 0;
    for (size_t i = 0; i < end - begin; ++i) {
      const GbdtNode& node = nodes_[begin + i];
      if (node.IsLeaf()) {
        packed_.push_back({static_cast<uint32_t>(i), 0, kNever});
        leaf_value_.push_back(node.threshold);
        max_depth = std::max(max_depth, depth[i]);
      } else {
        if (depth[i] >= 64) Malformed("tree " + std::to_string(t) + " is deeper than 64 levels");
        depth[node.left] = depth[node.left + 1] = static_cast<uint8_t>(depth[i] + 1);
        const std::vector<uint64_t>& table = keys[node.feature];
        const auto k =
            threshold_index != nullptr
                ? (*threshold_index)[begin + i]
                : std::lower_bound(table.begin(), table.end(), key(node.threshold)) - table.begin();
        packed_.push_back({node.left, static_cast<uint16_t>(2 * node.feature + (node.default_left ? 0 : 1)),
                           static_cast<uint16_t>(node.default_left ? k + 1 : k)});
        leaf_value_.push_back(0);
      }
    }
    tree_depth_.push_back(max_depth);
  }
}

void GbdtModel::Truncate(size_t trees) {
  if (trees >= tree_starts_.size()) return;
  nodes_.resize(tree_starts_[trees]);
  tree_starts_.resize(trees);
  Pack(nullptr);  // the dropped trees' thresholds leave the tables
}

void GbdtModel::IndexRows(const double* rows, size_t n, size_t stride, uint16_t* out) const {
  for (size_t r = 0; r < n; ++r) {
    const double* row = rows + r * stride;
    uint16_t* columns = out + r * 2 * num_features_;
    for (size_t f = 0; f < num_features_; ++f) {
      const bool missing = std::isnan(row[f]);
      const uint16_t index = missing ? 0 : FirstNotBelow(thresholds_[f], row[f]);
      columns[2 * f] = missing ? 0 : static_cast<uint16_t>(index + 1);
      columns[2 * f + 1] = missing ? kNever : index;
    }
  }
}

void GbdtModel::PredictBlock(const double* rows, size_t n, size_t stride, double* out) const {
  const size_t width = 2 * num_features_;
  std::vector<uint16_t> columns(n * width);
  IndexRows(rows, n, stride, columns.data());
  for (size_t r = 0; r < n; ++r) out[r] = base_score_;
  for (size_t t = 0; t < tree_starts_.size(); ++t) {
    const PackedNode* nodes = packed_.data() + tree_starts_[t];
    const double* values = leaf_value_.data() + tree_starts_[t];
    const int depth = tree_depth_[t];
    // Eight rows walk a tree side by side: their steps are independent, so each one's chain of
    // loads hides behind the others' (8 measured faster than 4, 16 and a level-by-level sweep of
    // the block), and the go-right decision is arithmetic, not a branch.
    auto step = [&](uint32_t node, const uint16_t* row) {
      const PackedNode& p = nodes[node];
      return p.left + static_cast<uint32_t>(row[p.slot] > p.bound);
    };
    constexpr size_t kLanes = 8;
    size_t r = 0;
    for (; r + kLanes <= n; r += kLanes) {
      const uint16_t* row = columns.data() + r * width;
      uint32_t lane[kLanes] = {};
      for (int level = 0; level < depth; ++level) {
        for (size_t k = 0; k < kLanes; ++k) lane[k] = step(lane[k], row + k * width);
      }
      for (size_t k = 0; k < kLanes; ++k) out[r + k] += values[lane[k]];
    }
    for (; r < n; ++r) {
      uint32_t a = 0;
      for (int level = 0; level < depth; ++level) a = step(a, columns.data() + r * width);
      out[r] += values[a];
    }
  }
}

double GbdtModel::Predict(const double* row) const {
  // One row, as the model server asks: the same walk and the same order of sums as PredictBlock
  // (so bit-identical).
  uint16_t small[128];
  std::vector<uint16_t> large;
  uint16_t* columns = small;
  if (2 * num_features_ > std::size(small)) {
    large.resize(2 * num_features_);
    columns = large.data();
  }
  IndexRows(row, 1, num_features_, columns);
  double out = base_score_;
  for (size_t t = 0; t < tree_starts_.size(); ++t) {
    const PackedNode* nodes = packed_.data() + tree_starts_[t];
    uint32_t node = 0;
    for (int level = 0; level < tree_depth_[t]; ++level) {
      const PackedNode& p = nodes[node];
      node = p.left + static_cast<uint32_t>(columns[p.slot] > p.bound);
    }
    out += leaf_value_[tree_starts_[t] + node];
  }
  return out;
}

void GbdtModel::PredictSerial(const double* rows, size_t n, size_t stride, double* out) const {
  for (size_t begin = 0; begin < n; begin += kPredictBlock) {
    PredictBlock(rows + begin * stride, std::min(kPredictBlock, n - begin), stride, out + begin);
  }
}

void GbdtModel::PredictBatch(const double* rows, size_t n, size_t stride, double* out, int threads) const {
  const size_t blocks = (n + kPredictBlock - 1) / kPredictBlock;
  auto predict_block = [&](size_t block) {
    const size_t begin = block * kPredictBlock;
    PredictBlock(rows + begin * stride, std::min(kPredictBlock, n - begin), stride, out + begin);
  };
  const int wanted =
      std::min<size_t>(GbdtThreadPool::Resolve(threads), std::max<size_t>(1, n / kMinRowsPerThread));
  if (wanted <= 1) {
    for (size_t b = 0; b < blocks; ++b) predict_block(b);
    return;
  }
  GbdtThreadPool pool(wanted);
  pool.Run(blocks, predict_block);
}

}  // namespace seed::kernels
