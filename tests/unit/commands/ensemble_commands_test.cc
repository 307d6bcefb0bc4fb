// `train --model ensemble` and `--point mean` through the commands: synth -> qc -> train -> forecast
// -> evaluate, with the stacking that chose the weights checked against the scores it gave.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <nlohmann/json.hpp>

#include "command_test.h"
#include "io/csv.h"
#include "io/input_error.h"
#include "io/json_file.h"
#include "kernels/model.h"
#include "kernels/quantile_set.h"

namespace seed::commands {
namespace {

class EnsembleCommandsTest : public CommandTest {
 protected:
  void SetUp() override {
    CommandTest::SetUp();
    Run({"synth", "--kind", "wind", "--days", "120", "--capacity", "50", "--seed", "11", "--out-dir", Path("plant")});
    Run({"qc", "--kind", "wind", "--in", Path("plant/measurements.csv"), "--out", Path("clean.csv"), "--report",
         Path("qc.json"), "--capacity", "50"});
  }

  // train on everything before 2024-04-10 with the given extra flags.
  void Train(std::vector<std::string> extra) {
    std::vector<std::string> args = {"train", "--kind", "wind", "--nwp", Path("plant/nwp.csv"), "--measurements",
                                     Path("clean.csv"), "--capacity", "50", "--quantiles", "0.05:0.95:0.05",
                                     "--trees", "80", "--threads", "2", "--until", "2024-04-10T00:00:00+08:00",
                                     "--speed-column", "ec_ws", "--direction-column", "ec_wd", "--out",
                                     Path("model.json")};
    args.insert(args.end(), extra.begin(), extra.end());
    Run(args);
  }

  io::Frame Forecast() {
    Run({"forecast", "--model", Path("model.json"), "--nwp", Path("plant/nwp.csv"), "--from",
         "2024-04-10T00:00:00+08:00", "--to", "2024-04-30T00:00:00+08:00", "--out", Path("forecast.csv")});
    return io::ReadCsv(Path("forecast.csv"));
  }
};

TEST_F(EnsembleCommandsTest, StackedMembersScoreNoWorseThanTheBestAloneAndForecastTheMean) {
  Train({"--model", "ensemble", "--members", "gbdt,gbdt-mean,linear", "--point", "mean"});
  const nlohmann::json model = io::ReadJsonFile(Path("model.json"));
  EXPECT_EQ(model["kind"], "ensemble");
  EXPECT_EQ(model["point"], "mean");
  const nlohmann::json& stacking = model["parameters"]["stacking"];
  ASSERT_EQ(stacking["weights"].size(), 3u);
  double total = 0;
  for (double w : stacking["weights"]) total += w;
  EXPECT_NEAR(total, 1.0, 1e-12);
  const double ensemble = stacking["validationPinball"]["ensemble"];
  for (double member : stacking["validationPinball"]["members"]) EXPECT_LE(ensemble, member + 1e-12);
  // The artifact keeps the members with weight, and its validation score is the stacked loss.
  size_t weighted = 0;
  for (double w : stacking["weights"]) weighted += w > 0;
  EXPECT_EQ(model["parameters"]["members"].size(), weighted);
  for (const auto& member : model["parameters"]["members"]) EXPECT_GT(member["weight"].get<double>(), 0);
  EXPECT_NEAR(model["scores"]["validation"]["npinball"].get<double>() * 50, ensemble, 1e-9);

  const io::Frame forecast = Forecast();
  const std::vector<double> levels = kernels::ParseQuantiles("0.05:0.95:0.05");
  ASSERT_EQ(forecast.names.size(), 1 + levels.size());
  for (size_t r = 0; r < forecast.Rows(); ++r) {
    std::vector<double> q;
    for (double tau : levels) q.push_back(forecast.Column(kernels::QuantileColumn(tau))[r]);
    for (size_t k = 1; k < q.size(); ++k) ASSERT_LE(q[k - 1], q[k]) << "row " << r << ": quantiles cross";
    // The CSV holds 4 decimals.
    ASSERT_NEAR(forecast.Column("forecast_mw")[r], kernels::QuantileFunctionMean(levels, q.data()), 2e-4) << r;
  }
  Run({"evaluate", "--forecast", Path("forecast.csv"), "--actual", Path("clean.csv"), "--capacity", "50"});
  const nlohmann::json results = Results();  // a range-for over a member of the temporary would dangle
  for (const auto& level : results["reliability"]) EXPECT_FALSE(level["degenerate"].get<bool>()) << level.dump();
}

TEST_F(EnsembleCommandsTest, TreesForTheMeanGiveBandsFromHeldOutResiduals) {
  Train({"--model", "gbdt-mean"});
  const nlohmann::json model = io::ReadJsonFile(Path("model.json"));
  EXPECT_EQ(model["kind"], "gbdt-mean");
  EXPECT_EQ(model["parameters"]["models"].size(), 1u);
  EXPECT_GE(model["parameters"]["earlyStopping"]["trees"].get<int>(), 8);
  const io::Frame forecast = Forecast();
  const io::Frame clean = io::ReadCsv(Path("clean.csv"));
  size_t inside = 0, scored = 0;
  for (size_t r = 0, k = 0; r < forecast.Rows(); ++r) {
    while (k < clean.Rows() && clean.time[k] < forecast.time[r]) ++k;
    if (k == clean.Rows() || clean.time[k] != forecast.time[r] || std::isnan(clean.Column("power_mw")[k])) continue;
    const double y = clean.Column("power_mw")[k];
    ++scored;
    inside += y >= forecast.Column("p5")[r] && y <= forecast.Column("p95")[r];
  }
  ASSERT_GT(scored, 1000u);
  // Residuals of a fit that never saw them: a 90 % band holds about 90 % of new days' outcomes
  // (training residuals of the same trees would give a band far too narrow).
  EXPECT_NEAR(static_cast<double>(inside) / static_cast<double>(scored), 0.9, 0.08);
}

TEST_F(EnsembleCommandsTest, BadMembersAreUsageErrors) {
  EXPECT_THROW(Train({"--model", "ensemble", "--members", "gbdt,gbdt,gbdt,linear,linear"}), io::UsageError);
  EXPECT_THROW(Train({"--model", "ensemble", "--members", "gbdt,deepar"}), io::UsageError);
  EXPECT_THROW(Train({"--model", "ensemble", "--members", "gbdt,pvwatts"}), io::UsageError);
  EXPECT_THROW(Train({"--model", "ensemble", "--members", "gbdt,powercurve", "--features", "u,v"}), io::UsageError);
}

}  // namespace
}  // namespace seed::commands
