#pragma once
// GEFCom2012 wind track (Hong, Pinson & Fan 2014): loading the competition files and building the
// per-farm feature rows used by the benchmark (16 NWP features, 22 with recent power).
#include <cstdint>
#include <string>
#include <vector>

namespace seed::bench {

constexpr int kFarms = 7;
constexpr int kHorizons = 48;

struct GefcomData {
  int64_t first_hour = 0;  // hours since 1970-01-01T00Z of index 0
  size_t hours = 0;
  std::vector<std::vector<double>> power;  // [farm][hour]: train.csv only (test hours stay NaN)
  std::vector<uint8_t> in_train;           // [hour]
  std::vector<std::vector<double>> truth;  // [farm][hour]: test.csv values, NaN elsewhere
  std::vector<int64_t> test_hours;         // every test.csv hour, in file order
  // nwp[farm][((issue - first_hour) / 12 * 48 + hors - 1) * 4 + k], k: u, v, ws, wd; NaN when absent.
  std::vector<std::vector<double>> nwp;
  size_t issues = 0;
};

// Reads train.csv, test.csv and windforecasts_wf1..7.csv from `folder`; throws std::runtime_error
// naming the file and line on anything unexpected.
GefcomData LoadGefcom(const std::string& folder);

struct FeatureTable {
  std::vector<std::string> names;
  size_t cols = 0;
  std::vector<double> x, y;   // row-major features, targets
  std::vector<int> horizon;   // h of each row
  std::vector<int64_t> hour;  // target hour index of each row
  size_t rows() const { return y.size(); }
  // The rows for which keep(i) is true, in order.
  template <typename Keep>
  FeatureTable Subset(Keep keep) const {
    FeatureTable out;
    out.names = names;
    out.cols = cols;
    for (size_t i = 0; i < rows(); ++i) {
      if (!keep(i)) continue;
      out.x.insert(out.x.end(), x.begin() + i * cols, x.begin() + (i + 1) * cols);
      out.y.push_back(y[i]);
      out.horizon.push_back(horizon[i]);
      out.hour.push_back(hour[i]);
    }
    return out;
  }
};

// Training rows: every 00/12 UTC hour with known power is a pseudo window start t0, and every
// t0 + h (h = 1..48) with known power is a row. Test rows: the 156 evaluation windows, t0 being the
// last known hour before each. with_power adds the 6 recent-power features.
FeatureTable TrainingRows(const GefcomData& data, int farm, bool with_power, size_t* starts = nullptr);
FeatureTable TestRows(const GefcomData& data, int farm, bool with_power, size_t* windows = nullptr);

// A calibration split that mimics the competition inside the training data: 48-hour windows after
// 00/12 UTC starts whose 48 hours are all known, one every `spacing_hours`, become the "test" of the
// returned data (their power hidden from every feature and target, their truth kept for scoring);
// everything else stays known. TrainingRows/TestRows of the result give the fitting and the
// calibration rows.
GefcomData HoldOutWindows(const GefcomData& data, int64_t spacing_hours);

}  // namespace seed::bench
