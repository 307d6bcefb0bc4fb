// 99 quantiles end to end through the commands: synth -> qc -> train (0.01:0.99:0.01, fitted
// through anchor models) -> forecast -> evaluate, with every level present, ordered, and none of
// them a flat slab.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <iostream>
#include <nlohmann/json.hpp>

#include "command_test.h"
#include "io/csv.h"
#include "io/json_file.h"

namespace seed::commands {
namespace {

TEST_F(CommandTest, NinetyNineQuantilesFromFifteenModels) {
  Run({"synth", "--kind", "wind", "--days", "90", "--capacity", "50", "--seed", "5", "--out-dir", Path("plant")});
  Run({"qc", "--kind", "wind", "--in", Path("plant/measurements.csv"), "--out", Path("clean.csv"), "--report",
       Path("qc.json"), "--capacity", "50"});
  Run({"train", "--kind", "wind", "--nwp", Path("plant/nwp.csv"), "--measurements", Path("clean.csv"), "--capacity",
       "50", "--quantiles", "0.01:0.99:0.01", "--trees", "120", "--threads", "2", "--until",
       "2024-03-11T00:00:00+08:00", "--speed-column", "ec_ws", "--direction-column", "ec_wd", "--out",
       Path("model.json")});
  const nlohmann::json model = io::ReadJsonFile(Path("model.json"));
  EXPECT_EQ(model["quantiles"].size(), 99u);
  EXPECT_EQ(model["parameters"]["anchors"].size(), 15u);
  EXPECT_EQ(model["parameters"]["models"].size(), 15u);
  EXPECT_GE(model["parameters"]["earlyStopping"]["trees"].get<int>(), 12) << "under 10 % of --trees";
  std::cout << "99-quantile artifact: " << std::filesystem::file_size(Path("model.json")) << " bytes, "
            << model["parameters"]["earlyStopping"]["trees"] << " trees per model\n";

  Run({"forecast", "--model", Path("model.json"), "--nwp", Path("plant/nwp.csv"), "--from",
       "2024-03-11T00:00:00+08:00", "--to", "2024-03-31T00:00:00+08:00", "--out", Path("forecast.csv")});
  const io::Frame forecast = io::ReadCsv(Path("forecast.csv"));
  ASSERT_EQ(forecast.names.size(), 1u + 99);  // forecast_mw, p1..p99
  for (size_t r = 0; r < forecast.Rows(); ++r) {
    for (int q = 2; q <= 99; ++q) {
      ASSERT_LE(forecast.Column("p" + std::to_string(q - 1))[r], forecast.Column("p" + std::to_string(q))[r])
          << "row " << r << ": quantiles cross";
    }
  }

  Run({"evaluate", "--forecast", Path("forecast.csv"), "--actual", Path("clean.csv"), "--capacity", "50"});
  const nlohmann::json reliability = Results()["reliability"];
  ASSERT_EQ(reliability.size(), 99u);
  for (const auto& level : reliability) {
    EXPECT_FALSE(level["degenerate"].get<bool>()) << level.dump();
    // The gap is the level's distance to [below_rate, hit_rate].
    const double tau = level["tau"], below = level["below_rate"], hit = level["hit_rate"];
    EXPECT_LE(below, hit) << level.dump();
    EXPECT_DOUBLE_EQ(level["gap"].get<double>(), std::max({0.0, below - tau, tau - hit})) << level.dump();
  }
}

}  // namespace
}  // namespace seed::commands
