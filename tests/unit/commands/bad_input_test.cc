// The bad-input corpus (bad_input/): each malformed file or flag runs the real seed-job binary as
// a child process, which must exit 2 with a message naming the file, line and column where the
// input has them, and never crash (exit 1 with "internal error", or a signal). Spreadsheet
// exports (BOM, CRLF) must pass.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <ostream>
#include <set>
#include <string>
#include <vector>

namespace {

namespace fs = std::filesystem;

struct ChildResult {
  int exit_code = -1;  // -1: killed by a signal or the deadline
  std::string output;  // stdout and stderr together
};

// Runs argv with stdout+stderr captured; kills the child if it outlives the deadline.
ChildResult RunChild(const std::vector<std::string>& argv, std::chrono::seconds deadline) {
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) return {};
  const pid_t pid = ::fork();
  if (pid == 0) {
    ::dup2(fds[1], 1);
    ::dup2(fds[1], 2);
    std::vector<char*> args;
    for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    ::execv(args[0], args.data());
    ::_exit(127);
  }
  ::close(fds[1]);
  ChildResult result;
  const auto end = std::chrono::steady_clock::now() + deadline;
  char buf[4096];
  while (true) {
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(end - std::chrono::steady_clock::now());
    if (left.count() <= 0) {
      ::kill(pid, SIGKILL);
      break;
    }
    pollfd p{fds[0], POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(left.count())) <= 0) continue;
    const ssize_t n = ::read(fds[0], buf, sizeof buf);
    if (n <= 0) break;
    result.output.append(buf, static_cast<size_t>(n));
  }
  ::close(fds[0]);
  int status = 0;
  ::waitpid(pid, &status, 0);
  if (WIFEXITED(status)) result.exit_code = WEXITSTATUS(status);
  return result;
}

struct BadInputCase {
  const char* name;
  std::vector<std::string> args;    // "{in}" is the corpus directory, "{out}" a fresh temp directory
  int exit_code;                    // 2 for bad input, 0 for inputs that must pass
  std::vector<std::string> expect;  // substrings of the output, e.g. "file.csv:4:32" (file:line:column)
};

// gtest prints a failing parameter with this instead of its bytes.
void PrintTo(const BadInputCase& c, std::ostream* os) { *os << c.name; }

const std::string kQc = "qc";
std::vector<std::string> Qc(const std::string& file, std::vector<std::string> extra = {}) {
  std::vector<std::string> args = {kQc,          "--in", "{in}/" + file, "--out", "{out}/clean.csv",
                                   "--capacity", "100"};
  args.insert(args.end(), extra.begin(), extra.end());
  return args;
}

const std::vector<BadInputCase>& Cases() {
  static const std::vector<BadInputCase> cases = {
      // --- measurement CSVs (qc) ---
      {"bad_timestamp", Qc("bad_timestamp.csv"), 2, {"bad_timestamp.csv:3:1", "bad time"}},
      {"time_without_offset", Qc("no_offset.csv"), 2, {"no_offset.csv:2:1", "offset"}},
      {"date_without_time", Qc("date_only.csv"), 2, {"date_only.csv:4:1"}},
      {"impossible_date", Qc("impossible_date.csv"), 2, {"impossible_date.csv:2:1"}},
      {"bad_utc_offset", Qc("bad_offset.csv"), 2, {"bad_offset.csv:3:1"}},
      {"missing_power_column",
       Qc("missing_power_column.csv"),
       2,
       {"missing_power_column.csv:1:", "power_mw"}},
      {"first_column_not_time", Qc("first_column_not_time.csv"), 2, {"first_column_not_time.csv:1:1"}},
      {"duplicate_column", Qc("duplicate_column.csv"), 2, {"duplicate_column.csv:1:15", "duplicate column"}},
      {"empty_column_name", Qc("empty_column_name.csv"), 2, {"empty_column_name.csv:1:15"}},
      {"text_in_number", Qc("text_in_number.csv"), 2, {"text_in_number.csv:4:32", "not a number"}},
      {"semicolon_decimal", Qc("comma_decimal.csv"), 2, {"comma_decimal.csv:3:27"}},
      {"non_monotonic_time", Qc("non_monotonic_time.csv"), 2, {"non_monotonic_time.csv:5:1", "earlier"}},
      {"duplicate_time", Qc("duplicate_time.csv"), 2, {"duplicate_time.csv:4:1", "duplicate time"}},
      {"empty_file", Qc("empty.csv"), 2, {"empty.csv:1:", "empty"}},
      {"whitespace_only_file", Qc("whitespace_only.csv"), 2, {"whitespace_only.csv:1", "file is empty"}},
      {"header_only", Qc("header_only.csv"), 2, {"header_only.csv:2:", "no data rows"}},
      {"nan_text", Qc("nan_text.csv"), 2, {"nan_text.csv:4:27", "empty"}},
      {"inf_text", Qc("inf_text.csv"), 2, {"inf_text.csv:4:30"}},
      {"na_text", Qc("na_text.csv"), 2, {"na_text.csv:3:27"}},
      {"number_out_of_range", Qc("huge_number.csv"), 2, {"huge_number.csv:3:27", "out of range"}},
      {"ragged_short_row", Qc("ragged_short_row.csv"), 2, {"ragged_short_row.csv:4:29", "expected 3 fields"}},
      {"ragged_long_row", Qc("ragged_long_row.csv"), 2, {"ragged_long_row.csv:4:32", "expected 3 fields"}},
      {"power_far_above_capacity", Qc("power_in_kw.csv"), 2, {"power_in_kw.csv:2:", "150%", "--capacity"}},
      {"capacity_zero", Qc("good_measurements.csv", {"--capacity", "0"}), 2, {"--capacity"}},
      {"capacity_negative", Qc("good_measurements.csv", {"--capacity", "-5"}), 2, {"--capacity"}},
      {"qc_unknown_kind", Qc("good_measurements.csv", {"--kind", "hydro"}), 2, {"--kind"}},
      {"qc_missing_input_file", Qc("no_such_file.csv"), 2, {"no_such_file.csv", "cannot open"}},
      {"power_curve_truncated",
       Qc("good_measurements.csv", {"--power-curve", "{in}/power_curve_truncated.json"}),
       2,
       {"power_curve_truncated.json:6:"}},
      {"power_curve_decreasing",
       Qc("good_measurements.csv", {"--power-curve", "{in}/power_curve_decreasing.json"}),
       2,
       {"power_curve_decreasing.json: ", "increasing"}},
      {"power_curve_wrong_type",
       Qc("good_measurements.csv", {"--power-curve", "{in}/power_curve_wrong_type.json"}),
       2,
       {"power_curve_wrong_type.json: ", "bin_width"}},
      // Spreadsheet exports: must pass.
      {"bom_and_crlf_pass", Qc("bom_crlf.csv"), 0, {"qc: 8 rows"}},
      {"crlf_and_trailing_blank_line_pass", Qc("crlf_trailing_blank_line.csv"), 0, {"qc: 8 rows"}},
      // --- synth flags ---
      {"synth_negative_days", {"synth", "--days", "-1", "--out-dir", "{out}"}, 2, {"--days"}},
      {"synth_unknown_kind", {"synth", "--kind", "nuclear", "--out-dir", "{out}"}, 2, {"--kind"}},
      {"synth_start_without_time", {"synth", "--start", "2024-01-01", "--out-dir", "{out}"}, 2, {"--start"}},
      {"synth_start_off_grid",
       {"synth", "--start", "2024-01-01T00:07:00+08:00", "--out-dir", "{out}"},
       2,
       {"quarter"}},
      {"synth_uppercase_source",
       {"synth", "--nwp-sources", "EC,gfs", "--days", "1", "--out-dir", "{out}"},
       2,
       {"'EC'"}},
      {"synth_zero_capacity", {"synth", "--capacity", "0", "--out-dir", "{out}"}, 2, {"--capacity"}},
      {"tower_without_speed_columns",
       {"tower", "--data", "{in}/good_measurements.csv", "--out", "{out}/tower.json"},
       2,
       {"good_measurements.csv:1:", "ws_<height>m"}},
      {"tower_bad_timestamp",
       {"tower", "--data", "{in}/bad_timestamp.csv", "--out", "{out}/tower.json"},
       2,
       {"bad_timestamp.csv:3:1"}},
      {"train_pvwatts_without_site",
       {"train", "--model", "pvwatts", "--nwp", "{in}/good_nwp.csv", "--measurements",
        "{in}/good_measurements.csv", "--capacity", "100", "--out", "{out}/model.json"},
       2,
       {"--latitude and --longitude"}},
      // --- correct / fuse ---
      {"correct_nwp_without_sources",
       {"correct", "--nwp", "{in}/nwp_no_sources.csv", "--measurements", "{in}/good_measurements.csv",
        "--out", "{out}/c.csv"},
       2,
       {"nwp_no_sources.csv:1:", "_ws"}},
      {"correct_nwp_text_in_number",
       {"correct", "--nwp", "{in}/nwp_text_in_number.csv", "--measurements", "{in}/good_measurements.csv",
        "--out", "{out}/c.csv"},
       2,
       {"nwp_text_in_number.csv:3:31"}},
      {"correct_measurements_without_wind",
       {"correct", "--nwp", "{in}/good_nwp.csv", "--measurements", "{in}/measurements_without_wind.csv",
        "--out", "{out}/c.csv"},
       2,
       {"measurements_without_wind.csv:1:", "wind_speed"}},
      {"correct_zero_sectors",
       {"correct", "--nwp", "{in}/good_nwp.csv", "--measurements", "{in}/good_measurements.csv", "--out",
        "{out}/c.csv", "--sectors", "0"},
       2,
       {"--sectors"}},
      {"fuse_bad_quantiles",
       {"fuse", "--nwp", "{in}/good_nwp.csv", "--measurements", "{in}/good_measurements.csv", "--out",
        "{out}/f.csv", "--quantiles", "0,1.5"},
       2,
       {"--quantiles"}},
      {"fuse_header_only_measurements",
       {"fuse", "--nwp", "{in}/good_nwp.csv", "--measurements", "{in}/header_only.csv", "--out",
        "{out}/f.csv"},
       2,
       {"header_only.csv:2:"}},
      {"fuse_negative_window",
       {"fuse", "--nwp", "{in}/good_nwp.csv", "--measurements", "{in}/good_measurements.csv", "--out",
        "{out}/f.csv", "--window-days", "-3"},
       2,
       {"--window-days"}},
      // --- aggregate ---
      {"aggregate_no_turbine_columns",
       {"aggregate", "--in", "{in}/turbines_no_wt_columns.csv", "--out", "{out}/s.csv"},
       2,
       {"turbines_no_wt_columns.csv:1:", "wt<id>_mw"}},
      {"aggregate_bad_cell",
       {"aggregate", "--in", "{in}/turbines_bad_cell.csv", "--out", "{out}/s.csv"},
       2,
       {"turbines_bad_cell.csv:3:31"}},
      {"aggregate_min_available_above_one",
       {"aggregate", "--in", "{in}/turbines_bad_cell.csv", "--out", "{out}/s.csv", "--min-available", "1.5"},
       2,
       {"--min-available"}},
      // --- gaps ---
      {"gaps_bad_time_in_forecast",
       {"gaps", "--forecasts", "{in}/forecast_bad_time.csv", "--from", "2024-05-01T00:00:00+08:00", "--to",
        "2024-05-02T00:00:00+08:00", "--out", "{out}/g.json"},
       2,
       {"forecast_bad_time.csv:3:1"}},
      {"gaps_bad_from",
       {"gaps", "--forecasts", "{in}/forecast_bad_time.csv", "--from", "yesterday", "--to",
        "2024-05-02T00:00:00+08:00", "--out", "{out}/g.json"},
       2,
       {"--from"}},
      {"gaps_to_before_from",
       {"gaps", "--forecasts", "{in}/forecast_bad_time.csv", "--from", "2024-05-02T00:00:00+08:00", "--to",
        "2024-05-01T00:00:00+08:00", "--out", "{out}/g.json"},
       2,
       {"--to"}},
      {"gaps_unknown_kind",
       {"gaps", "--forecasts", "{in}", "--from", "2024-05-01T00:00:00+08:00", "--to",
        "2024-05-02T00:00:00+08:00", "--kind", "medium", "--out", "{out}/g.json"},
       2,
       {"--kind"}},
      {"gaps_missing_path",
       {"gaps", "--forecasts", "{in}/does_not_exist", "{in}/also_missing", "--from",
        "2024-05-01T00:00:00+08:00", "--to", "2024-05-02T00:00:00+08:00", "--out", "{out}/g.json"},
       2,
       {"does_not_exist", "no such file"}},
      // --- model files (train / forecast) ---
      {"forecast_truncated_model",
       {"forecast", "--model", "{in}/model_truncated.json", "--nwp", "{in}/good_nwp.csv", "--out",
        "{out}/fc.csv", "--issue-time", "2024-05-01T00:00:00+08:00"},
       2,
       {"model_truncated.json:6:"}},
      {"forecast_tampered_model",
       {"forecast", "--model", "{in}/model_tampered.json", "--nwp", "{in}/good_nwp.csv", "--out",
        "{out}/fc.csv", "--issue-time", "2024-05-01T00:00:00+08:00"},
       2,
       {"model_tampered.json: ", "checksum"}},
      {"forecast_not_a_model",
       {"forecast", "--model", "{in}/model_not_a_model.json", "--nwp", "{in}/good_nwp.csv", "--out",
        "{out}/fc.csv", "--issue-time", "2024-05-01T00:00:00+08:00"},
       2,
       {"model_not_a_model.json: ", "not a Seed model"}},
      // seed-gbdt version 2 models inside a correctly sealed artifact: decoded, refused, no crash.
      {"forecast_v2_model_bad_base64",
       {"forecast", "--model", "{in}/model_v2_bad_base64.json", "--nwp", "{in}/good_nwp.csv", "--out",
        "{out}/fc.csv", "--issue-time", "2024-05-01T00:00:00+08:00"},
       2,
       {"model_v2_bad_base64.json: ", "\"nodes\" is not valid base64"}},
      {"forecast_v2_model_truncated_nodes",
       {"forecast", "--model", "{in}/model_v2_truncated_nodes.json", "--nwp", "{in}/good_nwp.csv", "--out",
        "{out}/fc.csv", "--issue-time", "2024-05-01T00:00:00+08:00"},
       2,
       {"model_v2_truncated_nodes.json: ", "\"nodes\" holds 7 entries, expected 8"}},
      {"forecast_v2_model_threshold_out_of_range",
       {"forecast", "--model", "{in}/model_v2_threshold_out_of_range.json", "--nwp", "{in}/good_nwp.csv",
        "--out", "{out}/fc.csv", "--issue-time", "2024-05-01T00:00:00+08:00"},
       2,
       {"model_v2_threshold_out_of_range.json: ", "threshold index 7 out of range"}},
      {"forecast_v2_model_child_before_parent",
       {"forecast", "--model", "{in}/model_v2_child_before_parent.json", "--nwp", "{in}/good_nwp.csv",
        "--out", "{out}/fc.csv", "--issue-time", "2024-05-01T00:00:00+08:00"},
       2,
       {"model_v2_child_before_parent.json: ", "children 1/2 must come after the node"}},
      {"train_header_only_measurements",
       {"train", "--nwp", "{in}/good_nwp.csv", "--measurements", "{in}/header_only.csv", "--capacity", "100",
        "--out", "{out}/m.json"},
       2,
       {"header_only.csv:2:"}},
      // --- NWP inputs: runs, the feature grammar, the site ---
      {"train_runs_duplicate_time",
       {"train", "--nwp", "{in}/nwp_runs_duplicate.csv", "--measurements", "{in}/good_measurements.csv",
        "--capacity", "100", "--out", "{out}/m.json"},
       2,
       {"nwp_runs_duplicate.csv:4:1:", "in the same run (also on line 2)"}},
      {"train_unknown_feature",
       {"train", "--nwp", "{in}/good_nwp.csv", "--measurements", "{in}/good_measurements.csv", "--capacity",
        "100", "--features", "ws,speed(u100,v100)", "--out", "{out}/m.json"},
       2,
       {"good_nwp.csv: unknown feature 'u100' in 'speed(u100,v100)'", "ec_ws, ec_wd"}},
      {"train_feature_grammar",
       {"train", "--nwp", "{in}/good_nwp.csv", "--measurements", "{in}/good_measurements.csv", "--capacity",
        "100", "--features", "ws@1h", "--out", "{out}/m.json"},
       2,
       {"feature 'ws@1h': expected + or -"}},
      {"train_glob_matches_nothing",
       {"train", "--nwp", "{in}/good_nwp.csv", "--measurements", "{in}/good_measurements.csv", "--capacity",
        "100", "--features", "col:ssrd*", "--out", "{out}/m.json"},
       2,
       {"'col:ssrd*' matches no NWP column"}},
      {"train_solar_without_site",
       {"train", "--kind", "solar", "--nwp", "{in}/good_nwp.csv", "--measurements",
        "{in}/good_measurements.csv", "--capacity", "100", "--ghi-column", "ec_ws", "--out", "{out}/m.json"},
       2,
       {"--latitude and --longitude"}},
      {"train_zero_capacity",
       {"train", "--nwp", "{in}/good_nwp.csv", "--measurements", "{in}/good_measurements.csv", "--capacity",
        "0", "--out", "{out}/m.json"},
       2,
       {"--capacity"}},
  };
  return cases;
}

// Commands whose cases are listed above but not run yet because the command is still a
// placeholder; enable a command by removing it here when it lands. Their cases are left out of
// the instantiation (not skipped), so nothing unrun is counted as passing.
const std::set<std::string> kPendingCommands = {};

std::vector<BadInputCase> RunnableCases() {
  std::vector<BadInputCase> runnable;
  for (const auto& c : Cases()) {
    if (!kPendingCommands.count(c.args.front())) runnable.push_back(c);
  }
  return runnable;
}

class BadInputTest : public ::testing::TestWithParam<BadInputCase> {};

TEST_P(BadInputTest, ExitsTwoNamingTheFileLineAndColumn) {
  const BadInputCase& c = GetParam();
  static std::atomic<int> counter{0};
  const fs::path out = fs::temp_directory_path() /
                       ("seed_bad_input_" + std::to_string(::getpid()) + "_" + std::to_string(counter++));
  fs::create_directories(out);
  std::vector<std::string> argv = {SEED_JOB_BINARY};
  for (std::string arg : c.args) {
    for (const auto& [key, value] :
         {std::pair<std::string, std::string>{"{in}", SEED_BAD_INPUT_DIR}, {"{out}", out.string()}}) {
      const size_t at = arg.find(key);
      if (at != std::string::npos) arg.replace(at, key.size(), value);
    }
    argv.push_back(arg);
  }
  const ChildResult result = RunChild(argv, std::chrono::seconds(60));
  fs::remove_all(out);
  EXPECT_EQ(result.exit_code, c.exit_code) << result.output;
  if (c.exit_code == 2) {
    EXPECT_EQ(result.output.find("internal error"), std::string::npos) << result.output;
  }
  for (const auto& expected : c.expect) {
    EXPECT_NE(result.output.find(expected), std::string::npos) << "expected '" << expected << "' in:\n"
                                                               << result.output;
  }
}

INSTANTIATE_TEST_SUITE_P(Corpus, BadInputTest, ::testing::ValuesIn(RunnableCases()),
                         [](const ::testing::TestParamInfo<BadInputCase>& case_info) {
                           return std::string(case_info.param.name);
                         });

TEST(BadInputCorpusTest, HasAtLeastThirtyMalformedInputs) {
  long malformed = 0;
  for (const auto& c : RunnableCases()) malformed += c.exit_code == 2 ? 1 : 0;
  EXPECT_GE(malformed, 30);
}

}  // namespace
