// forecast reads only the NWP lines around its target times: the forecast must be the one the
// whole file gives, and a bad line among them must still be reported with the file's line number.
#include <gtest/gtest.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include "command_test.h"
#include "commands/commands.h"
#include "io/atomic_file.h"
#include "io/csv.h"
#include "io/input_error.h"
#include "io/time.h"
#include "kernels/features.h"
#include "kernels/model.h"

namespace seed::commands {
namespace {

namespace fs = std::filesystem;

class ForecastCommandTest : public CommandTest {
 protected:
  void SetUp() override {
    CommandTest::SetUp();
    // 30 days of 15-min NWP and power: the power follows the wind speed's cube.
    const int64_t start = io::ParseRfc3339("2024-03-01T00:00:00+08:00").unix_seconds;
    std::string nwp = "time,ws,wd\n", power = "time,power_mw\n";
    for (int i = 0; i < 30 * 96; ++i) {
      const std::string time = io::FormatRfc3339(start + int64_t{i} * io::kQuarterHour, 480);
      const double ws = (i * 37 % 113) / 8.0;
      nwp += time + "," + std::to_string(ws) + "," + std::to_string(i * 53 % 360) + "\n";
      lines_.push_back(nwp.size());
      power += time + "," + std::to_string(std::min(50.0, ws * ws * ws / 40)) + "\n";
    }
    io::WriteFileAtomic(Path("nwp.csv"), nwp);
    io::WriteFileAtomic(Path("power.csv"), power);
    Run({"train", "--nwp", Path("nwp.csv"), "--measurements", Path("power.csv"), "--capacity", "50",
         "--trees", "20", "--validation-days", "0", "--early-stopping", "0", "--threads", "1", "--out",
         Path("model.json")});
  }



  // Days 10 to 12 of the file.
  std::string Backtest(const std::string& nwp, const std::string& out) {
    Run({"forecast", "--model", Path("model.json"), "--nwp", nwp, "--from", "2024-03-11T00:00:00+08:00",
         "--to", "2024-03-13T00:00:00+08:00", "--out", Path(out)});
    return io::ReadFile(Path(out));
  }

  std::vector<size_t> lines_;  // end offset of each data row's line in nwp.csv
};

TEST_F(ForecastCommandTest, ReadingTheNeededLinesGivesTheWholeFilesForecast) {
  // The reference: the whole file parsed, the features built and the model applied without the
  // command, as forecast did before it read only the lines it needs.
  const io::Frame nwp = io::ReadCsv(Path("nwp.csv"));
  const kernels::ModelArtifact model = kernels::LoadModel(Path("model.json"));
  const kernels::Predictor predictor(model);
  const int64_t from = io::ParseRfc3339("2024-03-11T00:00:00+08:00").unix_seconds, to = from + 2 * io::kDay;
  std::vector<size_t> rows;
  std::vector<int64_t> times;
  for (size_t r = 0; r < nwp.Rows(); ++r) {
    if (nwp.time[r] >= from && nwp.time[r] < to) rows.push_back(r), times.push_back(nwp.time[r]);
  }
  const std::vector<double> x = kernels::BuildFeatures(nwp, model.features, model.source, rows);
  const size_t nq = model.quantiles.size();
  std::vector<double> predicted(rows.size() * nq), column(rows.size());
  predictor.PredictBatch(x.data(), rows.size(), predicted.data(), 1);
  io::Frame expected = io::MakeFrame(times, nwp.utc_offset_minutes);
  auto quantile = [&](size_t q) {
    for (size_t k = 0; k < rows.size(); ++k) column[k] = predicted[k * nq + q];
    return column;
  };
  expected.Set("forecast_mw", quantile(1));
  for (size_t q = 0; q < nq; ++q) expected.Set(kernels::QuantileColumn(model.quantiles[q]), quantile(q));
  ASSERT_EQ(model.quantiles, (std::vector<double>{0.1, 0.5, 0.9}));
  EXPECT_EQ(Backtest(Path("nwp.csv"), "a.csv"), io::FormatCsv(expected));
}

TEST_F(ForecastCommandTest, ABadLineAmongTheNeededOnesIsReportedWithTheFilesLineNumber) {
  std::string text = io::ReadFile(Path("nwp.csv"));
  // Data row 10 * 96 + 5, counted from 0 (line 10 * 96 + 7 of the file): a wind speed "fast".
  const size_t row = 10 * 96 + 5, line = row + 2, comma = text.find(',', lines_[row - 1]);
  text.replace(comma + 1, text.find(',', comma + 1) - comma - 1, "fast");
  io::WriteFileAtomic(Path("bad.csv"), text);
  try {
    Backtest(Path("bad.csv"), "c.csv");
    FAIL() << "a text wind speed was accepted";
  } catch (const io::InputError& e) {
    EXPECT_NE(std::string(e.what()).find("bad.csv:" + std::to_string(line) + ":"), std::string::npos)
        << e.what();
  }
}

}  // namespace
}  // namespace seed::commands
