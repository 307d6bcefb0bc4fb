#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>
#include <string>

#include "kernels/gbdt.h"
#include "kernels/gbdt_thread_pool.h"

namespace seed::kernels {
namespace {

constexpr uint32_t kMaxFeatures = 0x80000000u;
constexpr int kFormatVersion = 1;
// Rows per block in batch prediction: each tree is walked for a whole block while it is in cache.
constexpr size_t kPredictBlock = 256;
constexpr size_t kMinRowsPerThread = 1024;

[[noreturn]] void Malformed(const std::string& what) { throw std::invalid_argument("gbdt model: " + what); }

const char* LossName(GbdtParams::Loss loss) { return loss == GbdtParams::Loss::kL2 ? "l2" : "quantile"; }

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
  if (num_features_ == 0) Malformed("num_features must be at least 1");
  if (num_features_ >= kMaxFeatures) Malformed("num_features is too large");
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
      if (std::isnan(node.threshold) || std::isinf(node.threshold)) Malformed(where() + "value must be finite");
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
        packed_.push_back({std::numeric_limits<double>::infinity(), 0, static_cast<uint32_t>(i) << 1 | 1u});
        leaf_value_.push_back(node.threshold);
        max_depth = std::max(max_depth, depth[i]);
      } else {
        if (depth[i] >= 64) Malformed("tree " + std::to_string(t) + " is deeper than 64 levels");
        depth[node.left] = depth[node.left + 1] = static_cast<uint8_t>(depth[i] + 1);
        packed_.push_back({node.threshold, node.feature, node.left << 1 | (node.default_left ? 1u : 0u)});
        leaf_value_.push_back(0);
      }
    }
    tree_depth_.push_back(max_depth);
  }
}

void GbdtModel::Truncate(size_t trees) {
  if (trees >= tree_starts_.size()) return;
  const size_t end = tree_starts_[trees];
  tree_starts_.resize(trees);
  nodes_.resize(end);
  packed_.resize(end);
  leaf_value_.resize(end);
  tree_depth_.resize(trees);
}

void GbdtModel::PredictBlock(const double* rows, size_t n, size_t stride, double* out) const {
  uint32_t node[kPredictBlock];
  for (size_t r = 0; r < n; ++r) out[r] = base_score_;
  for (size_t t = 0; t < tree_starts_.size(); ++t) {
    const PackedNode* nodes = packed_.data() + tree_starts_[t];
    std::fill(node, node + n, 0u);
    // Level by level over the whole block: the rows' walks are independent, and the go-right
    // decision is arithmetic, not a branch.
    for (int level = 0; level < tree_depth_[t]; ++level) {
      for (size_t r = 0; r < n; ++r) {
        const PackedNode& p = nodes[node[r]];
        const double x = rows[r * stride + p.feature];
        const bool not_left = !(x <= p.threshold);  // true for NaN
        const bool nan_left = std::isnan(x) & ((p.left_and_default & 1u) != 0);
        node[r] = (p.left_and_default >> 1) + static_cast<uint32_t>(not_left & !nan_left);
      }
    }
    const double* values = leaf_value_.data() + tree_starts_[t];
    for (size_t r = 0; r < n; ++r) out[r] += values[node[r]];
  }
}

double GbdtModel::Predict(const double* row) const {
  // One row, as the model server asks: the same walk and the same order of sums as PredictBlock
  // (so bit-identical), with the node index kept in a register instead of a block array.
  double out = base_score_;
  for (size_t t = 0; t < tree_starts_.size(); ++t) {
    const PackedNode* nodes = packed_.data() + tree_starts_[t];
    uint32_t node = 0;
    for (int level = 0; level < tree_depth_[t]; ++level) {
      const PackedNode& p = nodes[node];
      const double x = row[p.feature];
      const bool not_left = !(x <= p.threshold);  // true for NaN
      const bool nan_left = std::isnan(x) & ((p.left_and_default & 1u) != 0);
      node = (p.left_and_default >> 1) + static_cast<uint32_t>(not_left & !nan_left);
    }
    out += leaf_value_[tree_starts_[t] + node];
  }
  return out;
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

nlohmann::json GbdtModel::ToJson() const {
  nlohmann::json trees = nlohmann::json::array();
  for (size_t t = 0; t < tree_starts_.size(); ++t) {
    const size_t begin = tree_starts_[t];
    const size_t end = t + 1 < tree_starts_.size() ? tree_starts_[t + 1] : nodes_.size();
    std::vector<uint32_t> left, feature;
    std::vector<int> default_left;
    std::vector<double> value;
    for (size_t i = begin; i < end; ++i) {
      left.push_back(nodes_[i].left);
      feature.push_back(nodes_[i].feature);
      default_left.push_back(nodes_[i].default_left ? 1 : 0);
      value.push_back(nodes_[i].threshold);
    }
    trees.push_back({{"left", left}, {"feature", feature}, {"default_left", default_left}, {"value", value}});
  }
  return {{"format", "seed-gbdt"},
          {"version", kFormatVersion},
          {"num_features", num_features_},
          {"loss", LossName(loss_)},
          {"alpha", alpha_},
          {"base_score", base_score_},
          {"gain_importance", gain_importance_},
          {"trees", std::move(trees)}};
}

GbdtModel GbdtModel::FromJson(const nlohmann::json& json) {
  auto field = [&](const nlohmann::json& object, const char* key,
                   const std::string& where) -> const nlohmann::json& {
    if (!object.is_object()) Malformed(where + " must be a JSON object");
    const auto it = object.find(key);
    if (it == object.end()) Malformed(where + " has no \"" + key + "\"");
    return *it;
  };
  try {
    if (field(json, "format", "model") != "seed-gbdt") Malformed("\"format\" must be \"seed-gbdt\"");
    if (field(json, "version", "model") != kFormatVersion) {
      Malformed("unsupported version " + field(json, "version", "model").dump() +
                " (this build reads version 1)");
    }
    const auto num_features = field(json, "num_features", "model").get<size_t>();
    const auto loss_name = field(json, "loss", "model").get<std::string>();
    if (loss_name != "l2" && loss_name != "quantile") Malformed("\"loss\" must be \"l2\" or \"quantile\"");
    const auto loss = loss_name == "l2" ? GbdtParams::Loss::kL2 : GbdtParams::Loss::kQuantile;
    const auto alpha = field(json, "alpha", "model").get<double>();
    const auto base_score = field(json, "base_score", "model").get<double>();
    auto importance = field(json, "gain_importance", "model").get<std::vector<double>>();
    const auto& trees = field(json, "trees", "model");
    if (!trees.is_array()) Malformed("\"trees\" must be an array");
    std::vector<GbdtNode> nodes;
    std::vector<uint32_t> starts;
    for (size_t t = 0; t < trees.size(); ++t) {
      const std::string where = "tree " + std::to_string(t);
      const auto left = field(trees[t], "left", where).get<std::vector<uint32_t>>();
      const auto feature = field(trees[t], "feature", where).get<std::vector<uint32_t>>();
      const auto default_left = field(trees[t], "default_left", where).get<std::vector<int>>();
      const auto value = field(trees[t], "value", where).get<std::vector<double>>();
      if (left.empty() || feature.size() != left.size() || default_left.size() != left.size() ||
          value.size() != left.size()) {
        Malformed(
            where +
            ": \"left\", \"feature\", \"default_left\" and \"value\" must be non-empty arrays of one length");
      }
      starts.push_back(static_cast<uint32_t>(nodes.size()));
      for (size_t i = 0; i < left.size(); ++i) {
        nodes.push_back({value[i], feature[i], left[i], default_left[i] != 0});
      }
    }
    return GbdtModel(num_features, base_score, std::move(nodes), std::move(starts), loss, alpha,
                     std::move(importance));
  } catch (const nlohmann::json::exception& e) {
    // A wrong type (a string where a number belongs, a null threshold, ...).
    Malformed(std::string("wrong JSON type: ") + e.what());
  }
}

}  // namespace seed::kernels
