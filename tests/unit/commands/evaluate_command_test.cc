// seed-job evaluate end to end in process: CSV files in, daily.csv and results out, and the errors
// that bad input gets (main() turns InputError and UsageError into exit code 2).
#include <gtest/gtest.h>

#include <CLI/CLI.hpp>
#include <atomic>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>
#include <unistd.h>

#include "command_test.h"
#include "commands/commands.h"
#include "io/atomic_file.h"
#include "io/csv.h"
#include "io/input_error.h"

namespace seed::commands {
namespace {

namespace fs = std::filesystem;

class EvaluateCommandTest : public CommandTest {
 protected:

  std::string Write(const std::string& name, const std::string& text) {
    const std::string path = (dir_ / name).string();
    io::WriteFileAtomic(path, text);
    return path;
  }

  // Runs `seed-job evaluate <args>` in process.
  void Evaluate(std::vector<std::string> args) {
    CLI::App app{"seed-job"};
    AddEvaluate(app);
    args.insert(args.begin(), "evaluate");
    std::vector<std::string> reversed(args.rbegin(), args.rend());
    app.parse(reversed);
  }


};

// 15-minute rows starting at `start` (RFC 3339) with one or more value columns.
std::string Csv(const std::string& header, const std::vector<std::string>& rows, const std::string& day = "2024-05-01",
                const std::string& offset = "+08:00", int first_minute = 0) {
  std::string out = "time," + header + "\n";
  for (size_t i = 0; i < rows.size(); ++i) {
    const int minute = first_minute + 15 * static_cast<int>(i);
    char stamp[64];
    std::snprintf(stamp, sizeof stamp, "%sT%02d:%02d:00%s", day.c_str(), minute / 60, minute % 60, offset.c_str());
    out += std::string(stamp) + "," + rows[i] + "\n";
  }
  return out;
}

const std::vector<std::string> kActual = {"0", "10", "35", "60", "80", "50", "20", "5"};
const std::vector<std::string> kForecast = {"2", "15", "30", "70", "50", "55", "30", "1"};

TEST_F(EvaluateCommandTest, WorkedExampleOneDay) {
  const std::string a = Write("actual.csv", Csv("power_mw", kActual));
  const std::string f = Write("forecast.csv", Csv("forecast_mw", kForecast));
  const std::string out = (dir_ / "daily.csv").string();
  Evaluate({"--forecast", f, "--actual", a, "--capacity", "100", "--out", out});
  const nlohmann::json r = Results();
  EXPECT_NEAR(r["accuracy"].get<double>(), 0.877781, 1e-6);
  EXPECT_DOUBLE_EQ(r["qualification"].get<double>(), 0.875);
  EXPECT_NEAR(r["rmse"].get<double>(), 0.122219, 1e-6);
  EXPECT_NEAR(r["mae"].get<double>(), 0.08875, 1e-12);
  EXPECT_NEAR(r["bias"].get<double>(), 7.0 / 800, 1e-12);
  EXPECT_NEAR(r["pinball"].get<double>(), 0.08875 / 2, 1e-12);  // median only: MAE / 2
  EXPECT_NEAR(r["crps"].get<double>(), 0.08875, 1e-12);         // point mass: MAE
  EXPECT_EQ(r["days"].get<int>(), 1);
  EXPECT_EQ(r["points"].get<int>(), 8);
  EXPECT_EQ(r["rule"].get<std::string>(), "national");
  const io::Frame daily = io::ReadCsv(out);
  ASSERT_EQ(daily.Rows(), 1u);
  EXPECT_EQ(daily.time[0], 1714492800);  // 2024-05-01T00:00:00+08:00
  EXPECT_EQ(daily.utc_offset_minutes, 480);
  EXPECT_NEAR(daily.Column("accuracy")[0], 0.877781, 1e-6);
  EXPECT_EQ(daily.Column("points")[0], 8);
}

TEST_F(EvaluateCommandTest, RegionalRulesByFlag) {
  const std::string a = Write("actual.csv", Csv("power_mw", kActual));
  const std::string f = Write("forecast.csv", Csv("forecast_mw", kForecast));
  Evaluate({"--forecast", f, "--actual", a, "--capacity", "100", "--rule", "north-china"});
  EXPECT_NEAR(Results()["accuracy"].get<double>(), 0.796347, 1e-6);
  Evaluate({"--forecast", f, "--actual", a, "--capacity", "100", "--rule", "southern-2022"});
  EXPECT_NEAR(Results()["accuracy"].get<double>(), 0.708078, 1e-6);
  EXPECT_EQ(Results()["points"].get<int>(), 6);
  Evaluate({"--forecast", f, "--actual", a, "--capacity", "100", "--rule", "northwest"});
  EXPECT_NEAR(Results()["accuracy"].get<double>(), 0.774906, 1e-6);
}

TEST_F(EvaluateCommandTest, PeriodFigureIsTheMeanOfDailyValues) {
  // Day 1 (local): |e| = 10 on every point -> 0.9. Day 2: |e| = 30 -> 0.7, qualification 0.
  // Times in +08:00, so the local midnight splits them; the mean is 0.8 (a pooled RMSE would differ).
  // The forecast file is written in UTC: alignment is by instant, not by the text of the time.
  const std::string a = Write("actual.csv", "time,power_mw\n2024-05-01T23:30:00+08:00,50\n2024-05-01T23:45:00+08:00,50\n"
                                            "2024-05-02T00:00:00+08:00,50\n2024-05-02T00:15:00+08:00,50\n");
  const std::string f = Write("forecast.csv", "time,forecast_mw\n2024-05-01T15:30:00Z,40\n2024-05-01T15:45:00Z,40\n"
                                              "2024-05-01T16:00:00Z,20\n2024-05-01T16:15:00Z,20\n");
  const std::string out = (dir_ / "daily.csv").string();
  Evaluate({"--forecast", f, "--actual", a, "--capacity", "100", "--out", out});
  const nlohmann::json r = Results();
  EXPECT_NEAR(r["accuracy"].get<double>(), 0.8, 1e-12);
  EXPECT_NEAR(r["qualification"].get<double>(), 0.5, 1e-12);
  EXPECT_NEAR(r["rmse"].get<double>(), std::sqrt((0.01 + 0.09) / 2), 1e-12);
  EXPECT_EQ(r["days"].get<int>(), 2);
  const io::Frame daily = io::ReadCsv(out);
  ASSERT_EQ(daily.Rows(), 2u);
  EXPECT_NEAR(daily.Column("accuracy")[0], 0.9, 1e-12);
  EXPECT_NEAR(daily.Column("accuracy")[1], 0.7, 1e-12);
}

TEST_F(EvaluateCommandTest, PowerNightMaskDropsPointsWhereBothAreZero) {
  const std::string a = Write("actual.csv", Csv("power_mw", {"0", "0", "40", "60"}));
  const std::string f = Write("forecast.csv", Csv("forecast_mw", {"0", "5", "50", "60"}));
  Evaluate({"--forecast", f, "--actual", a, "--capacity", "100", "--night-mask", "power"});
  const nlohmann::json r = Results();
  EXPECT_EQ(r["points"].get<int>(), 3);
  EXPECT_NEAR(r["accuracy"].get<double>(), 1 - std::sqrt((0.0025 + 0.01) / 3), 1e-12);
  // With a 10 % dead band the (0, 5) point goes as well.
  Evaluate({"--forecast", f, "--actual", a, "--capacity", "100", "--night-mask", "power", "--night-fraction", "0.1"});
  EXPECT_EQ(Results()["points"].get<int>(), 2);
}

TEST_F(EvaluateCommandTest, SunNightMaskUsesSolarPosition) {
  // Beijing: 00:00-00:45 local is night, 12:00-12:45 is day.
  std::string actual = "time,power_mw\n", forecast = "time,forecast_mw\n";
  for (const char* hm : {"00:00", "00:15", "12:00", "12:15"}) {
    actual += std::string("2024-05-01T") + hm + ":00+08:00,30\n";
    forecast += std::string("2024-05-01T") + hm + ":00+08:00,20\n";
  }
  const std::string a = Write("actual.csv", actual), f = Write("forecast.csv", forecast);
  Evaluate({"--forecast", f, "--actual", a, "--capacity", "100", "--night-mask", "sun", "--latitude", "39.9",
            "--longitude", "116.4"});
  EXPECT_EQ(Results()["points"].get<int>(), 2);
  EXPECT_THROW(Evaluate({"--forecast", f, "--actual", a, "--capacity", "100", "--night-mask", "sun"}), io::UsageError);
}

TEST_F(EvaluateCommandTest, QcFlagsMissingValuesAndRunningCapacity) {
  // Rows: flagged long gap (2), curtailed (16), stuck (4, scored), missing actual, two normal rows
  // with available_mw 50 and empty (falls back to --capacity 100), and a point filled between two
  // hourly samples (32: not measured, not scored by default).
  const std::string a = Write("actual.csv", Csv("power_mw,qc_flag,available_mw",
                                                {"10,2,", "10,16,", "10,4,", ",0,", "40,0,50", "40,0,", "40,32,"}));
  const std::string f = Write("forecast.csv", Csv("forecast_mw", {"0", "0", "20", "0", "30", "30", "0"}));
  Evaluate({"--forecast", f, "--actual", a, "--capacity", "100"});
  nlohmann::json r = Results();
  EXPECT_EQ(r["points"].get<int>(), 3);
  // e/C: -0.1 (stuck row), 10/50 = 0.2, 0.1.
  EXPECT_NEAR(r["accuracy"].get<double>(), 1 - std::sqrt((0.01 + 0.04 + 0.01) / 3), 1e-12);
  Evaluate({"--forecast", f, "--actual", a, "--capacity", "100", "--exclude-flags", "0"});
  EXPECT_EQ(Results()["points"].get<int>(), 6);
  Evaluate({"--forecast", f, "--actual", a, "--capacity", "100", "--exclude-flags", "2|4|16"});
  EXPECT_EQ(Results()["points"].get<int>(), 3);
  // Without --capacity, rows whose available_mw is empty cannot be scored: only the 50 MW row is left.
  Evaluate({"--forecast", f, "--actual", a});
  EXPECT_EQ(Results()["points"].get<int>(), 1);
  EXPECT_NEAR(Results()["accuracy"].get<double>(), 0.8, 1e-12);
}

TEST_F(EvaluateCommandTest, QuantilesGivePinballAndCrps) {
  // One point, capacity 10: actual 6, quantiles p10 = 2, p50 = 5 (forecast_mw), p90 = 9.
  const std::string a = Write("actual.csv", Csv("power_mw", {"6"}));
  const std::string f = Write("forecast.csv", Csv("forecast_mw,p10,p90", {"5,2,9"}));
  Evaluate({"--forecast", f, "--actual", a, "--capacity", "10"});
  const nlohmann::json r = Results();
  EXPECT_NEAR(r["pinball"].get<double>(), 0.4 / 10, 1e-12);  // mean of 0.4, 0.5, 0.3 over capacity
  EXPECT_NEAR(r["crps"].get<double>(), 0.82 / 10, 1e-12);    // midpoint-rule weights 0.3, 0.4, 0.3
}

TEST_F(EvaluateCommandTest, AlignsByTimeAndIgnoresNonOverlap) {
  const std::string a = Write("actual.csv", Csv("power_mw", {"10", "20", "30", "40"}));
  // The forecast starts 30 minutes later and runs past the actuals.
  const std::string f = Write("forecast.csv", Csv("forecast_mw", {"30", "40", "50"}, "2024-05-01", "+08:00", 30));
  Evaluate({"--forecast", f, "--actual", a, "--capacity", "100"});
  EXPECT_EQ(Results()["points"].get<int>(), 2);
  EXPECT_DOUBLE_EQ(Results()["accuracy"].get<double>(), 1.0);
}

TEST_F(EvaluateCommandTest, NoOverlapIsAnInputError) {
  const std::string a = Write("actual.csv", Csv("power_mw", {"10"}, "2024-05-01"));
  const std::string f = Write("forecast.csv", Csv("forecast_mw", {"10"}, "2024-06-01"));
  try {
    Evaluate({"--forecast", f, "--actual", a, "--capacity", "100"});
    FAIL() << "expected InputError";
  } catch (const io::InputError& e) {
    EXPECT_NE(std::string(e.what()).find("no time in common"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("2024-06-01T00:00:00+08:00"), std::string::npos) << e.what();
  }
}

TEST_F(EvaluateCommandTest, MalformedNumberNamesFileLineAndColumn) {
  const std::string a = Write("actual.csv", "time,power_mw\n2024-05-01T00:00:00+08:00,10\n2024-05-01T00:15:00+08:00,1O\n");
  const std::string f = Write("forecast.csv", Csv("forecast_mw", {"10", "10"}));
  try {
    Evaluate({"--forecast", f, "--actual", a, "--capacity", "100"});
    FAIL() << "expected InputError";
  } catch (const io::InputError& e) {
    EXPECT_EQ(e.file(), a);
    EXPECT_EQ(e.line(), 3);
    EXPECT_EQ(e.column(), 27);
  }
}

TEST_F(EvaluateCommandTest, TimeWithoutOffsetIsAnInputError) {
  const std::string a = Write("actual.csv", Csv("power_mw", {"10"}));
  const std::string f = Write("forecast.csv", "time,forecast_mw\n2024-05-01 00:00:00,10\n");
  try {
    Evaluate({"--forecast", f, "--actual", a, "--capacity", "100"});
    FAIL() << "expected InputError";
  } catch (const io::InputError& e) {
    EXPECT_EQ(e.file(), f);
    EXPECT_EQ(e.line(), 2);
    EXPECT_EQ(e.column(), 1);
  }
}

TEST_F(EvaluateCommandTest, MissingColumnAndBadQcFlag) {
  const std::string a = Write("actual.csv", Csv("power,qc_flag", {"10,0"}));
  const std::string f = Write("forecast.csv", Csv("forecast_mw", {"10"}));
  EXPECT_THROW(Evaluate({"--forecast", f, "--actual", a, "--capacity", "100"}), io::InputError);
  const std::string a2 = Write("actual2.csv", Csv("power_mw,qc_flag", {"10,0", "10,1.5"}));
  const std::string f2 = Write("forecast2.csv", Csv("forecast_mw", {"10", "10"}));
  try {
    Evaluate({"--forecast", f2, "--actual", a2, "--capacity", "100"});
    FAIL() << "expected InputError";
  } catch (const io::InputError& e) {
    EXPECT_EQ(e.line(), 3);
    EXPECT_NE(std::string(e.what()).find("qc_flag"), std::string::npos);
  }
}

TEST_F(EvaluateCommandTest, BadFlagsAreUsageErrors) {
  const std::string a = Write("actual.csv", Csv("power_mw", {"10"}));
  const std::string f = Write("forecast.csv", Csv("forecast_mw", {"10"}));
  EXPECT_THROW(Evaluate({"--forecast", f, "--actual", a}), io::UsageError);  // no capacity anywhere
  EXPECT_THROW(Evaluate({"--forecast", f, "--actual", a, "--capacity", "100", "--rule", "mars"}), io::UsageError);
  EXPECT_THROW(Evaluate({"--forecast", f, "--actual", a, "--capacity", "-5"}), io::UsageError);
  EXPECT_THROW(Evaluate({"--forecast", f, "--actual", a, "--capacity", "100", "--threshold", "75"}), io::UsageError);
  EXPECT_THROW(Evaluate({"--forecast", f, "--actual", a, "--capacity", "100", "--exclude-flags", "2|x"}),
               io::UsageError);
  EXPECT_THROW(Evaluate({"--forecast", f, "--actual", a, "--capacity", "100", "--night-mask", "moon"}), io::UsageError);
}

TEST_F(EvaluateCommandTest, NothingLeftToScoreIsAnInputError) {
  const std::string a = Write("actual.csv", Csv("power_mw", {"0", "0"}));
  const std::string f = Write("forecast.csv", Csv("forecast_mw", {"0", "0"}));
  EXPECT_THROW(Evaluate({"--forecast", f, "--actual", a, "--capacity", "100", "--night-mask", "power"}), io::InputError);
}

}  // namespace
}  // namespace seed::commands
