#pragma once
// Quantile binning of a feature matrix for histogram GBDT: per feature at most `max_bins` cut points
// chosen from the sorted values, and a column-major matrix of uint8 bin codes.
#include <cstddef>
#include <cstdint>
#include <vector>

namespace seed::kernels {

class GbdtThreadPool;

struct GbdtBinnedMatrix {
  size_t rows = 0, cols = 0;
  // Column f's codes are codes[f * rows .. (f + 1) * rows). Code b < num_bins[f] means
  // thresholds[f][b - 1] < x <= thresholds[f][b] (open-ended at both ends); code num_bins[f] is NaN.
  std::vector<uint8_t> codes;
  std::vector<std::vector<double>> thresholds;  // num_bins[f] - 1 increasing upper bounds
  std::vector<uint32_t> num_bins;               // non-missing bins of each feature, >= 1
  std::vector<uint32_t> hist_offset;            // start of feature f in a histogram; size cols + 1

  const uint8_t* Column(size_t f) const { return codes.data() + f * rows; }
  uint32_t MissingCode(size_t f) const { return num_bins[f]; }
  uint32_t HistSize() const { return hist_offset.back(); }
};

// Cut points from the sorted non-missing values: midpoints between distinct values when there are
// at most max_bins of them, otherwise midpoints at (roughly) equal-count quantiles, so heavy ties
// (e.g. many exact zeros) keep a bin of their own. Rejects infinities with std::invalid_argument.
std::vector<double> GbdtCutPoints(std::vector<double> values, int max_bins);

// x is row-major rows x cols; NaN = missing. Columns are binned in parallel on `pool`.
GbdtBinnedMatrix BinMatrix(const double* x, size_t rows, size_t cols, int max_bins, GbdtThreadPool& pool);

}  // namespace seed::kernels
