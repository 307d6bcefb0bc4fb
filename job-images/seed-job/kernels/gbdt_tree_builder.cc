#include "kernels/gbdt_tree_builder.h"

#include <algorithm>
#include <cfloat>

#include "kernels/gbdt_thread_pool.h"

namespace seed::kernels {
namespace {

// XGBoost's kRtEps: a split must gain at least this much.
constexpr double kMinGain = 1e-6;
// Below this many rows a node's histogram is summed in one pass (the two-way split costs more).
constexpr uint32_t kTwoWayMinRows = 512;

// Loss reduction of a leaf with weight w (XGBoost's CalcGainGivenWeight); equals g^2 / (h + lambda)
// at the unconstrained optimum w = -g / (h + lambda).
double GainGivenWeight(double g, double h, double lambda, double w) {
  return -(2 * g * w + (h + lambda) * w * w);
}

}  // namespace

GbdtTreeBuilder::GbdtTreeBuilder(const GbdtBinnedMatrix& data, const GbdtParams& params, GbdtThreadPool& pool)
    : data_(data),
      params_(params),
      pool_(pool),
      min_child_hess_(
          std::max({params.min_child_weight, static_cast<double>(params.min_samples_leaf), 1e-12})),
      constrained_(
          std::any_of(params.monotone.begin(), params.monotone.end(), [](int c) { return c != 0; })) {
  row_index_.resize(data.rows);
  row_scratch_.resize(data.rows);
  ordered_gpair_.resize(data.rows);
  gpair_scratch_.resize(data.rows);
}

double GbdtTreeBuilder::LeafWeight(double g, double h, double lower, double upper) const {
  return std::clamp(-g / (h + params_.lambda), lower, upper);
}

double GbdtTreeBuilder::Gain(double g, double h, double lower, double upper) const {
  if (!constrained_) return g * g / (h + params_.lambda);
  return GainGivenWeight(g, h, params_.lambda, LeafWeight(g, h, lower, upper));
}

bool GbdtTreeBuilder::CanSplit(const GbdtTrainNode& node) const {
  return node.depth < params_.max_depth && node.sum_h >= 2 * min_child_hess_ && node.end - node.begin >= 2;
}

uint32_t GbdtTreeBuilder::AcquireHist() {
  if (free_hists_.empty()) {
    hist_pool_.emplace_back(data_.HistSize());
    return static_cast<uint32_t>(hist_pool_.size() - 1);
  }
  const uint32_t buffer = free_hists_.back();
  free_hists_.pop_back();
  return buffer;
}

void GbdtTreeBuilder::BuildHistogram(const GbdtTrainNode& node, uint32_t feature, GbdtHistBin* hist) const {
  const uint32_t width = data_.num_bins[feature] + 1;
  const uint8_t* column = data_.Column(feature);
  const uint32_t* rows = row_index_.data();
  const GbdtGradPair* gpair = ordered_gpair_.data();
  if (node.end - node.begin < kTwoWayMinRows) {
    std::fill(hist, hist + width, GbdtHistBin{});
    for (uint32_t i = node.begin; i < node.end; ++i) {
      GbdtHistBin& bin = hist[column[rows[i]]];
      bin.g += gpair[i].g;
      bin.h += gpair[i].h;
    }
    return;
  }
  // Two interleaved histograms: runs of rows in the same bin (a month, or recent power that is
  // constant over a forecast window) would otherwise chain every add on the previous one's store.
  GbdtHistBin even[256], odd[256];
  std::fill(even, even + width, GbdtHistBin{});
  std::fill(odd, odd + width, GbdtHistBin{});
  uint32_t i = node.begin;
  for (; i + 1 < node.end; i += 2) {
    GbdtHistBin& a = even[column[rows[i]]];
    a.g += gpair[i].g;
    a.h += gpair[i].h;
    GbdtHistBin& b = odd[column[rows[i + 1]]];
    b.g += gpair[i + 1].g;
    b.h += gpair[i + 1].h;
  }
  if (i < node.end) {
    even[column[rows[i]]].g += gpair[i].g;
    even[column[rows[i]]].h += gpair[i].h;
  }
  for (uint32_t b = 0; b < width; ++b) hist[b] = {even[b].g + odd[b].g, even[b].h + odd[b].h};
}

GbdtTreeBuilder::Split GbdtTreeBuilder::EvaluateFeature(const GbdtTrainNode& node, uint32_t feature,
                                                        const GbdtHistBin* hist) const {
  Split best;
  const uint32_t bins = data_.num_bins[feature];
  const GbdtHistBin missing = hist[bins];
  const bool has_missing = missing.h > 0;
  const double total_g = node.sum_g, total_h = node.sum_h, lambda = params_.lambda;
  const int monotone = params_.monotone.empty() ? 0 : params_.monotone[feature];
  const double parent_gain = constrained_ ? GainGivenWeight(total_g, total_h, lambda, node.weight)
                                          : total_g * total_g / (total_h + lambda);
  auto consider = [&](double left_g, double left_h, uint32_t bin, bool default_left) {
    const double right_h = total_h - left_h;
    if (left_h < min_child_hess_ || right_h < min_child_hess_) return;
    const double right_g = total_g - left_g;
    double gain;
    if (!constrained_) {
      gain = left_g * left_g / (left_h + lambda) + right_g * right_g / (right_h + lambda) - parent_gain;
    } else {
      const double wl = LeafWeight(left_g, left_h, node.lower, node.upper);
      const double wr = LeafWeight(right_g, right_h, node.lower, node.upper);
      if ((monotone > 0 && wl > wr) || (monotone < 0 && wl < wr)) return;
      gain = GainGivenWeight(left_g, left_h, lambda, wl) + GainGivenWeight(right_g, right_h, lambda, wr) -
             parent_gain;
    }
    if (gain > best.gain) best = Split{gain, bin, default_left, left_g, left_h};
  };
  double left_g = 0, left_h = 0;
  for (uint32_t b = 0; b < bins; ++b) {
    if (hist[b].h == 0 && b + 1 < bins) continue;  // same partition as the previous threshold
    left_g += hist[b].g;
    left_h += hist[b].h;
    if (left_h + missing.h < min_child_hess_) continue;  // too few rows on the left either way
    if (total_h - left_h < min_child_hess_) break;       // and from here on too few on the right
    if (b + 1 < bins || has_missing) consider(left_g, left_h, b, false);
    if (has_missing && b + 1 < bins) consider(left_g + missing.g, left_h + missing.h, b, true);
  }
  return best;
}

void GbdtTreeBuilder::ChooseSplit(uint32_t node_id, const Split* per_feature) {
  Split best;
  uint32_t best_feature = 0;
  for (size_t k = 0; k < features_.size(); ++k) {
    if (per_feature[k].gain > best.gain) {
      best = per_feature[k];
      best_feature = features_[k];
    }
  }
  const bool ok = best.gain > kMinGain && best.gain >= params_.gamma;
  best_gain_[node_id] = ok ? best.gain : -std::numeric_limits<double>::infinity();
  best_split_[node_id] = best;
  best_feature_[node_id] = best_feature;
}

void GbdtTreeBuilder::Partition(const GbdtTrainNode& node) {
  const uint8_t* column = data_.Column(static_cast<uint32_t>(node.feature));
  const uint32_t missing = data_.MissingCode(static_cast<uint32_t>(node.feature));
  uint32_t* rows = row_index_.data();
  GbdtGradPair* gpair = ordered_gpair_.data();
  uint32_t left = node.begin, right = node.begin;
  for (uint32_t i = node.begin; i < node.end; ++i) {
    const uint32_t code = column[rows[i]];
    const bool go_left = code == missing ? node.default_left : code <= node.bin;
    if (go_left) {
      rows[left] = rows[i];
      gpair[left] = gpair[i];
      ++left;
    } else {
      row_scratch_[right] = rows[i];
      gpair_scratch_[right] = gpair[i];
      ++right;
    }
  }
  std::copy(row_scratch_.begin() + node.begin, row_scratch_.begin() + right, rows + left);
  std::copy(gpair_scratch_.begin() + node.begin, gpair_scratch_.begin() + right, gpair + left);
  nodes_[node.left].begin = node.begin;
  nodes_[node.left].end = left;
  nodes_[node.left + 1].begin = left;
  nodes_[node.left + 1].end = node.end;
}

void GbdtTreeBuilder::Build(const std::vector<uint32_t>& rows, const GbdtGradPair* gpair,
                            const std::vector<uint32_t>& features) {
  features_ = features;
  const size_t n = rows.size();
  const size_t num_features = features_.size();
  GbdtTrainNode root;
  for (size_t i = 0; i < n; ++i) {
    row_index_[i] = rows[i];
    ordered_gpair_[i] = gpair[rows[i]];
    root.sum_g += ordered_gpair_[i].g;
    root.sum_h += ordered_gpair_[i].h;
  }
  root.end = static_cast<uint32_t>(n);
  root.weight = LeafWeight(root.sum_g, root.sum_h, root.lower, root.upper);
  nodes_.assign(1, root);

  const size_t max_nodes = (size_t{2} << params_.max_depth);
  best_gain_.assign(max_nodes, -std::numeric_limits<double>::infinity());
  best_split_.resize(max_nodes);
  best_feature_.resize(max_nodes);
  node_hist_.resize(max_nodes);
  free_hists_.clear();
  for (uint32_t b = 0; b < hist_pool_.size(); ++b)
    free_hists_.push_back(static_cast<uint32_t>(hist_pool_.size() - 1 - b));

  std::vector<uint32_t> frontier;
  if (CanSplit(nodes_[0]) && num_features > 0) {
    const uint32_t buffer = AcquireHist();
    node_hist_[0] = buffer;
    candidates_.resize(num_features);
    GbdtHistBin* hist = Hist(buffer);
    pool_.Run(num_features, [&](size_t k) {
      const uint32_t f = features_[k];
      BuildHistogram(nodes_[0], f, hist + data_.hist_offset[f]);
      candidates_[k] = EvaluateFeature(nodes_[0], f, hist + data_.hist_offset[f]);
    });
    ChooseSplit(0, candidates_.data());
    frontier.push_back(0);
  }

  const size_t max_leaves = params_.max_leaves > 0 ? static_cast<size_t>(params_.max_leaves) : max_nodes;
  size_t leaves = 1;
  std::vector<uint32_t> to_split, next;
  std::vector<Expansion> expansions;
  while (!frontier.empty()) {
    to_split.clear();
    for (uint32_t id : frontier) {
      if (best_gain_[id] > -std::numeric_limits<double>::infinity()) to_split.push_back(id);
    }
    if (leaves + to_split.size() > max_leaves) {
      std::stable_sort(to_split.begin(), to_split.end(),
                       [&](uint32_t a, uint32_t b) { return best_gain_[a] > best_gain_[b]; });
      to_split.resize(max_leaves - leaves);
      std::sort(to_split.begin(), to_split.end());
    }
    for (uint32_t id : frontier) {
      if (!std::binary_search(to_split.begin(), to_split.end(), id)) free_hists_.push_back(node_hist_[id]);
    }
    if (to_split.empty()) break;
    leaves += to_split.size();

    for (uint32_t id : to_split) {
      const Split& s = best_split_[id];
      const uint32_t f = best_feature_[id];
      GbdtTrainNode& parent = nodes_[id];
      parent.feature = static_cast<int32_t>(f);
      parent.bin = s.bin;
      parent.threshold = s.bin + 1 < data_.num_bins[f] ? data_.thresholds[f][s.bin] : DBL_MAX;
      const bool has_missing = Hist(node_hist_[id])[data_.hist_offset[f] + data_.num_bins[f]].h > 0;
      const double right_h = parent.sum_h - s.left_h;
      parent.default_left = has_missing ? s.default_left : s.left_h >= right_h;
      parent.gain = s.gain;
      parent.left = static_cast<uint32_t>(nodes_.size());
      GbdtTrainNode left, right;
      left.sum_g = s.left_g;
      left.sum_h = s.left_h;
      right.sum_g = parent.sum_g - s.left_g;
      right.sum_h = right_h;
      left.depth = right.depth = parent.depth + 1;
      left.lower = right.lower = parent.lower;
      left.upper = right.upper = parent.upper;
      const int monotone = params_.monotone.empty() ? 0 : params_.monotone[f];
      if (monotone != 0) {
        const double wl = LeafWeight(left.sum_g, left.sum_h, parent.lower, parent.upper);
        const double wr = LeafWeight(right.sum_g, right.sum_h, parent.lower, parent.upper);
        const double mid = (wl + wr) / 2;
        if (monotone > 0) {
          left.upper = mid;
          right.lower = mid;
        } else {
          left.lower = mid;
          right.upper = mid;
        }
      }
      left.weight = LeafWeight(left.sum_g, left.sum_h, left.lower, left.upper);
      right.weight = LeafWeight(right.sum_g, right.sum_h, right.lower, right.upper);
      nodes_.push_back(left);
      nodes_.push_back(right);
    }
    pool_.Run(to_split.size(), [&](size_t k) { Partition(nodes_[to_split[k]]); });

    // Histograms for the children that may split again: build the smaller, subtract for the larger.
    expansions.clear();
    next.clear();
    for (uint32_t id : to_split) {
      const uint32_t l = nodes_[id].left, r = l + 1;
      const bool split_l = CanSplit(nodes_[l]), split_r = CanSplit(nodes_[r]);
      if (!split_l && !split_r) {
        free_hists_.push_back(node_hist_[id]);
        continue;
      }
      const bool left_smaller = nodes_[l].end - nodes_[l].begin <= nodes_[r].end - nodes_[r].begin;
      const uint32_t small = left_smaller ? l : r, large = left_smaller ? r : l;
      node_hist_[small] = AcquireHist();
      if (CanSplit(nodes_[large])) {
        node_hist_[large] = node_hist_[id];
      } else {
        node_hist_[large] = UINT32_MAX;
        free_hists_.push_back(node_hist_[id]);
      }
      expansions.push_back({id, small, large});
      if (split_l) next.push_back(l);
      if (split_r) next.push_back(r);
    }
    if (expansions.empty()) break;
    candidates_.assign(expansions.size() * 2 * num_features, Split{});
    pool_.Run(num_features, [&](size_t k) {
      const uint32_t f = features_[k];
      const uint32_t offset = data_.hist_offset[f], width = data_.num_bins[f] + 1;
      for (size_t e = 0; e < expansions.size(); ++e) {
        const Expansion& x = expansions[e];
        GbdtHistBin* small_hist = Hist(node_hist_[x.small]) + offset;
        BuildHistogram(nodes_[x.small], f, small_hist);
        if (CanSplit(nodes_[x.small])) {
          candidates_[(2 * e) * num_features + k] = EvaluateFeature(nodes_[x.small], f, small_hist);
        }
        if (node_hist_[x.large] != UINT32_MAX) {
          GbdtHistBin* large_hist = Hist(node_hist_[x.large]) + offset;
          for (uint32_t b = 0; b < width; ++b) {
            large_hist[b].g -= small_hist[b].g;
            large_hist[b].h -= small_hist[b].h;
          }
          candidates_[(2 * e + 1) * num_features + k] = EvaluateFeature(nodes_[x.large], f, large_hist);
        }
      }
    });
    for (size_t e = 0; e < expansions.size(); ++e) {
      const Expansion& x = expansions[e];
      if (CanSplit(nodes_[x.small])) {
        ChooseSplit(x.small, &candidates_[(2 * e) * num_features]);
      } else {
        free_hists_.push_back(node_hist_[x.small]);
      }
      if (node_hist_[x.large] != UINT32_MAX) ChooseSplit(x.large, &candidates_[(2 * e + 1) * num_features]);
    }
    std::sort(next.begin(), next.end());
    frontier.swap(next);
  }
}

}  // namespace seed::kernels
