#include "kernels/gbdt_tree_builder.h"

#include <algorithm>
#include <cfloat>
#include <cmath>

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
          std::any_of(params.monotone.begin(), params.monotone.end(), [](int c) { return c != 0; })),
      counted_(params.loss == GbdtParams::Loss::kQuantile && data.rows < (size_t{1} << 31)),
      positive_g_(static_cast<float>(1 - params.alpha)),
      negative_g_(static_cast<float>(-params.alpha)) {
  row_index_.resize(data.rows);
  row_scratch_.resize(data.rows);
  if (counted_) count_increment_.resize(data.rows);
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
    if (counted_) {
      count_pool_.emplace_back(data_.HistSize());
      return static_cast<uint32_t>(count_pool_.size() - 1);
    }
    hist_pool_.emplace_back(data_.HistSize());
    return static_cast<uint32_t>(hist_pool_.size() - 1);
  }
  const uint32_t buffer = free_hists_.back();
  free_hists_.pop_back();
  return buffer;
}

void GbdtTreeBuilder::BuildFeature(const GbdtTrainNode& node, uint32_t feature, uint32_t buffer) {
  if (counted_) {
    BuildCounts(node, feature, Counts(buffer) + data_.hist_offset[feature]);
  } else {
    BuildHistogram(node, feature, Hist(buffer) + data_.hist_offset[feature]);
  }
}

void GbdtTreeBuilder::SubtractFeature(uint32_t feature, uint32_t from, uint32_t buffer) {
  const uint32_t offset = data_.hist_offset[feature], width = data_.num_bins[feature] + 1;
  if (counted_) {  // both halves of a packed count are at least the subtrahend's: no borrow
    uint64_t* to = Counts(from) + offset;
    const uint64_t* minus = Counts(buffer) + offset;
    for (uint32_t b = 0; b < width; ++b) to[b] -= minus[b];
    return;
  }
  GbdtHistBin* to = Hist(from) + offset;
  const GbdtHistBin* minus = Hist(buffer) + offset;
  for (uint32_t b = 0; b < width; ++b) {
    to[b].g -= minus[b].g;
    to[b].h -= minus[b].h;
  }
}

bool GbdtTreeBuilder::HasMissing(uint32_t feature, uint32_t buffer) const {
  const uint32_t missing = data_.hist_offset[feature] + data_.num_bins[feature];
  return counted_ ? static_cast<uint32_t>(count_pool_[buffer][missing]) > 0 : hist_pool_[buffer][missing].h > 0;
}

GbdtHistBin GbdtTreeBuilder::CountsToSums(uint64_t packed) const {
  const auto count = static_cast<uint32_t>(packed), positive = static_cast<uint32_t>(packed >> 32);
  return {positive * positive_g_ + (count - positive) * negative_g_, static_cast<double>(count)};
}

GbdtTreeBuilder::Split GbdtTreeBuilder::EvaluateFeature(const GbdtTrainNode& node, uint32_t feature,
                                                        uint32_t buffer) const {
  const uint32_t offset = data_.hist_offset[feature];
  if (counted_) {
    const uint64_t* counts = count_pool_[buffer].data() + offset;
    if (!constrained_) {
      const double g = node.sum_g, h = node.sum_h;
      return BestCountedUnconstrained(counts, data_.num_bins[feature], g, h, g * g / (h + params_.lambda));
    }
    return EvaluateBins(node, feature, [&](uint32_t b) { return CountsToSums(counts[b]); });
  }
  const GbdtHistBin* hist = hist_pool_[buffer].data() + offset;
  return EvaluateBins(node, feature, [&](uint32_t b) { return hist[b]; });
}

void GbdtTreeBuilder::BuildHistogram(const GbdtTrainNode& node, uint32_t feature, GbdtHistBin* hist) const {
  const uint32_t width = data_.num_bins[feature] + 1;
  const uint8_t* column = data_.Column(feature);
  const uint32_t* rows = row_index_.data();
  const GbdtGradPair* gpair = gpair_;
  if (node.end - node.begin < kTwoWayMinRows) {
    std::fill(hist, hist + width, GbdtHistBin{});
    for (uint32_t i = node.begin; i < node.end; ++i) {
      GbdtHistBin& bin = hist[column[rows[i]]];
      bin.g += gpair[rows[i]].g;
      bin.h += gpair[rows[i]].h;
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
    const uint32_t r0 = rows[i], r1 = rows[i + 1];
    GbdtHistBin& a = even[column[r0]];
    a.g += gpair[r0].g;
    a.h += gpair[r0].h;
    GbdtHistBin& b = odd[column[r1]];
    b.g += gpair[r1].g;
    b.h += gpair[r1].h;
  }
  if (i < node.end) {
    even[column[rows[i]]].g += gpair[rows[i]].g;
    even[column[rows[i]]].h += gpair[rows[i]].h;
  }
  for (uint32_t b = 0; b < width; ++b) hist[b] = {even[b].g + odd[b].g, even[b].h + odd[b].h};
}

void GbdtTreeBuilder::BuildCounts(const GbdtTrainNode& node, uint32_t feature, uint64_t* counts) const {
  const uint32_t width = data_.num_bins[feature] + 1;
  const uint8_t* column = data_.Column(feature);
  const uint32_t* rows = row_index_.data();
  const uint64_t* increment = count_increment_.data();
  if (node.end - node.begin < kTwoWayMinRows) {
    std::fill(counts, counts + width, 0);
    for (uint32_t i = node.begin; i < node.end; ++i) counts[column[rows[i]]] += increment[rows[i]];
    return;
  }
  // Two interleaved count arrays, for the same reason as above.
  uint64_t even[256], odd[256];
  std::fill(even, even + width, 0);
  std::fill(odd, odd + width, 0);
  uint32_t i = node.begin;
  for (; i + 1 < node.end; i += 2) {
    const uint32_t r0 = rows[i], r1 = rows[i + 1];
    even[column[r0]] += increment[r0];
    odd[column[r1]] += increment[r1];
  }
  if (i < node.end) even[column[rows[i]]] += increment[rows[i]];
  for (uint32_t b = 0; b < width; ++b) counts[b] = even[b] + odd[b];
}

template <size_t K>
void GbdtTreeBuilder::BuildCountsGroup(const GbdtTrainNode& node, const uint32_t* features, uint32_t buffer) {
  // K features in one pass over the node's rows: the row index and its increment are loaded once
  // for all of them (they are the gathers that dominate), each feature with two interleaved arrays.
  const uint8_t* column[K];
  uint32_t width[K];
  uint64_t even[K][256], odd[K][256];
  for (size_t j = 0; j < K; ++j) {
    column[j] = data_.Column(features[j]);
    width[j] = data_.num_bins[features[j]] + 1;
    std::fill(even[j], even[j] + width[j], 0);
    std::fill(odd[j], odd[j] + width[j], 0);
  }
  const uint32_t* rows = row_index_.data();
  const uint64_t* increment = count_increment_.data();
  const uint32_t begin = node.begin, end = node.end;
  uint32_t i = begin;
  for (; i + 1 < end; i += 2) {
    const uint32_t r0 = rows[i], r1 = rows[i + 1];
    const uint64_t a = increment[r0], b = increment[r1];
    for (size_t j = 0; j < K; ++j) {
      even[j][column[j][r0]] += a;
      odd[j][column[j][r1]] += b;
    }
  }
  if (i < end) {
    for (size_t j = 0; j < K; ++j) even[j][column[j][rows[i]]] += increment[rows[i]];
  }
  for (size_t j = 0; j < K; ++j) {
    uint64_t* counts = Counts(buffer) + data_.hist_offset[features[j]];
    for (uint32_t b = 0; b < width[j]; ++b) counts[b] = even[j][b] + odd[j][b];
  }
}

size_t GbdtTreeBuilder::FeaturesPerGroup() const {
  if (!counted_) return 1;
  return pool_.size() == 1 ? 4 : 2;
}

void GbdtTreeBuilder::BuildGroup(const GbdtTrainNode& node, size_t group, uint32_t buffer) {
  const size_t k = group * FeaturesPerGroup();
  const size_t n = std::min(FeaturesPerGroup(), features_.size() - k);
  const uint32_t* f = features_.data() + k;
  switch (counted_ ? n : 1) {
    case 4: BuildCountsGroup<4>(node, f, buffer); break;
    case 3: BuildCountsGroup<3>(node, f, buffer); break;
    case 2: BuildCountsGroup<2>(node, f, buffer); break;
    default: BuildFeature(node, f[0], buffer);
  }
}

template <typename BinAt>
GbdtTreeBuilder::Split GbdtTreeBuilder::EvaluateBins(const GbdtTrainNode& node, uint32_t feature,
                                                     BinAt bin_at) const {
  const uint32_t bins = data_.num_bins[feature];
  const GbdtHistBin missing = bin_at(bins);
  const double total_g = node.sum_g, total_h = node.sum_h, lambda = params_.lambda;
  const double parent_gain = constrained_ ? GainGivenWeight(total_g, total_h, lambda, node.weight)
                                          : total_g * total_g / (total_h + lambda);
  if (!constrained_) return BestUnconstrained(bins, bin_at, missing, total_g, total_h, parent_gain);
  return BestConstrained(node, feature, bin_at, missing, parent_gain);
}

// The reference scan: thresholds in order, each with missing rows right then left; the first best
// gain wins. The unconstrained searches below give exactly its choice, faster.
template <typename BinAt>
GbdtTreeBuilder::Split GbdtTreeBuilder::BestConstrained(const GbdtTrainNode& node, uint32_t feature, BinAt bin_at,
                                                        GbdtHistBin missing, double parent_gain) const {
  Split best;
  const uint32_t bins = data_.num_bins[feature];
  const bool has_missing = missing.h > 0;
  const double total_g = node.sum_g, total_h = node.sum_h, lambda = params_.lambda;
  const int monotone = params_.monotone.empty() ? 0 : params_.monotone[feature];
  auto consider = [&](double left_g, double left_h, uint32_t bin, bool default_left) {
    const double right_h = total_h - left_h;
    if (left_h < min_child_hess_ || right_h < min_child_hess_) return;
    const double right_g = total_g - left_g;
    const double wl = LeafWeight(left_g, left_h, node.lower, node.upper);
    const double wr = LeafWeight(right_g, right_h, node.lower, node.upper);
    if ((monotone > 0 && wl > wr) || (monotone < 0 && wl < wr)) return;
    const double gain =
        GainGivenWeight(left_g, left_h, lambda, wl) + GainGivenWeight(right_g, right_h, lambda, wr) - parent_gain;
    if (gain > best.gain) best = Split{gain, bin, default_left, left_g, left_h};
  };
  double left_g = 0, left_h = 0;
  for (uint32_t b = 0; b < bins; ++b) {
    const GbdtHistBin bin = bin_at(b);
    if (bin.h == 0 && b + 1 < bins) continue;  // same partition as the previous threshold
    left_g += bin.g;
    left_h += bin.h;
    if (left_h + missing.h < min_child_hess_) continue;  // too few rows on the left either way
    if (total_h - left_h < min_child_hess_) break;       // and from here on too few on the right
    if (b + 1 < bins || has_missing) consider(left_g, left_h, b, false);
    if (has_missing && b + 1 < bins) consider(left_g + missing.g, left_h + missing.h, b, true);
  }
  return best;
}

template <typename BinAt>
GbdtTreeBuilder::Split GbdtTreeBuilder::BestUnconstrained(uint32_t bins, BinAt bin_at, GbdtHistBin missing,
                                                          double total_g, double total_h,
                                                          double parent_gain) const {
  double left_g[256], left_h[256];
  uint32_t at[256];
  uint32_t n = 0;
  double g = 0, h = 0;
  for (uint32_t b = 0; b < bins; ++b) {
    const GbdtHistBin bin = bin_at(b);
    g += bin.g;
    h += bin.h;
    left_g[n] = g;
    left_h[n] = h;
    at[n] = b;
    n += (bin.h != 0) | (b + 1 == bins);  // an empty bin splits like the threshold before it
  }
  return BestOfPrefixes(bins, left_g, left_h, at, n, missing, total_g, total_h, parent_gain);
}

GbdtTreeBuilder::Split GbdtTreeBuilder::BestCountedUnconstrained(const uint64_t* counts, uint32_t bins,
                                                                 double total_g, double total_h,
                                                                 double parent_gain) const {
  // Prefix sums of the packed counts (integer adds, no chain of float latencies), then turned into
  // sums: exactly the float sums of the bins added in order, as both are exact.
  double left_g[256], left_h[256];
  uint64_t prefix[256];
  uint32_t at[256];
  uint32_t n = 0;
  uint64_t sum = 0;
  if (total_h >= 4.0 * bins) {  // nearly every bin holds rows: every threshold, without compaction
    for (uint32_t b = 0; b < bins; ++b) {
      sum += counts[b];
      prefix[b] = sum;
      at[b] = b;
    }
    n = bins;
  } else {  // thresholds of the non-empty bins (and the last)
    for (uint32_t b = 0; b < bins; ++b) {
      sum += counts[b];
      prefix[n] = sum;
      at[n] = b;
      n += (static_cast<uint32_t>(counts[b]) != 0) | (b + 1 == bins);  // '|': no branch on the data
    }
  }
  for (uint32_t k = 0; k < n; ++k) {  // CountsToSums with 32-bit signed ints, which SSE2 converts in pairs
    const auto count = static_cast<int32_t>(prefix[k] & 0xffffffffu);
    const auto positive = static_cast<int32_t>(prefix[k] >> 32);
    left_g[k] = positive * positive_g_ + (count - positive) * negative_g_;
    left_h[k] = count;
  }
  return BestOfPrefixes(bins, left_g, left_h, at, n, CountsToSums(counts[bins]), total_g, total_h, parent_gain);
}

GbdtTreeBuilder::Split GbdtTreeBuilder::BestOfPrefixes(uint32_t bins, const double* left_g, const double* left_h,
                                                       const uint32_t* at, uint32_t n, GbdtHistBin missing,
                                                       double total_g, double total_h, double parent_gain) const {
  // The split BestConstrained's scan would choose with unconstrained gains, found in passes: the
  // gains of all thresholds that change the partition in branch-free loops the compiler vectorises
  // (the divisions dominate), then the first best in the scan's order (threshold, then missing
  // right before missing left). Hessian sums are whole row counts, so the scan's early exits are
  // exactly the size checks here.
  const bool has_missing = missing.h > 0;
  if (!has_missing) --n;  // the last bin's threshold puts every row on the left (n >= 1: it is kept)
  double gain_right[256], gain_left[256];
  const double lambda = params_.lambda, min_h = min_child_hess_;
  // Gains of the thresholds k in [lo, hi) that leave enough rows on both sides (left sums grow with
  // k, so they are a range), -inf elsewhere; missing_g/h: the missing rows' sums sent left.
  auto gains = [&](double missing_g, double missing_h, double* gain) {
    uint32_t lo = 0, hi = n;
    // Empty bins may be among the thresholds: one after a non-empty bin splits like it, so with
    // the strict '>' below it never wins; leading ones have nothing before them and are skipped.
    while (lo < n && (left_h[lo] == 0 || left_h[lo] + missing_h < min_h)) ++lo;
    while (hi > lo && total_h - (left_h[hi - 1] + missing_h) < min_h) --hi;
    std::fill(gain, gain + lo, -std::numeric_limits<double>::infinity());
    for (uint32_t k = lo; k < hi; ++k) {  // no branches: the compiler vectorises the divisions
      const double lg = left_g[k] + missing_g, lh = left_h[k] + missing_h, rg = total_g - lg, rh = total_h - lh;
      gain[k] = lg * lg / (lh + lambda) + rg * rg / (rh + lambda) - parent_gain;
    }
    std::fill(gain + hi, gain + n, -std::numeric_limits<double>::infinity());
  };
  gains(0, 0, gain_right);  // missing rows (if any) go right
  if (has_missing) {
    gains(missing.g, missing.h, gain_left);
    if (n > 0 && at[n - 1] + 1 == bins) gain_left[n - 1] = -std::numeric_limits<double>::infinity();  // all left
  }
  Split best;
  for (uint32_t k = 0; k < n; ++k) {
    if (gain_right[k] > best.gain) best = Split{gain_right[k], at[k], false, left_g[k], left_h[k]};
    if (has_missing && gain_left[k] > best.gain) {
      best = Split{gain_left[k], at[k], true, left_g[k] + missing.g, left_h[k] + missing.h};
    }
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

uint32_t PartitionRows(const GbdtBinnedMatrix& data, const GbdtTrainNode& node, uint32_t* rows, uint32_t* scratch,
                       uint32_t begin, uint32_t end) {
  const auto feature = static_cast<uint32_t>(node.feature);
  const uint8_t* column = data.Column(feature);
  const uint32_t missing = data.MissingCode(feature), bin = node.bin;
  const bool default_left = node.default_left;
  // Branch-free: every row is written to both sides and only its side's cursor moves.
  uint32_t left = begin, right = begin;
  for (uint32_t i = begin; i < end; ++i) {
    const uint32_t row = rows[i];
    const uint32_t code = column[row];
    const bool go_left = code == missing ? default_left : code <= bin;
    rows[left] = row;
    scratch[right] = row;
    left += go_left;
    right += !go_left;
  }
  std::copy(scratch + begin, scratch + right, rows + left);
  return left;
}

void GbdtTreeBuilder::Partition(const GbdtTrainNode& node) {
  // (The bounds are copied: the row stores could alias the node, so its fields would be reloaded.)
  const uint32_t begin = node.begin, end = node.end;
  const uint32_t left = PartitionRows(data_, node, row_index_.data(), row_scratch_.data(), begin, end);
  nodes_[node.left].begin = begin;
  nodes_[node.left].end = left;
  nodes_[node.left + 1].begin = left;
  nodes_[node.left + 1].end = end;
}

void GbdtTreeBuilder::Build(const std::vector<uint32_t>& rows, const GbdtGradPair* gpair,
                            const std::vector<uint32_t>& features) {
  features_ = features;
  gpair_ = gpair;
  const size_t n = rows.size();
  const size_t num_features = features_.size();
  const size_t per_group = FeaturesPerGroup(), groups = (num_features + per_group - 1) / per_group;
  GbdtTrainNode root;
  if (counted_) {  // the sums from the counts, as for every histogram (no chain of float adds)
    uint64_t total = 0;
    for (size_t i = 0; i < n; ++i) {
      const uint32_t r = rows[i];
      row_index_[i] = r;
      // The sign bit, not '> 0': a compare became a branch, a coin flip per row (g is never 0).
      count_increment_[r] = 1 | static_cast<uint64_t>(!std::signbit(gpair[r].g)) << 32;
      total += count_increment_[r];
    }
    const GbdtHistBin sums = CountsToSums(total);
    root.sum_g = sums.g;
    root.sum_h = sums.h;
  } else {
    for (size_t i = 0; i < n; ++i) {
      const uint32_t r = rows[i];
      row_index_[i] = r;
      root.sum_g += gpair[r].g;
      root.sum_h += gpair[r].h;
    }
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
  const size_t buffers = counted_ ? count_pool_.size() : hist_pool_.size();
  for (uint32_t b = 0; b < buffers; ++b) free_hists_.push_back(static_cast<uint32_t>(buffers - 1 - b));

  std::vector<uint32_t> frontier;
  if (CanSplit(nodes_[0]) && num_features > 0) {
    const uint32_t buffer = AcquireHist();
    node_hist_[0] = buffer;
    candidates_.resize(num_features);
    pool_.Run(groups, [&](size_t group) {
      BuildGroup(nodes_[0], group, buffer);
      for (size_t k = group * per_group; k < std::min(num_features, (group + 1) * per_group); ++k) {
        candidates_[k] = EvaluateFeature(nodes_[0], features_[k], buffer);
      }
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
      const bool has_missing = HasMissing(f, node_hist_[id]);
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
    pool_.Run(groups, [&](size_t group) {
      for (size_t e = 0; e < expansions.size(); ++e) {
        const Expansion& x = expansions[e];
        BuildGroup(nodes_[x.small], group, node_hist_[x.small]);
        for (size_t k = group * per_group; k < std::min(num_features, (group + 1) * per_group); ++k) {
          const uint32_t f = features_[k];
          if (CanSplit(nodes_[x.small])) {
            candidates_[(2 * e) * num_features + k] = EvaluateFeature(nodes_[x.small], f, node_hist_[x.small]);
          }
          if (node_hist_[x.large] != UINT32_MAX) {
            SubtractFeature(f, node_hist_[x.large], node_hist_[x.small]);
            candidates_[(2 * e + 1) * num_features + k] = EvaluateFeature(nodes_[x.large], f, node_hist_[x.large]);
          }
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
