#include "kernels/gbdt_binning.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <stdexcept>
#include <string>

#include "kernels/gbdt_thread_pool.h"

namespace seed::kernels {
namespace {

// Enough rows for cut points accurate to well under one bin; beyond this, every k-th row is used.
constexpr size_t kMaxSketchRows = 1 << 18;

// What std::lower_bound(cuts, cuts + n, v) - cuts gives (n >= 1), without a branch per level: for
// values spread over the bins each level is a coin flip, which mispredicted costs more than the
// comparison itself.
size_t LowerBoundIndex(const double* cuts, size_t n, double v) {
  const double* base = cuts;
  while (n > 1) {  // the answer stays in [base, base + n]
    const size_t half = n / 2;
    base = base[half] < v ? base + half : base;
    n -= half;
  }
  return static_cast<size_t>(base - cuts) + (*base < v);
}

// Sorts values (no NaN) ascending, as std::sort does, by an LSD radix sort on their bit patterns
// mapped to unsigned integers in the same order (sign bit flipped for positives, all bits for
// negatives): a byte per pass, skipping the bytes all values share (the sign and most of the
// exponent, typically). A comparison sort mispredicts a branch per comparison on such data.
// (-0 and +0 compare equal and come out -0 first; both give the same cut points.)
void SortValues(std::vector<double>& values) {
  const size_t n = values.size();
  std::vector<uint64_t> keys(n), scratch(n);
  std::vector<std::array<size_t, 256>> counts(8, std::array<size_t, 256>{});
  for (size_t i = 0; i < n; ++i) {
    uint64_t bits;
    std::memcpy(&bits, &values[i], sizeof bits);
    const uint64_t key = bits ^ ((0 - (bits >> 63)) | (uint64_t{1} << 63));
    keys[i] = key;
    for (int b = 0; b < 8; ++b) ++counts[b][(key >> (8 * b)) & 0xff];
  }
  for (int b = 0; b < 8; ++b) {
    const int shift = 8 * b;
    if (n == 0 || counts[b][(keys[0] >> shift) & 0xff] == n) continue;  // every value has this byte
    size_t offset[256];
    size_t sum = 0;
    for (int d = 0; d < 256; ++d) {
      offset[d] = sum;
      sum += counts[b][d];
    }
    for (size_t i = 0; i < n; ++i) scratch[offset[(keys[i] >> shift) & 0xff]++] = keys[i];
    keys.swap(scratch);
  }
  for (size_t i = 0; i < n; ++i) {
    const uint64_t key = keys[i];
    const uint64_t bits = key >> 63 ? key ^ (uint64_t{1} << 63) : ~key;
    std::memcpy(&values[i], &bits, sizeof bits);
  }
}

}  // namespace

std::vector<double> GbdtCutPoints(std::vector<double> values, int max_bins) {
  SortValues(values);
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
      column[r] = static_cast<uint8_t>(std::isnan(v)        ? missing
                                       : cuts.empty() ? 0
                                                      : LowerBoundIndex(cuts.data(), cuts.size(), v));
    }
  });
  m.hist_offset.resize(cols + 1);
  for (size_t f = 0; f < cols; ++f) m.hist_offset[f + 1] = m.hist_offset[f] + m.num_bins[f] + 1;
  return m;
}

}  // namespace seed::kernels
