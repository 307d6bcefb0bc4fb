// NWP as it really comes, end to end through the commands: hourly NWP with 15-min power, a
// multi-height file with derived features, runs (issue_time), neighbours, hourly measurements
// through qc, and the source-column defaults.
#include <gtest/gtest.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <atomic>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <nlohmann/json.hpp>
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
#include "kernels/nwp_runs.h"

namespace seed::commands {
namespace {

namespace fs = std::filesystem;

const int64_t kStart = io::ParseRfc3339("2024-03-01T00:00:00Z").unix_seconds;

// A smooth, varied "true" hub-height wind speed (m/s) at a time.
double TrueSpeed(int64_t t) {
  const double h = static_cast<double>(t - kStart) / 3600.0;
  return 8 + 4 * std::sin(h / 7.3) + 2.5 * std::sin(h / 2.1 + 1) + 1.5 * std::cos(h / 31.0);
}

double Power(double ws) { return std::clamp((ws - 3) * (ws - 3) * (ws - 3) / 20.0, 0.0, 50.0); }

std::string Num(double v) { return std::to_string(v); }

class NwpCommandsTest : public CommandTest {
 protected:




  // `days` of rows every `step` seconds: "time,<header>" and one line per row from `row(t)`.
  void Write(const std::string& name, const std::string& header, int days, int64_t step,
             const std::function<std::string(int64_t)>& row) const {
    std::string text = "time," + header + "\n";
    for (int64_t t = kStart; t <= kStart + int64_t{days} * io::kDay; t += step) {
      text += io::FormatRfc3339(t, 0) + "," + row(t) + "\n";
    }
    io::WriteFileAtomic(Path(name), text);
  }

  void WritePower(const std::string& name, int days, int64_t step) const {
    Write(name, "power_mw", days, step, [](int64_t t) { return Num(Power(TrueSpeed(t))); });
  }

  std::vector<std::string> Train(const std::string& nwp, const std::string& power,
                                 std::vector<std::string> extra) {
    std::vector<std::string> args = {"train",
                                     "--nwp",
                                     Path(nwp),
                                     "--measurements",
                                     Path(power),
                                     "--capacity",
                                     "50",
                                     "--trees",
                                     "40",
                                     "--threads",
                                     "1",
                                     "--out",
                                     Path("model.json"),
                                     "--validation-days",
                                     "5"};
    args.insert(args.end(), extra.begin(), extra.end());
    Run(args);
    return kernels::LoadModel(Path("model.json")).features;
  }

  io::Frame Forecast(const std::string& nwp, std::vector<std::string> extra) {
    std::vector<std::string> args = {"forecast", "--model", Path("model.json"),  "--nwp",
                                     Path(nwp),  "--out",   Path("forecast.csv")};
    args.insert(args.end(), extra.begin(), extra.end());
    Run(args);
    return io::ReadCsv(Path("forecast.csv"));
  }

};

TEST_F(NwpCommandsTest, HourlyNwpWithQuarterHourPower) {
  // 40 days of hourly NWP (the true speed with a bias), 15-min power over the same span.
  Write("nwp.csv", "ws,wd", 40, 3600, [](int64_t t) { return Num(1.1 * TrueSpeed(t)) + "," + Num(200); });
  WritePower("power.csv", 40, io::kQuarterHour);
  Train("nwp.csv", "power.csv", {"--features", "ws,ws2,ws@-1h,hour_sin"});
  const nlohmann::json trained = Results();
  // Every power row is trained on (the refit after validation takes them all): 40 days of
  // quarters, and the last midnight.
  EXPECT_EQ(trained["rows"].get<size_t>(), 40u * 96 + 1);
  EXPECT_LT(trained["validation_nrmse"].get<double>(), 0.05);

  const io::Frame forecast = Forecast("nwp.csv", {"--issue-time", "2024-04-05T06:00:00Z", "--days", "2"});
  ASSERT_EQ(forecast.Rows(), 192u);
  const auto& mw = forecast.Column("forecast_mw");
  double sum2 = 0;
  for (size_t k = 0; k < forecast.Rows(); ++k) {
    ASSERT_FALSE(std::isnan(mw[k])) << k;
    const double e = (mw[k] - Power(TrueSpeed(forecast.time[k]))) / 50;
    sum2 += e * e;
  }
  EXPECT_LT(std::sqrt(sum2 / 192), 0.05);  // the quarters between the NWP hours are forecast well too
}

TEST_F(NwpCommandsTest, HourlyMeasurementsAreNotUpSampledIntoTrainingRows) {
  Write("nwp.csv", "ws", 30, io::kQuarterHour, [](int64_t t) { return Num(TrueSpeed(t)); });
  WritePower("hourly.csv", 30, 3600);
  Run({"qc", "--in", Path("hourly.csv"), "--out", Path("clean.csv"), "--capacity", "50"});
  const nlohmann::json qc = Results();
  EXPECT_EQ(qc["upsampled"].get<long>(), 30 * 24 * 3);  // three of every four quarters
  const io::Frame clean = io::ReadCsv(Path("clean.csv"));
  EXPECT_EQ(clean.Rows(), 30u * 96 + 1);
  EXPECT_EQ(static_cast<int>(clean.Column("qc_flag")[1]), 32);
  Train("nwp.csv", "clean.csv", {"--features", "ws"});
  const nlohmann::json trained = Results();
  EXPECT_EQ(trained["rows"].get<size_t>(), 30u * 24 + 1);
}

TEST_F(NwpCommandsTest, MultiHeightNwpWithDerivedFeatures) {
  // u/v at 10 m and 100 m (power-law shear 0.14), temperature in K and surface pressure in Pa, as
  // ECMWF writes them; the plant's power follows the 100 m speed and the air density.
  Write("nwp.csv", "u10,v10,u100,v100,t2m,sp", 40, io::kQuarterHour, [](int64_t t) {
    const double ws = TrueSpeed(t), dir = 0.3 * static_cast<double>(t - kStart) / 86400.0;
    const double ws10 = ws * std::pow(0.1, 0.14);
    const double temp = 283 + 8 * std::sin(static_cast<double>(t - kStart) / 86400.0 * 6.283);
    return Num(-ws10 * std::sin(dir)) + "," + Num(-ws10 * std::cos(dir)) + "," + Num(-ws * std::sin(dir)) +
           "," + Num(-ws * std::cos(dir)) + "," + Num(temp) + "," + Num(101000);
  });
  WritePower("power.csv", 40, io::kQuarterHour);
  const std::vector<std::string> features = Train(
      "nwp.csv", "power.csv",
      {"--features",
       "speed(u100,v100),dir_sin(u100,v100),dir_cos(u100,v100),shear(speed(u10,v10),speed(u100,v100),10,100),"
       "rho(t2m,sp),col:u*,speed(u100,v100)~1h"});
  // The glob is stored expanded, so forecast computes the same columns.
  EXPECT_EQ(features,
            (std::vector<std::string>{"speed(u100,v100)", "dir_sin(u100,v100)", "dir_cos(u100,v100)",
                                      "shear(speed(u10,v10),speed(u100,v100),10,100)", "rho(t2m,sp)", "u10",
                                      "u100", "speed(u100,v100)~1h"}));
  EXPECT_LT(Results()["validation_nrmse"].get<double>(), 0.05);
  const io::Frame forecast = Forecast("nwp.csv", {"--issue-time", "2024-04-05T06:00:00Z"});
  ASSERT_EQ(forecast.Rows(), 96u);
  for (double v : forecast.Column("forecast_mw")) EXPECT_FALSE(std::isnan(v));
  EXPECT_THROW(Train("nwp.csv", "power.csv", {"--features", "speed(u100,w100)"}), io::InputError);
  EXPECT_THROW(Train("nwp.csv", "power.csv", {"--features", "col:ssrd*"}), io::UsageError);
}

// Hourly runs issued every 12 h, 48 h long; run k's speed is the truth plus an error that grows
// with the lead time and differs between runs.
void WriteRuns(const std::string& path, int days, int64_t last_issue) {
  std::string text = "time,issue_time,ws\n";
  for (int64_t issue = kStart; issue <= kStart + int64_t{days} * io::kDay && issue <= last_issue;
       issue += 43200) {
    for (int lead = 1; lead <= 48; ++lead) {
      const int64_t t = issue + 3600 * lead;
      const double error = 0.03 * lead * std::sin(static_cast<double>(issue / 43200) * 1.7 + lead / 9.0);
      text += io::FormatRfc3339(t, 0) + "," + io::FormatRfc3339(issue, 0) + "," + Num(TrueSpeed(t) + error) +
              "\n";
    }
  }
  io::WriteFileAtomic(path, text);
}

TEST_F(NwpCommandsTest, RunsTrainOnEveryLeadAndForecastFromTheLatestKnownRun) {
  WriteRuns(Path("runs.csv"), 40, INT64_MAX);
  WritePower("power.csv", 42, io::kQuarterHour);
  Train("runs.csv", "power.csv", {"--features", "ws,lead_hours,ws@run-12h,ws~3h"});
  const nlohmann::json trained = Results();
  // 81 runs of 47 h of quarters (+1); each quarter is seen at every lead that covers it.
  EXPECT_EQ(trained["rows"].get<size_t>(), 81u * (47 * 4 + 1));

  // The operational rule: at the issue time only runs issued by then count, so a file holding
  // later runs forecasts exactly as one that stops at the issue time.
  Train("runs.csv", "power.csv", {"--features", "ws,lead_hours,ws@run-12h"});
  const int64_t issue = kStart + 20 * io::kDay + 6 * 3600;
  WriteRuns(Path("known.csv"), 40, issue);
  const std::vector<std::string> flags = {"--issue-time", io::FormatRfc3339(issue, 0)};
  Forecast("runs.csv", flags);
  const std::string all = io::ReadFile(Path("forecast.csv"));
  Forecast("known.csv", flags);
  EXPECT_EQ(all, io::ReadFile(Path("forecast.csv")));
  // The day after the issue day is 18..42 h after the 06:00 issue, so from the 00:00 run: a 12 h
  // lead limit leaves it uncovered, and so does an issue time before the first run.
  EXPECT_THROW(Forecast("runs.csv", {"--issue-time", io::FormatRfc3339(issue, 0), "--max-lead-hours", "12"}),
               io::InputError);
  EXPECT_THROW(Forecast("runs.csv", {"--issue-time", "2024-02-01T00:00:00Z"}), io::InputError);
}

TEST_F(NwpCommandsTest, ForecastFromRunsReadsOnlyTheNeededLinesAndGivesTheWholeFilesForecast) {
  WriteRuns(Path("runs.csv"), 40, INT64_MAX);
  WritePower("power.csv", 42, io::kQuarterHour);
  Train("runs.csv", "power.csv", {"--features", "ws,lead_hours,ws@run-12h,ws~3h,ws@-2h"});
  const int64_t issue = kStart + 30 * io::kDay + 13 * 3600;  // the 12:00 run is the latest known
  const io::Frame forecast = Forecast("runs.csv", {"--issue-time", io::FormatRfc3339(issue, 0)});
  // The reference: the whole file parsed, put on the grid, the runs chosen and the features built
  // without the command.
  kernels::NwpRuns nwp =
      kernels::SplitRuns(io::ReadCsv(Path("runs.csv"), {.run_column = kernels::kIssueColumn}));
  kernels::ResampleToGrid(nwp, io::kQuarterHour, {});
  const kernels::ModelArtifact model = kernels::LoadModel(Path("model.json"));
  const std::vector<kernels::RunRow> rows = kernels::ChooseRuns(nwp, forecast.time, issue, 0, INT64_MAX);
  for (const auto& rr : rows) {
    ASSERT_GE(rr.run, 0);
    EXPECT_EQ(nwp.runs[static_cast<size_t>(rr.run)].issue, kStart + 30 * io::kDay + 12 * 3600);
  }
  const std::vector<double> x = kernels::BuildFeatures(nwp, model.features, model.source, rows);
  const kernels::Predictor predictor(model);
  const size_t nq = model.quantiles.size();
  std::vector<double> predicted(rows.size() * nq);
  predictor.PredictBatch(x.data(), rows.size(), predicted.data(), 1);
  const size_t median = static_cast<size_t>(std::find(model.quantiles.begin(), model.quantiles.end(), 0.5) -
                                            model.quantiles.begin());
  ASSERT_EQ(forecast.Rows(), 96u);
  for (size_t k = 0; k < rows.size(); ++k) {
    EXPECT_NEAR(forecast.Column("forecast_mw")[k], predicted[k * nq + median], 5e-5)
        << k;  // 4 decimals written
  }
}

TEST_F(NwpCommandsTest, NeighbourSitesAreFeaturesAndForecastNeedsThem) {
  Write("site.csv", "ws", 30, io::kQuarterHour,
        [](int64_t t) { return Num(TrueSpeed(t) + 2 * std::sin(t / 5000.0)); });
  fs::create_directories(Path("west"));
  Write("west/ec.csv", "ws,t2m", 30, io::kQuarterHour, [](int64_t t) { return Num(TrueSpeed(t)) + ",10"; });
  WritePower("power.csv", 30, io::kQuarterHour);
  const std::vector<std::string> features =
      Train("site.csv", "power.csv", {"--nwp-neighbours", Path("west/ec.csv"), "--features", "ws,col:ec/*"});
  EXPECT_EQ(features, (std::vector<std::string>{"ws", "ec/ws", "ec/t2m"}));
  EXPECT_EQ(kernels::LoadModel(Path("model.json")).source.neighbours, std::vector<std::string>{"ec"});
  EXPECT_THROW(Forecast("site.csv", {"--issue-time", "2024-03-20T00:00:00Z"}), io::UsageError);
  EXPECT_THROW(Forecast("site.csv", {"--issue-time", "2024-03-20T00:00:00Z", "--nwp-neighbours",
                                     "west=" + Path("west/ec.csv")}),
               io::UsageError);  // named west, not ec
  const io::Frame forecast = Forecast(
      "site.csv", {"--issue-time", "2024-03-20T00:00:00Z", "--nwp-neighbours", "ec=" + Path("west/ec.csv")});
  EXPECT_EQ(forecast.Rows(), 96u);
  // The neighbour carries the signal the site's own NWP blurs.
  Train("site.csv", "power.csv", {"--features", "ws"});
  const double alone = Results()["validation_nrmse"].get<double>();
  Train("site.csv", "power.csv", {"--nwp-neighbours", Path("west/ec.csv"), "--features", "ws,ec/ws"});
  EXPECT_LT(Results()["validation_nrmse"].get<double>(), 0.5 * alone);
}

TEST_F(NwpCommandsTest, SourceColumnsFollowTheReadmeNames) {
  Write("ec.csv", "ec_ws,ec_wd,ec_t2m", 20, io::kQuarterHour,
        [](int64_t t) { return Num(TrueSpeed(t)) + ",180,12"; });
  WritePower("power.csv", 20, io::kQuarterHour);
  const std::vector<std::string> features = Train("ec.csv", "power.csv", {});
  const kernels::ModelArtifact model = kernels::LoadModel(Path("model.json"));
  EXPECT_EQ(model.source.speed_column, "ec_ws");
  EXPECT_EQ(model.source.direction_column, "ec_wd");
  EXPECT_NE(std::find(features.begin(), features.end(), "wd_sin"), features.end());
  Write("two.csv", "ec_ws,gfs_ws,ec_wd,gfs_wd", 20, io::kQuarterHour,
        [](int64_t t) { return Num(TrueSpeed(t)) + ",5,90,180"; });
  try {
    Train("two.csv", "power.csv", {});
    FAIL() << "no error";
  } catch (const io::UsageError& e) {
    EXPECT_NE(std::string(e.what()).find("ec_ws, gfs_ws"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("--speed-column"), std::string::npos) << e.what();
  }
  EXPECT_NO_THROW(Train("two.csv", "power.csv", {"--speed-column", "gfs_ws"}));
  EXPECT_EQ(kernels::LoadModel(Path("model.json")).source.direction_column, "gfs_wd");  // the same source

  // Solar: <source>_ghi and <source>_t2m, as synth writes them; the site must be given.
  Write("solar.csv", "ec_ghi,ec_t2m", 20, io::kQuarterHour, [](int64_t t) {
    const double h = static_cast<double>((t / 900) % 96) / 4.0;
    return Num(std::max(0.0, 800 * std::sin((h - 6) / 12 * 3.14159))) + ",20";
  });
  EXPECT_THROW(Train("solar.csv", "power.csv", {"--kind", "solar"}), io::UsageError);
  // The physical model under a suffix still needs the site.
  EXPECT_THROW(Train("solar.csv", "power.csv", {"--kind", "solar", "--features", "ghi,pvwatts~1h"}),
               io::UsageError);
  const std::vector<std::string> solar =
      Train("solar.csv", "power.csv", {"--kind", "solar", "--latitude", "40", "--longitude", "0"});
  EXPECT_NE(std::find(solar.begin(), solar.end(), "t2m"), solar.end());  // not dropped
  EXPECT_EQ(kernels::LoadModel(Path("model.json")).source.ghi_column, "ec_ghi");
}

}  // namespace
}  // namespace seed::commands
