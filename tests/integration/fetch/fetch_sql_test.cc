// `seed-job fetch` against real MariaDB and PostgreSQL servers on loopback: the same cases on both.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <thread>

#include "fetch_fixture.h"

namespace seed::fetch_test {
namespace {

using namespace std::chrono_literals;
using ::testing::HasSubstr;
using ::testing::Not;

constexpr const char* kMonthQuery =
    "SELECT ts, active_power FROM power WHERE station = {{station}} AND ts >= {{from}} AND ts < {{to}}";

class FetchSqlTest : public FetchTest, public ::testing::WithParamInterface<std::string> {
 protected:
  void SetUp() override {
    FetchTest::SetUp();
    server_ = GetParam() == "mariadb" ? MariaDbServer() : PostgresServer();
    ASSERT_NE(server_, nullptr) << GetParam() << " did not start: " << ServerProblem(GetParam());
    WriteDsn("dsn", server_->Dsn());
  }
  void WriteDsn(const std::string& name, const std::string& dsn) { std::ofstream(Path(name)) << dsn << "\n"; }
  bool Mysql() const { return GetParam() == "mariadb"; }
  // MariaDB holds local wall times (DATETIME): --db-offset says which; PostgreSQL holds instants.
  std::vector<std::string> Common() const {
    return {"--dsn-file",      Path("dsn"),
            "--param",         "station=wf01",
            "--columns",       "time=ts,power_mw=active_power",
            "--scale",         "power_mw=0.001",
            "--db-offset",     Mysql() ? "+08:00" : "Z",
            "--output-offset", "+08:00",
            "--out",           Path("power.csv")};
  }
  std::vector<std::string> Args(std::vector<std::string> extra) const {
    std::vector<std::string> args = Common();
    args.insert(args.end(), extra.begin(), extra.end());
    return args;
  }
  std::string Output() const { return ReadText(Path("power.csv")); }

  DbServer* server_ = nullptr;
};

TEST_P(FetchSqlTest, AMonthOfQuarterHoursThroughAParameterisedQuery) {
  const auto r = Fetch(Args(
      {"--query", kMonthQuery, "--from", "2024-04-01T00:00:00+08:00", "--to", "2024-05-01T00:00:00+08:00"}));
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(Output(), ExpectedCsv(kIndexApril1, 2880));
  EXPECT_THAT(r.out, HasSubstr("2880 rows"));
  EXPECT_THAT(Leftovers({"dsn", "power.csv"}), ::testing::IsEmpty());
}

TEST_P(FetchSqlTest, TheSameInstantWhateverOffsetTheFlagsAreWrittenIn) {
  // [2024-03-31T16:00Z, 2024-04-01T16:00Z) is April 1st at +08:00: 96 rows.
  const auto r =
      Fetch(Args({"--query", kMonthQuery, "--from", "2024-03-31T16:00:00Z", "--to", "2024-04-01T16:00:00Z"}));
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(Output(), ExpectedCsv(kIndexApril1, 96));
}

TEST_P(FetchSqlTest, DsnFromAnEnvironmentVariable) {
  ::setenv("SEED_TEST_FETCH_DSN", server_->Dsn().c_str(), 1);
  std::vector<std::string> args = Args(
      {"--query", kMonthQuery, "--from", "2024-04-01T00:00:00+08:00", "--to", "2024-04-02T00:00:00+08:00"});
  args[0] = "--dsn-env";
  args[1] = "SEED_TEST_FETCH_DSN";
  const auto r = Fetch(args);
  ::unsetenv("SEED_TEST_FETCH_DSN");
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(Output(), ExpectedCsv(kIndexApril1, 96));
}

TEST_P(FetchSqlTest, AnInjectionInATimeFlagIsRefusedAsATime) {
  const auto r = Fetch(
      Args({"--query", kMonthQuery, "--from", "2024-01-01' OR 1=1 --", "--to", "2024-05-01T00:00:00+08:00"}));
  EXPECT_EQ(r.code, 2) << r.err;
  EXPECT_THAT(r.err, HasSubstr("--from '2024-01-01' OR 1=1 --'"));
  EXPECT_THAT(r.err, HasSubstr("RFC 3339"));
  EXPECT_FALSE(std::filesystem::exists(Path("power.csv")));
}

TEST_P(FetchSqlTest, AnInjectionInAStringParameterStaysAValue) {
  // Spliced into the SQL, each of these would select rows (every station's, or drop the table);
  // bound, each is a station name that does not exist: zero rows, and the table is intact.
  const auto honest = Fetch(Args(
      {"--query", kMonthQuery, "--from", "2024-04-01T00:00:00+08:00", "--to", "2024-05-01T00:00:00+08:00"}));
  ASSERT_EQ(honest.code, 0) << honest.err;
  ASSERT_EQ(Output(), ExpectedCsv(kIndexApril1, 2880));
  for (const std::string station :
       {"wf01' OR '1'='1", "wf01' OR 1=1 -- ", "x'; DROP TABLE power; --", "wf01\\' OR 1=1 #"}) {
    std::vector<std::string> args = Args(
        {"--query", kMonthQuery, "--from", "2024-04-01T00:00:00+08:00", "--to", "2024-05-01T00:00:00+08:00"});
    args[3] = "station=" + station;
    const auto injected = Fetch(args);
    ASSERT_EQ(injected.code, 0) << station << ": " << injected.err;
    EXPECT_EQ(Output(), "time,power_mw\n") << station;
  }
  EXPECT_THAT(server_->Admin(Mysql() ? "SELECT COUNT(*) FROM plant.power" : "SELECT COUNT(*) FROM power"),
              HasSubstr(std::to_string(2 * 96 * 32)));
}

TEST_P(FetchSqlTest, TheServerReceivesMarkersAndTheValuesSeparately) {
  // The proof of binding on the server's side: the statement it prepared has markers where the
  // placeholders were, and the value (quotes and all) travelled as a parameter.
  std::vector<std::string> args = Args(
      {"--query", kMonthQuery, "--from", "2024-04-01T00:00:00+08:00", "--to", "2024-05-01T00:00:00+08:00"});
  args[3] = "station=wf09' OR 'x'='x";
  const auto r = Fetch(args);
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(Output(), "time,power_mw\n");
  const std::string log = server_->StatementLog();
  if (Mysql()) {
    EXPECT_THAT(
        log,
        HasSubstr("Prepare\tSELECT ts, active_power FROM power WHERE station = ? AND ts >= ? AND ts < ?"));
  } else {
    EXPECT_THAT(
        log, HasSubstr("execute <unnamed>: SELECT ts, active_power FROM power WHERE station = $1 AND ts >= "
                       "$2 AND ts < $3"));
    EXPECT_THAT(log, HasSubstr("parameters: $1 = 'wf09'' OR ''x''=''x'"));
  }
}

TEST_P(FetchSqlTest, APlaceholderInsideQuotesIsRefused) {
  const auto r =
      Fetch(Args({"--query",
                  "SELECT ts, active_power FROM power WHERE station = '{{station}}' AND ts >= {{from}} AND "
                  "ts < {{to}}",
                  "--from", "2024-04-01T00:00:00+08:00", "--to", "2024-05-01T00:00:00+08:00"}));
  EXPECT_EQ(r.code, 2);
  EXPECT_THAT(r.err, HasSubstr("{{station}} is inside quotes"));
}

TEST_P(FetchSqlTest, SinceLastFetchesOnlyNewRowsAndMergesThem) {
  const std::string state = Path("power.state.json");
  // First run: from --from to mid-month.
  auto r = Fetch(Args({"--query", kMonthQuery, "--since-last", state, "--from", "2024-04-01T00:00:00+08:00",
                       "--to", "2024-04-16T00:00:00+08:00"}));
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(Output(), ExpectedCsv(kIndexApril1, 1440));
  EXPECT_THAT(ReadText(state), HasSubstr("\"watermark\": \"2024-04-15T15:45:00Z\""));
  const std::string state_after_first = ReadText(state);

  // A failed run (the login is refused) changes neither the output nor the watermark.
  WriteDsn("bad_dsn", server_->Dsn("wrong-password"));
  std::vector<std::string> failing =
      Args({"--query", kMonthQuery, "--since-last", state, "--to", "2024-05-01T00:00:00+08:00"});
  failing[1] = Path("bad_dsn");
  r = Fetch(failing);
  EXPECT_EQ(r.code, 2) << r.err;
  EXPECT_EQ(Output(), ExpectedCsv(kIndexApril1, 1440));
  EXPECT_EQ(ReadText(state), state_after_first);

  // Second run: no --from; starts at the watermark and merges. The whole month results.
  r = Fetch(Args({"--query", kMonthQuery, "--since-last", state, "--to", "2024-05-01T00:00:00+08:00"}));
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("1441 rows"));  // the watermark's own row is fetched again
  EXPECT_EQ(Output(), ExpectedCsv(kIndexApril1, 2880));
  EXPECT_THAT(ReadText(state), HasSubstr("\"watermark\": \"2024-04-30T15:45:00Z\""));

  // A third run finds nothing newer: the output and watermark stay. So does one whose --to is not
  // past the watermark (nothing to ask the server).
  for (const char* to : {"2024-05-01T00:00:00+08:00", "2024-04-30T23:45:00+08:00"}) {
    r = Fetch(Args({"--query", kMonthQuery, "--since-last", state, "--to", to}));
    ASSERT_EQ(r.code, 0) << r.err;
    EXPECT_EQ(Output(), ExpectedCsv(kIndexApril1, 2880));
    EXPECT_THAT(ReadText(state), HasSubstr("\"watermark\": \"2024-04-30T15:45:00Z\""));
  }

  // A state without its output would leave a gap: refused.
  std::filesystem::remove(Path("power.csv"));
  r = Fetch(Args({"--query", kMonthQuery, "--since-last", state, "--to", "2024-05-01T00:00:00+08:00"}));
  EXPECT_EQ(r.code, 2);
  EXPECT_THAT(r.err, HasSubstr("which does not exist (delete the state file to start over from --from)"));
}

TEST_P(FetchSqlTest, ABadDsnIsABadInputWithoutThePassword) {
  WriteDsn("dsn", Mysql() ? "mysql//seed:hunter2@127.0.0.1/plant"
                          : "postgresql://seed:hunter2@127.0.0.1:99999/plant");
  const auto r =
      Fetch(Args({"--query", kMonthQuery, "--from", "2024-04-01T00:00:00Z", "--to", "2024-04-02T00:00:00Z"}));
  EXPECT_EQ(r.code, 2);
  EXPECT_THAT(r.err, HasSubstr("not a usable DSN"));
  EXPECT_THAT(r.err, HasSubstr(Path("dsn")));
  EXPECT_THAT(r.err, Not(HasSubstr("hunter2")));
}

TEST_P(FetchSqlTest, AWrongPasswordNamesTheUserAndHostNotThePassword) {
  WriteDsn("dsn", server_->Dsn("hunter2"));
  const auto r =
      Fetch(Args({"--query", kMonthQuery, "--from", "2024-04-01T00:00:00Z", "--to", "2024-04-02T00:00:00Z"}));
  EXPECT_EQ(r.code, 2) << r.err;
  EXPECT_THAT(r.err, HasSubstr("login refused for user 'seed' at host '127.0.0.1'"));
  EXPECT_THAT(r.err, HasSubstr("check the user and password"));
  EXPECT_THAT(r.err, Not(HasSubstr("hunter2")));
  EXPECT_FALSE(std::filesystem::exists(Path("power.csv")));
}

TEST_P(FetchSqlTest, AnUnknownColumnInTheQueryIsABadInput) {
  const auto r =
      Fetch(Args({"--query",
                  "SELECT ts, reactive_power FROM power WHERE station = {{station}} AND ts >= {{from}} AND "
                  "ts < {{to}}",
                  "--from", "2024-04-01T00:00:00Z", "--to", "2024-04-02T00:00:00Z"}));
  EXPECT_EQ(r.code, 2) << r.err;
  EXPECT_THAT(r.err, HasSubstr("reactive_power"));
  EXPECT_THAT(r.err, HasSubstr(Mysql() ? "Unknown column" : "does not exist"));
}

TEST_P(FetchSqlTest, AMissingMappedColumnListsTheResultsColumns) {
  const auto r =
      Fetch(Args({"--query",
                  "SELECT ts, active_power AS p FROM power WHERE station = {{station}} AND ts >= {{from}} "
                  "AND ts < {{to}}",
                  "--from", "2024-04-01T00:00:00Z", "--to", "2024-04-02T00:00:00Z"}));
  EXPECT_EQ(r.code, 2) << r.err;
  EXPECT_THAT(r.err, HasSubstr("column `active_power` not in the result; the result has: ts, p"));
}

TEST_P(FetchSqlTest, TextInANumericColumnNamesTheRowAndValue) {
  const auto r =
      Fetch(Args({"--query",
                  "SELECT ts, note AS active_power FROM power WHERE station = 'wf02' AND ts >= {{from}} AND "
                  "ts < {{to}} ORDER BY ts",
                  "--from", "2024-03-31T00:00:00+08:00", "--to", "2024-05-02T00:00:00+08:00"}));
  EXPECT_EQ(r.code, 2) << r.err;
  EXPECT_THAT(r.err, HasSubstr("row 1 "));
  EXPECT_THAT(r.err, HasSubstr("'ok' is not a number"));
  EXPECT_FALSE(std::filesystem::exists(Path("power.csv")));
}

TEST_P(FetchSqlTest, NwpRunsIncrementallyByIssueTime) {
  const std::string state = Path("nwp.state.json");
  const std::string query =
      "SELECT forecast_time, issue_time, ws_100m FROM nwp_forecast WHERE station_id = {{station}} AND source "
      "= 'ec' "
      "AND issue_time >= {{from}} AND issue_time < {{to}}";
  auto args = [&](std::vector<std::string> period) {
    std::vector<std::string> a = {"--dsn-file",      Path("dsn"),
                                  "--param",         "station=wf01",
                                  "--query",         query,
                                  "--columns",       "time=forecast_time,issue_time=issue_time,ec_ws=ws_100m",
                                  "--db-offset",     "+08:00",
                                  "--output-offset", "+08:00",
                                  "--since-last",    state,
                                  "--out",           Path("nwp.csv")};
    a.insert(a.end(), period.begin(), period.end());
    return a;
  };
  // The first run only (the period ends 6 h after it, in the plant's wall time, which is what the
  // TIMESTAMP columns hold), then up to the end of the third day: every run once, in run order.
  auto r = Fetch(args({"--from", "2024-04-01T00:00:00+08:00", "--to", "2024-04-01T06:00:00+08:00"}));
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(ReadText(Path("nwp.csv")), ExpectedNwpCsv(0, 1));
  EXPECT_THAT(ReadText(state), HasSubstr("\"watermark\": \"2024-03-31T16:00:00Z\""));  // the 00:00 run
  r = Fetch(args({"--to", "2024-04-04T00:00:00+08:00"}));
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("288 rows"));  // the watermark's run again, and five new ones
  EXPECT_EQ(ReadText(Path("nwp.csv")), ExpectedNwpCsv(0, 6));
}

// Kills the fetch's connection from a second one while its query runs; returns once killed.
void KillQueryContaining(DbServer& server, bool mysql, const std::string& marker) {
  std::string id;
  const std::string find = mysql ? "SELECT ID FROM information_schema.PROCESSLIST WHERE INFO LIKE '%" +
                                       marker + "%' AND ID <> CONNECTION_ID()"
                                 : "SELECT pid FROM pg_stat_activity WHERE query LIKE '%" + marker +
                                       "%' AND pid <> pg_backend_pid()";
  ASSERT_TRUE(PollUntil(
      [&] {
        id = server.Admin(find);
        while (!id.empty() && (id.back() == '\n' || id.back() == ' ')) id.pop_back();
        return !id.empty() && id.find('\n') == std::string::npos;
      },
      30s))
      << "the fetch's query never showed up on the server";
  server.Admin(mysql ? "KILL CONNECTION " + id : "SELECT pg_terminate_backend(" + id + ")");
}

std::string SlowQuery(bool mysql) {
  return mysql ? "SELECT ts, active_power FROM power CROSS JOIN (SELECT SLEEP(2) AS z) AS slow "
                 "WHERE station = {{station}} AND ts >= {{from}} AND ts < {{to}}"
               : "SELECT ts, active_power FROM power CROSS JOIN pg_sleep(2) "
                 "WHERE station = {{station}} AND ts >= {{from}} AND ts < {{to}}";
}

TEST_P(FetchSqlTest, ADroppedConnectionWithoutRetriesIsExit1AndNoPartialFile) {
  std::ofstream(Path("power.csv")) << "time,power_mw\n2024-03-01T00:00:00+08:00,1\n";  // an earlier output
  Child fetch({SEED_JOB_BINARY, "fetch",
               "--dsn-file",    Path("dsn"),
               "--param",       "station=wf01",
               "--columns",     "time=ts,power_mw=active_power",
               "--db-offset",   Mysql() ? "+08:00" : "Z",
               "--out",         Path("power.csv"),
               "--query",       SlowQuery(Mysql()),
               "--from",        "2024-04-01T00:00:00+08:00",
               "--to",          "2024-05-01T00:00:00+08:00",
               "--retries",     "0"},
              Path("fetch.out"), Path("fetch.err"));
  KillQueryContaining(*server_, Mysql(), Mysql() ? "SLEEP(2)" : "pg_sleep(2)");
  const auto code = fetch.Wait(60s);
  ASSERT_TRUE(code.has_value());
  EXPECT_EQ(*code, 1) << ReadText(Path("fetch.err"));
  EXPECT_THAT(ReadText(Path("fetch.err")), HasSubstr("nothing was written"));
  EXPECT_EQ(Output(), "time,power_mw\n2024-03-01T00:00:00+08:00,1\n");
  EXPECT_THAT(Leftovers({"dsn", "power.csv", "fetch.out", "fetch.err"}), ::testing::IsEmpty());
}

TEST_P(FetchSqlTest, ADroppedConnectionIsRetried) {
  Child fetch({SEED_JOB_BINARY,
               "fetch",
               "--dsn-file",
               Path("dsn"),
               "--param",
               "station=wf01",
               "--columns",
               "time=ts,power_mw=active_power",
               "--scale",
               "power_mw=0.001",
               "--db-offset",
               Mysql() ? "+08:00" : "Z",
               "--output-offset",
               "+08:00",
               "--out",
               Path("power.csv"),
               "--query",
               SlowQuery(Mysql()),
               "--from",
               "2024-04-01T00:00:00+08:00",
               "--to",
               "2024-05-01T00:00:00+08:00",
               "--retries",
               "2",
               "--retry-backoff",
               "0.2"},
              Path("fetch.out"), Path("fetch.err"));
  KillQueryContaining(*server_, Mysql(), Mysql() ? "SLEEP(2)" : "pg_sleep(2)");
  const auto code = fetch.Wait(60s);
  ASSERT_TRUE(code.has_value());
  EXPECT_EQ(*code, 0) << ReadText(Path("fetch.err"));
  EXPECT_THAT(ReadText(Path("fetch.err")), HasSubstr("retrying"));
  EXPECT_EQ(Output(), ExpectedCsv(kIndexApril1, 2880));
}

TEST_P(FetchSqlTest, AServerThatIsNotThereIsRetriedThenExit1) {
  WriteDsn("dsn", Mysql() ? "mysql://seed:pw@127.0.0.1:" + std::to_string(FreePort()) + "/plant"
                          : "postgresql://seed:pw@127.0.0.1:" + std::to_string(FreePort()) + "/plant");
  const auto r = Fetch(Args({"--query", kMonthQuery, "--from", "2024-04-01T00:00:00Z", "--to",
                             "2024-04-02T00:00:00Z", "--retries", "1", "--retry-backoff", "0.05"}));
  EXPECT_EQ(r.code, 1) << r.err;
  EXPECT_THAT(r.err, HasSubstr("retrying"));
  EXPECT_THAT(r.err, HasSubstr("failed 2 times"));
  EXPECT_FALSE(std::filesystem::exists(Path("power.csv")));
}

INSTANTIATE_TEST_SUITE_P(Servers, FetchSqlTest, ::testing::Values("mariadb", "postgres"),
                         [](const auto& param_info) { return param_info.param; });

}  // namespace
}  // namespace seed::fetch_test
