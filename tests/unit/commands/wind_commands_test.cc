// The wind commands in process, chained as a pipeline would run them: synth -> qc -> correct ->
// fuse, synth -> aggregate, and gaps; outputs, their columns, and the SEED_RESULTS_FILE values.
#include <gtest/gtest.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <atomic>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "command_test.h"
#include "commands/commands.h"
#include "io/atomic_file.h"
#include "io/csv.h"
#include "io/input_error.h"

namespace seed::commands {
namespace {

namespace fs = std::filesystem;

class WindCommandsTest : public CommandTest {
 protected:


  // Runs `seed-job <args>` in process, as main() would parse it.


  // A 60-day synthetic plant in dir_/plant.
  void Synth() {
    Run({"synth", "--kind", "wind", "--days", "60", "--turbines", "10", "--capacity", "25", "--seed", "11",
         "--out-dir", Path("plant")});
  }

};

TEST_F(WindCommandsTest, SynthWritesThePlantAndReportsIt) {
  Synth();
  const nlohmann::json results = Results();
  EXPECT_EQ(results["rows"], 60 * 96);
  EXPECT_EQ(results["capacity_mw"], 25.0);
  EXPECT_EQ(results["measurements"], Path("plant") + "/measurements.csv");
  const io::Frame measurements = io::ReadCsv(Path("plant/measurements.csv"));
  EXPECT_EQ(measurements.Rows(), 5760u);
  EXPECT_EQ(measurements.utc_offset_minutes, 480);
  EXPECT_EQ(io::ReadCsv(Path("plant/turbines.csv")).names.size(), 10u);
  EXPECT_TRUE(io::ReadCsv(Path("plant/nwp.csv")).Has("meso_ws"));
  const nlohmann::json site = nlohmann::json::parse(io::ReadFile(Path("plant/site.json")));
  EXPECT_EQ(site["turbines"], 10);
  // Same flags, same bytes.
  const std::string first = io::ReadFile(Path("plant/nwp.csv"));
  Synth();
  EXPECT_EQ(io::ReadFile(Path("plant/nwp.csv")), first);
}

TEST_F(WindCommandsTest, QcCorrectFuseChain) {
  Synth();
  Run({"qc", "--in", Path("plant/measurements.csv"), "--out", Path("clean.csv"), "--report", Path("qc.json"),
       "--capacity", "25"});
  nlohmann::json results = Results();
  EXPECT_EQ(results["rows"], 5760);
  EXPECT_GT(results["kept_fraction"].get<double>(), 0.9);
  EXPECT_LT(results["kept_fraction"].get<double>(), 1.0);
  const io::Frame clean = io::ReadCsv(Path("clean.csv"));
  EXPECT_EQ(clean.names.back(), "qc_flag");
  const nlohmann::json report = nlohmann::json::parse(io::ReadFile(Path("qc.json")));
  EXPECT_EQ(report["rows_flagged"]["curtailed"], results["curtailed"]);
  EXPECT_EQ(report["power_curve"]["source"], "fitted");

  Run({"correct", "--nwp", Path("plant/nwp.csv"), "--measurements", Path("clean.csv"), "--out",
       Path("corrected.csv"), "--report", Path("correction.json")});
  results = Results();
  for (const char* source : {"ec", "gfs", "meso"}) {
    const double before = results[std::string(source) + "_rmse_before"];
    const double after = results[std::string(source) + "_rmse_after"];
    EXPECT_LT(after, before) << source;
  }
  const io::Frame corrected = io::ReadCsv(Path("corrected.csv"));
  EXPECT_EQ(corrected.names, io::ReadCsv(Path("plant/nwp.csv")).names);
  EXPECT_EQ(corrected.Rows(), 5760u);

  Run({"fuse", "--nwp", Path("corrected.csv"), "--measurements", Path("clean.csv"), "--out",
       Path("fused.csv"), "--quantiles", "0.05,0.5,0.95", "--window-days", "20"});
  results = Results();
  const double weights = results["weight_ec"].get<double>() + results["weight_gfs"].get<double>() +
                         results["weight_meso"].get<double>();
  EXPECT_NEAR(weights, 1.0, 1e-9);
  EXPECT_GT(results["sigma"].get<double>(), 0.3);
  EXPECT_LE(results["training_rows"].get<long>(), 20 * 96);
  const io::Frame fused = io::ReadCsv(Path("fused.csv"));
  EXPECT_EQ(fused.names, (std::vector<std::string>{"ws", "ws_sd", "ws_p5", "ws_p50", "ws_p95", "wd"}));
  for (size_t r = 0; r < fused.Rows(); ++r) {
    ASSERT_LE(fused.Column("ws_p5")[r], fused.Column("ws_p50")[r]) << r;
    ASSERT_LE(fused.Column("ws_p50")[r], fused.Column("ws_p95")[r]) << r;
    ASSERT_GE(fused.Column("ws_p5")[r], 0.0) << r;
  }
}

TEST_F(WindCommandsTest, AggregateTurbinesToStation) {
  Synth();
  Run({"aggregate", "--in", Path("plant/turbines.csv"), "--out", Path("station.csv"),
       "--capacity-per-turbine", "2.5"});
  const nlohmann::json results = Results();
  EXPECT_EQ(results["turbines"], 10);
  EXPECT_EQ(results["rows"], 5760);
  EXPECT_GT(results["filled_points"].get<long>(), 0);  // synthetic communication drop-outs
  const io::Frame station = io::ReadCsv(Path("station.csv"));
  EXPECT_EQ(station.names, (std::vector<std::string>{"power_mw", "reporting", "available_mw"}));
}

TEST_F(WindCommandsTest, GapsFromIssueFilesAndFromAnArchive) {
  // Day-ahead issues for May 1 and May 3 (named by issue time); May 2 is missing.
  for (const char* day : {"01", "03"}) {
    std::string csv = "time,forecast_mw\n";
    for (int q = 0; q < 96; ++q) {
      char line[64];
      std::snprintf(line, sizeof line, "2024-05-%sT%02d:%02d:00+08:00,%d\n", day, q / 4, q % 4 * 15, q);
      csv += line;
    }
    io::WriteFileAtomic(Path(std::string("issues/2024-05-") + day + "T08-00-00+08-00.csv"), csv);
  }
  Run({"gaps", "--forecasts", Path("issues"), "--from", "2024-05-01T00:00:00+08:00", "--to",
       "2024-05-04T00:00:00+08:00", "--kind", "short", "--out", Path("gaps.json")});
  nlohmann::json results = Results();
  EXPECT_EQ(results["missing_issues"], 1);
  EXPECT_EQ(results["missing_points"], 96);
  nlohmann::json gaps = nlohmann::json::parse(io::ReadFile(Path("gaps.json")));
  EXPECT_EQ(gaps["missing_issues"], nlohmann::json::array({"2024-05-02T00:00:00+08:00"}));
  EXPECT_EQ(gaps["missing_intervals"][0]["from"], "2024-05-02T00:00:00+08:00");
  EXPECT_EQ(gaps["missing_intervals"][0]["to"], "2024-05-03T00:00:00+08:00");
  EXPECT_EQ(gaps["mode"], "issues");

  // One archive file: ultra-short issues to re-run are the quarters without a value.
  io::WriteFileAtomic(Path("archive.csv"),
                      "time,forecast_mw\n2024-05-01T00:00:00+08:00,1\n2024-05-01T00:15:00+08:00,\n"
                      "2024-05-01T00:45:00+08:00,3\n");
  Run({"gaps", "--forecasts", Path("archive.csv"), "--from", "2024-05-01T00:00:00+08:00", "--to",
       "2024-05-01T01:00:00+08:00", "--kind", "ultra", "--out", Path("gaps2.json")});
  results = Results();
  EXPECT_EQ(results["missing_points"], 2);
  EXPECT_EQ(results["missing_issues"], 2);
  gaps = nlohmann::json::parse(io::ReadFile(Path("gaps2.json")));
  EXPECT_EQ(gaps["mode"], "archive");
  EXPECT_EQ(gaps["missing_intervals"].size(), 1u);
  EXPECT_EQ(gaps["missing_intervals"][0]["points"], 2);
}

TEST_F(WindCommandsTest, BadFlagsAreUsageErrors) {
  EXPECT_THROW(Run({"synth", "--days", "-1", "--out-dir", Path("x")}), io::UsageError);
  EXPECT_THROW(Run({"qc", "--in", Path("none.csv"), "--out", Path("c.csv"), "--capacity", "0"}),
               io::UsageError);
  EXPECT_THROW(Run({"qc", "--in", Path("none.csv"), "--out", Path("c.csv"), "--capacity", "10"}),
               io::InputError);
  EXPECT_THROW(Run({"synth", "--kind", "hydro", "--out-dir", Path("x")}), CLI::ValidationError);
}

}  // namespace
}  // namespace seed::commands
