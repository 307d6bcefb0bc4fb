#include "kernels/gbdt_binning.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>

#include "kernels/gbdt_thread_pool.h"

namespace seed::kernels {
namespace {

// Enough rows for cut points accurate to well under one bin; beyond this, every k-th row is used.
constexpr size_t kMaxSketchRows = 1 << 18;

}  // namespace

std::vector<double> GbdtCutPoints(std::vector<double> values, int max_bins) {
  std::sort(values.begin(), values.end());
  std::vector<double> distinct;
  std::vector<size_t> counts;
  for (double v : values) {
    if (!distinct.empty() && distinct.back() == v) {
      ++counts.back();
    } else {
      distinct.push_back(v);
      counts.push_back(1);
    }
  }
  std::vector<double> cuts;
  if (distinct.size() <= static_cast<size_t>(max_bins)) {
    for (size_t i = 0; i + 1 < distinct.size(); ++i)
      cuts.push_back(distinct[i] + (distinct[i + 1] - distinct[i]) / 2);
    return cuts;
  }
  // Walk the distinct values and close a bin once it holds its share of the remaining rows, so a
  // value with many ties ends a bin instead of swallowing the quantiles after it.
  const size_t n = values.size();
  size_t used = 0, in_bin = 0;
  int bins_left = max_bins;
  for (size_t i = 0; i + 1 < distinct.size() && bins_left > 1; ++i) {
    in_bin += counts[i];
    const double share = static_cast<double>(n - used) / bins_left;
    const bool next_overflows = in_bin + counts[i + 1] > share;
    if (in_bin >= share || (next_overflows && in_bin >= share / 2)) {
      cuts.push_back(distinct[i] + (distinct[i + 1] - distinct[i]) / 2);
      used += in_bin;
      in_bin = 0;
      --bins_left;
    }
  }
  return cuts;
}

GbdtBinnedMatrix BinMatrix(const double* x, size_t rows, size_t cols, int max_bins, GbdtThreadPool& pool) {
  if (max_bins < 2 || max_bins > 255) {
    throw std::invalid_argument("gbdt: max_bins must be in 2..255 (one more code is kept for missing), got " +
                                std::to_string(max_bins));
  }
  GbdtBinnedMatrix m;
  m.rows = rows;
  m.cols = cols;
  m.codes.resize(rows * cols);
  m.thresholds.resize(cols);
  m.num_bins.resize(cols);
  const size_t step = rows > kMaxSketchRows ? (rows + kMaxSketchRows - 1) / kMaxSketchRows : 1;
  pool.Run(cols, [&](size_t f) {
    std::vector<double> values;
    values.reserve(rows / step + 1);
    for (size_t r = 0; r < rows; ++r) {
      const double v = x[r * cols + f];
      if (std::isinf(v)) {
        throw std::invalid_argument("gbdt: feature " + std::to_string(f) + " of row " + std::to_string(r) +
                                    " is infinite; use NaN (missing) or a finite value");
      }
      if (r % step == 0 && !std::isnan(v)) values.push_back(v);
    }
    std::vector<double>& cuts = m.thresholds[f];
    cuts = GbdtCutPoints(std::move(values), max_bins);
    const uint32_t missing = static_cast<uint32_t>(cuts.size() + 1);
    m.num_bins[f] = missing;
    uint8_t* column = m.codes.data() + f * rows;
    for (size_t r = 0; r < rows; ++r) {
      const double v = x[r * cols + f];
      column[r] = static_cast<uint8_t>(
          std::isnan(v) ? missing : std::lower_bound(cuts.begin(), cuts.end(), v) - cuts.begin());
    }
  });
  m.hist_offset.resize(cols + 1);
  for (size_t f = 0; f < cols; ++f) m.hist_offset[f + 1] = m.hist_offset[f] + m.num_bins[f] + 1;
  return m;
}

}  // namespace seed::kernels
