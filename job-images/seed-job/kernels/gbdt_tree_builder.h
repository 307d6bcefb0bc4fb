#pragma once
// Grows one regression tree on binned data, depth-wise like XGBoost's hist method: per level, the
// smaller child of every split gets its gradient histogram built from its rows and the larger one
// gets parent minus smaller (the subtraction trick). Work is split by feature, so every histogram
// cell is summed by a single thread in row order and the tree does not depend on the thread count.
#include <cstdint>
#include <limits>
#include <vector>

#include "kernels/gbdt.h"
#include "kernels/gbdt_binning.h"

namespace seed::kernels {

class GbdtThreadPool;

struct GbdtGradPair {
  float g = 0, h = 0;
};

struct GbdtHistBin {
  double g = 0, h = 0;
};

struct GbdtTrainNode {
  int32_t feature = -1;  // -1: leaf
  uint32_t bin = 0;      // rows with code <= bin go left (missing code: default side)
  double threshold = 0;  // the same split on raw values: x <= threshold goes left
  bool default_left = false;
  uint32_t left = 0;  // right child is left + 1
  double gain = 0;
  double sum_g = 0, sum_h = 0;
  double weight = 0;  // Newton leaf weight, clamped to [lower, upper], learning rate not applied
  double lower = -std::numeric_limits<double>::infinity();
  double upper = std::numeric_limits<double>::infinity();
  uint32_t begin = 0, end = 0;  // this node's rows are row_index()[begin, end)
  int depth = 0;
};

// Splits rows[begin, end) by `node`'s split, stably: the rows that go left first, then the others;
// returns where those start. scratch: room for `end` entries.
uint32_t PartitionRows(const GbdtBinnedMatrix& data, const GbdtTrainNode& node, uint32_t* rows, uint32_t* scratch,
                       uint32_t begin, uint32_t end);

class GbdtTreeBuilder {
 public:
  GbdtTreeBuilder(const GbdtBinnedMatrix& data, const GbdtParams& params, GbdtThreadPool& pool);

  // rows: the in-bag rows, ascending; gpair: one pair per data row; features: the columns this tree
  // may split on, ascending.
  void Build(const std::vector<uint32_t>& rows, const GbdtGradPair* gpair,
             const std::vector<uint32_t>& features);

  const std::vector<GbdtTrainNode>& nodes() const { return nodes_; }
  const uint32_t* row_index() const { return row_index_.data(); }

 private:
  struct Split {
    double gain = -std::numeric_limits<double>::infinity();
    uint32_t bin = 0;
    bool default_left = false;
    double left_g = 0, left_h = 0;
  };
  struct Expansion {
    uint32_t parent, small, large;
  };

  bool CanSplit(const GbdtTrainNode& node) const;
  double LeafWeight(double g, double h, double lower, double upper) const;
  double Gain(double g, double h, double lower, double upper) const;
  // Per feature of histogram buffer `buffer` (sums, or counts for the quantile loss):
  void BuildFeature(const GbdtTrainNode& node, uint32_t feature, uint32_t buffer);
  void SubtractFeature(uint32_t feature, uint32_t from, uint32_t buffer);  // from -= buffer
  Split EvaluateFeature(const GbdtTrainNode& node, uint32_t feature, uint32_t buffer) const;
  bool HasMissing(uint32_t feature, uint32_t buffer) const;

  // Histograms are built a group of features at a time: counts share a pass over the rows, four
  // features at a time on one thread, two when the groups are spread over threads (a group is a
  // task); sums one at a time. Group g holds features_[g * FeaturesPerGroup(), ...).
  size_t FeaturesPerGroup() const;
  void BuildGroup(const GbdtTrainNode& node, size_t group, uint32_t buffer);
  template <size_t K>
  void BuildCountsGroup(const GbdtTrainNode& node, const uint32_t* features, uint32_t buffer);
  void BuildHistogram(const GbdtTrainNode& node, uint32_t feature, GbdtHistBin* hist) const;
  void BuildCounts(const GbdtTrainNode& node, uint32_t feature, uint64_t* counts) const;
  GbdtHistBin CountsToSums(uint64_t packed) const;
  template <typename BinAt>
  Split EvaluateBins(const GbdtTrainNode& node, uint32_t feature, BinAt bin_at) const;
  template <typename BinAt>
  Split BestUnconstrained(uint32_t bins, BinAt bin_at, GbdtHistBin missing, double total_g, double total_h,
                          double parent_gain) const;
  template <typename BinAt>
  Split BestConstrained(const GbdtTrainNode& node, uint32_t feature, BinAt bin_at, GbdtHistBin missing,
                        double parent_gain) const;
  Split BestCountedUnconstrained(const uint64_t* counts, uint32_t bins, double total_g, double total_h,
                                 double parent_gain) const;
  // Over the thresholds at[0, n) (ascending; at least the non-empty bins' and the last), with their
  // left sums, as BestConstrained would choose.
  Split BestOfPrefixes(uint32_t bins, const double* left_g, const double* left_h, const uint32_t* at, uint32_t n,
                       GbdtHistBin missing, double total_g, double total_h, double parent_gain) const;
  void ChooseSplit(uint32_t node_id, const Split* per_feature);
  void Partition(const GbdtTrainNode& node);
  uint32_t AcquireHist();
  GbdtHistBin* Hist(uint32_t buffer) { return hist_pool_[buffer].data(); }
  uint64_t* Counts(uint32_t buffer) { return count_pool_[buffer].data(); }

  const GbdtBinnedMatrix& data_;
  const GbdtParams& params_;
  GbdtThreadPool& pool_;
  const double min_child_hess_;
  const bool constrained_;

  std::vector<GbdtTrainNode> nodes_;
  std::vector<uint32_t> features_;
  // The quantile loss's gradient takes one of two values (below or above the quantile) with a unit
  // hessian, so its histograms are counts: per row one 64-bit add of 1 | positive << 32, turned
  // into sums afterwards: the sums of adding the floats one by one, which are exact in double for
  // all but enormous row counts (and where they are not, the counts are the more accurate).
  const bool counted_;
  const double positive_g_, negative_g_;  // the two gradient values, as the trainer stores them

  std::vector<uint32_t> row_index_, row_scratch_;
  const GbdtGradPair* gpair_ = nullptr;  // per data row, as given to Build
  std::vector<uint64_t> count_increment_;  // per data row, for counted histograms
  std::vector<std::vector<GbdtHistBin>> hist_pool_;  // histogram buffers (sums)
  std::vector<std::vector<uint64_t>> count_pool_;    // or, when counted_, these
  std::vector<uint32_t> free_hists_;
  std::vector<uint32_t> node_hist_;  // histogram buffer of each node still to be split
  std::vector<Split> candidates_;    // per (node, feature) of the current level
  std::vector<double> best_gain_;    // per node: gain of the chosen split (-inf: none)
  std::vector<Split> best_split_;
  std::vector<uint32_t> best_feature_;
};

}  // namespace seed::kernels
