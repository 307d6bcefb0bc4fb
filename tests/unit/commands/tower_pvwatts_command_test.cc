// The new subcommand paths end to end, in process: `synth --kind tower` -> `tower` -> `report
// --tower`, and a synthetic solar plant through `train --model pvwatts`, `train --model gbdt` on the
// physical model's output, and `forecast`.
#include <gtest/gtest.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <atomic>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include "commands/commands.h"
#include "io/atomic_file.h"
#include "io/csv.h"
#include "io/input_error.h"
#include "io/json_file.h"
#include "kernels/model.h"

namespace seed::commands {
namespace {

namespace fs = std::filesystem;

class CommandTest : public ::testing::Test {
 protected:
  void SetUp() override {
    static std::atomic<int> counter{0};
    dir_ = fs::temp_directory_path() /
           ("seed_tower_pv_" + std::to_string(::getpid()) + "_" + std::to_string(counter++));
    fs::create_directories(dir_);
    ::setenv("SEED_RESULTS_FILE", Path("results.json").c_str(), 1);
  }
  void TearDown() override {
    ::unsetenv("SEED_RESULTS_FILE");
    fs::remove_all(dir_);
  }
  std::string Path(const std::string& name) const { return (dir_ / name).string(); }
  static void Run(std::vector<std::string> args) {
    CLI::App app{"seed-job"};
    app.require_subcommand(1);
    AddSynth(app);
    AddTrain(app);
    AddForecast(app);
    AddReport(app);
    AddTower(app);
    std::vector<std::string> reversed(args.rbegin(), args.rend());
    app.parse(reversed);
  }
  nlohmann::json Results() const { return io::ReadJsonFile(Path("results.json")); }

  fs::path dir_;
};

TEST_F(CommandTest, TowerFromSynthToReport) {
  Run({"synth", "--kind", "tower", "--days", "120", "--out-dir", dir_.string()});
  Run({"tower", "--data", Path("tower.csv"), "--out", Path("tower.json")});
  const nlohmann::json stats = io::ReadJsonFile(Path("tower.json"));
  EXPECT_EQ(stats["format"], "seed.dev/tower");
  EXPECT_EQ(stats["rows"], 120 * 96);
  EXPECT_EQ(stats["shear"].size(), 4u);
  const nlohmann::json results = Results();
  EXPECT_EQ(results["rows"], 120 * 96);
  EXPECT_NEAR(results["weibull_k"].get<double>(), 2.0, 0.2);
  EXPECT_TRUE(results["shear_alpha"].is_number());

  // A forecast and actuals to report on, with the tower section beside them.
  const int64_t start = 1704038400;
  io::Frame f = io::MakeFrame({start, start + 900, start + 1800}, 480),
            a = io::MakeFrame({start, start + 900, start + 1800}, 480);
  f.Set("forecast_mw", {10, 20, 30});
  f.Set("p10", {5, 15, 25});
  f.Set("p90", {15, 25, 35});
  a.Set("power_mw", {12, 18, 40});
  io::WriteCsv(Path("forecast.csv"), f);
  io::WriteCsv(Path("actual.csv"), a);
  Run({"report", "--forecast", Path("forecast.csv"), "--actual", Path("actual.csv"), "--capacity", "50",
       "--tower", Path("tower.json"), "--out", Path("report.html")});
  const std::string html = io::ReadFile(Path("report.html"));
  EXPECT_NE(html.find("<section id=\"tower\">"), std::string::npos);
  EXPECT_NE(html.find("aria-label=\"wind rose at 70 m\""), std::string::npos);
  EXPECT_NE(html.find("aria-label=\"turbulence intensity\""), std::string::npos);
  EXPECT_NE(html.find("Weibull fit"), std::string::npos);
  EXPECT_NE(html.find("10&ndash;70 m"), std::string::npos);
  // A file that is not tower statistics is refused with its name.
  io::WriteFileAtomic(Path("other.json"), "{\"format\": \"seed.dev/model\"}");
  try {
    Run({"report", "--forecast", Path("forecast.csv"), "--actual", Path("actual.csv"), "--capacity", "50",
         "--tower", Path("other.json"), "--out", Path("report2.html")});
    FAIL();
  } catch (const io::InputError& e) {
    EXPECT_NE(std::string(e.what()).find("other.json"), std::string::npos) << e.what();
  }
  EXPECT_FALSE(fs::exists(Path("report2.html")));
}

TEST_F(CommandTest, TowerCsvWithoutSpeedColumnsIsABadInputError) {
  io::WriteFileAtomic(Path("bad.csv"), "time,speed\n2024-01-01T00:00:00+08:00,5\n");
  EXPECT_THROW(Run({"tower", "--data", Path("bad.csv"), "--out", Path("t.json")}), io::InputError);
  EXPECT_FALSE(fs::exists(Path("t.json")));
}

class SolarTest : public CommandTest {
 protected:
  void SetUp() override {
    CommandTest::SetUp();
    Run({"synth", "--kind", "solar", "--days", "75", "--capacity", "40", "--start",
         "2024-04-01T00:00:00+08:00", "--no-defects", "--out-dir", dir_.string()});
  }
  std::vector<std::string> Train(const std::string& model, const std::string& out) const {
    return {"train",
            "--model",
            model,
            "--kind",
            "solar",
            "--nwp",
            Path("nwp.csv"),
            "--measurements",
            Path("measurements.csv"),
            "--capacity",
            "40",
            "--ghi-column",
            "ec_ghi",
            "--temperature-column",
            "ec_t2m",
            "--validation-days",
            "14",
            "--out",
            Path(out)};
  }
  static std::vector<std::string> Site() {
    // What synth's defaults are: 41.1 N 114.7 E, 1400 m, tilt 35, facing south.
    return {"--latitude", "41.1",   "--longitude", "114.7",     "--altitude",
            "1400",       "--tilt", "35",          "--azimuth", "180"};
  }
};

TEST_F(SolarTest, PvwattsNeedsTheSitePosition) {
  try {
    Run(Train("pvwatts", "m.json"));
    FAIL();
  } catch (const io::UsageError& e) {
    EXPECT_NE(std::string(e.what()).find("--latitude and --longitude"), std::string::npos) << e.what();
  }
  std::vector<std::string> gbdt = Train("gbdt", "g.json");
  gbdt.insert(gbdt.end(),
              {"--features", "pvwatts,clearsky_index", "--latitude", "41.1"});  // longitude missing
  EXPECT_THROW(Run(gbdt), io::UsageError);
  EXPECT_FALSE(fs::exists(Path("m.json")));
}

TEST_F(SolarTest, PvwattsAloneAndUnderGbdtForecastTheHeldOutDays) {
  std::vector<std::string> args = Train("pvwatts", "pv.json");
  for (const auto& s : Site()) args.push_back(s);
  Run(args);
  const kernels::ModelArtifact pv = kernels::LoadModel(Path("pv.json"));
  EXPECT_EQ(pv.kind, "pvwatts");
  EXPECT_EQ(pv.features, std::vector<std::string>{"pvwatts"});
  EXPECT_DOUBLE_EQ(pv.source.latitude, 41.1);
  EXPECT_DOUBLE_EQ(pv.source.tilt, 35);
  const double scale = pv.parameters["scale"].get<double>();
  EXPECT_GT(scale, 0.6);
  EXPECT_LT(scale, 1.6);
  const double pv_nrmse = pv.scores["validation"]["nrmse"].get<double>();
  EXPECT_LT(pv_nrmse, 0.15);  // a physical model on forecast GHI of a clear-sky-times-clouds plant

  std::vector<std::string> gbdt = Train("gbdt", "gbdt.json");
  for (const auto& s : Site()) gbdt.push_back(s);
  for (const char* s : {"--features", "pvwatts,clearsky_index", "--trees", "60", "--threads", "1"})
    gbdt.push_back(s);
  Run(gbdt);
  const kernels::ModelArtifact g = kernels::LoadModel(Path("gbdt.json"));
  EXPECT_EQ(g.features, (std::vector<std::string>{"pvwatts", "clearsky_index"}));
  EXPECT_LT(g.scores["validation"]["nrmse"].get<double>(), 0.15);

  // forecast evaluates the physical artifact: zero at night, positive at noon, quantiles ordered.
  Run({"forecast", "--model", Path("pv.json"), "--nwp", Path("nwp.csv"), "--from",
       "2024-06-01T00:00:00+08:00", "--to", "2024-06-02T00:00:00+08:00", "--out", Path("fc.csv")});
  const io::Frame fc = io::ReadCsv(Path("fc.csv"));
  ASSERT_EQ(fc.Rows(), 96u);
  const auto& point = fc.Column("forecast_mw");
  EXPECT_EQ(point[0], 0.0);   // midnight
  EXPECT_GT(point[48], 5.0);  // noon
  EXPECT_LE(fc.Column("p10")[48], point[48]);
  EXPECT_GE(fc.Column("p90")[48], point[48]);
  EXPECT_EQ(fc.Column("p90")[8], 0.0);  // 02:00: every quantile is 0 at night
}

TEST_F(SolarTest, PvwattsRefusesFeatures) {
  std::vector<std::string> args = Train("pvwatts", "pv.json");
  for (const auto& s : Site()) args.push_back(s);
  args.insert(args.end(), {"--features", "ghi"});
  EXPECT_THROW(Run(args), io::UsageError);
}

}  // namespace
}  // namespace seed::commands
