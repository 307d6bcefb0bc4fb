#pragma once
// Shared by the fetch tests: the two database servers (started once for the whole binary by
// main.cc), the month of test data they hold, and `seed-job fetch` run as a child process so
// exit codes and messages are the real ones.
#include <gtest/gtest.h>

#include <filesystem>
#include <string>
#include <vector>

#include "db_servers.h"
#include "process.h"

namespace seed::fetch_test {

// Set by main.cc before any test runs; null with the reason in ServerProblem() when a server
// could not start (the tests then fail, never skip).
DbServer* MariaDbServer();
DbServer* PostgresServer();
const std::string& ServerProblem(const std::string& engine);
void StartServers();
void StopServers();

// The test table `power(station, ts, active_power, note)` in database `plant`: stations wf01
// and wf02, every 15 min from 2024-03-31T00:00 to 2024-05-01T23:45 (+08:00). active_power in kW.
std::string CreatePowerTableSql(const std::string& engine);
double PowerKw(int index, int station);  // NaN for the NULLs
bool IsNull(int index);
// The CSV `fetch` must write for wf01 in [2024-04-01T00:00+08:00, +days), power in MW, times at +08:00.
std::string ExpectedCsv(int first_index, int rows);
constexpr int kIndexApril1 = 96;

// The NWP table `nwp_forecast(station_id, source, issue_time, forecast_time, ws_100m)`: runs of
// sources `ec` and `gfs` issued at 00:00 and 12:00 (+08:00, wall time in both servers) on
// 2024-04-01..03, 48 hourly valid times each.
std::string CreateNwpTableSql(const std::string& engine);
// The CSV of the `ec` runs with index [first, last) (run 0 = 2024-04-01T00:00+08:00, 12 h apart).
std::string ExpectedNwpCsv(int first_run,
                           int last_run);  // 2024-04-01T00:00:00+08:00 is the 96th quarter hour of the table

class FetchTest : public ::testing::Test {
 protected:
  void SetUp() override;
  void TearDown() override;
  std::string Path(const std::string& name) const { return (dir_ / name).string(); }
  // Runs build/bin/seed-job fetch <args>.
  static Output Fetch(const std::vector<std::string>& args);
  // The directory's entries other than `keep` (what a failed run must not leave behind).
  std::vector<std::string> Leftovers(const std::vector<std::string>& keep) const;

  std::filesystem::path dir_;
};

}  // namespace seed::fetch_test
