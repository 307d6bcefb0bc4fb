#include "kernels/features.h"

#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "io/csv.h"

namespace seed::kernels {
namespace {

// 15-min NWP rows with one missing quarter hour (rows 0..5 are quarters 0..5, row k >= 6 is quarter
// k + 1), so ws_prev/ws_next find some neighbours and miss others.
io::Frame Nwp() {
  std::vector<int64_t> time;
  for (int64_t k = 0; k < 20; ++k) time.push_back(1704067200 + 900 * (k < 6 ? k : k + 1));
  io::Frame f = io::MakeFrame(time, 480);
  std::vector<double> ws, wd, sd, ghi;
  for (size_t k = 0; k < time.size(); ++k) {
    ws.push_back(3 + 0.5 * static_cast<double>(k));
    wd.push_back(k == 9 ? std::nan("") : 10.0 * static_cast<double>(k));
    sd.push_back(0.1 * static_cast<double>(k));
    ghi.push_back(50.0 * static_cast<double>(k));
  }
  f.Set("ws", ws);
  f.Set("wd", wd);
  f.Set("ws_sd", sd);
  f.Set("ghi", ghi);
  return f;
}

void ExpectSameRow(const std::vector<double>& full, size_t full_row, const std::vector<double>& part, size_t part_row,
                   size_t cols) {
  for (size_t c = 0; c < cols; ++c) {
    const double want = full[full_row * cols + c], got = part[part_row * cols + c];
    if (std::isnan(want)) {
      EXPECT_TRUE(std::isnan(got)) << "row " << full_row << " column " << c;
    } else {
      EXPECT_EQ(got, want) << "row " << full_row << " column " << c;
    }
  }
}

TEST(Features, SelectedRowsEqualTheFullMatrix) {
  const io::Frame nwp = Nwp();
  FeatureSource source;
  source.latitude = 41.1;
  source.longitude = 114.7;
  std::vector<std::string> names = DefaultWindFeatures(nwp, source);
  for (const char* solar : {"ghi", "cos_zenith", "clearsky_ghi", "clearsky_index"}) names.emplace_back(solar);
  const size_t cols = names.size();
  const std::vector<double> full = BuildFeatures(nwp, names, source);
  ASSERT_EQ(full.size(), nwp.Rows() * cols);
  // ws_prev is 4 rows back only where the hour before exists: not at rows 0..3, nor across the gap.
  EXPECT_TRUE(std::isnan(full[2 * cols + 3]));
  EXPECT_EQ(full[10 * cols + 3], nwp.Column("ws")[6]);  // quarter 11 looks back to quarter 7 = row 6
  EXPECT_TRUE(std::isnan(full[9 * cols + 3]));          // quarter 10 looks back to the missing quarter 6
  EXPECT_EQ(full[5 * cols + 4], nwp.Column("ws")[8]);   // ws_next: quarter 5 looks ahead to quarter 9 = row 8
  const std::vector<size_t> rows = {19, 0, 9, 10, 5, 5, 12};
  const std::vector<double> part = BuildFeatures(nwp, names, source, rows);
  ASSERT_EQ(part.size(), rows.size() * cols);
  for (size_t k = 0; k < rows.size(); ++k) ExpectSameRow(full, rows[k], part, k, cols);
  EXPECT_TRUE(BuildFeatures(nwp, names, source, std::vector<size_t>{}).empty());
  EXPECT_THROW(BuildFeatures(nwp, names, source, std::vector<size_t>{20}), std::out_of_range);
}

}  // namespace
}  // namespace seed::kernels
