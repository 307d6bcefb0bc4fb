#include "fetch_fixture.h"

#include <unistd.h>

#include <atomic>
#include <cmath>
#include <cstdio>
#include <limits>
#include <memory>

namespace seed::fetch_test {
namespace {

std::unique_ptr<DbServer> g_mariadb, g_postgres;
std::string g_mariadb_problem, g_postgres_problem;

// "2024-03-31 00:00:00" plus `index` quarter hours, in local (+08:00) wall time.
std::string LocalTime(int index) {
  const int day = index / 96, minute = (index % 96) * 15;
  // 2024-03-31 is day 0; March has 31 days, April 30.
  int month = 3, dom = 31 + day;
  if (dom > 31) {
    month = 4;
    dom -= 31;
  }
  if (month == 4 && dom > 30) {
    month = 5;
    dom -= 30;
  }
  char buf[32];
  std::snprintf(buf, sizeof buf, "2024-%02d-%02d %02d:%02d:00", month, dom, minute / 60, minute % 60);
  return buf;
}

constexpr int kTableRows = 96 * 32;  // 2024-03-31 .. 2024-05-01

}  // namespace

DbServer* MariaDbServer() { return g_mariadb.get(); }
DbServer* PostgresServer() { return g_postgres.get(); }
const std::string& ServerProblem(const std::string& engine) {
  return engine == "mariadb" ? g_mariadb_problem : g_postgres_problem;
}

void StartServers() {
  try {
    g_mariadb = StartMariaDb(g_mariadb_problem);
    if (g_mariadb)
      g_mariadb->Admin("USE plant; " + CreatePowerTableSql("mariadb") + CreateNwpTableSql("mariadb"));
  } catch (const std::exception& e) {
    g_mariadb.reset();
    g_mariadb_problem = e.what();
  }
  try {
    g_postgres = StartPostgres(g_postgres_problem);
    if (g_postgres) g_postgres->Admin(CreatePowerTableSql("postgres") + CreateNwpTableSql("postgres"));
  } catch (const std::exception& e) {
    g_postgres.reset();
    g_postgres_problem = e.what();
  }
}

void StopServers() {
  g_mariadb.reset();
  g_postgres.reset();
}

namespace {

// 2024-04-01T00:00 plus `hours`, as "2024-04-DD HH:00:00" (all within April).
std::string AprilHour(int hours) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "2024-04-%02d %02d:00:00", 1 + hours / 24, hours % 24);
  return buf;
}

double NwpSpeed(int run, int lead, int source) { return (run * 100 + lead) / 10.0 + source * 50; }

}  // namespace

std::string CreateNwpTableSql(const std::string& engine) {
  const std::string type = engine == "mariadb" ? "DATETIME" : "TIMESTAMP";
  std::string sql = "CREATE TABLE nwp_forecast (station_id VARCHAR(16), source VARCHAR(8), issue_time " +
                    type + ", forecast_time " + type +
                    ", ws_100m DOUBLE PRECISION);\nINSERT INTO nwp_forecast VALUES ";
  bool first = true;
  for (int source = 0; source < 2; ++source) {
    for (int run = 0; run < 6; ++run) {
      for (int lead = 1; lead <= 48; ++lead) {
        char value[32];
        std::snprintf(value, sizeof value, "%.1f", NwpSpeed(run, lead, source));
        sql += std::string(first ? "" : ",") + "('wf01','" + (source == 0 ? "ec" : "gfs") + "','" +
               AprilHour(run * 12) + "','" + AprilHour(run * 12 + lead) + "'," + value + ")";
        first = false;
      }
    }
  }
  return sql + ";\n";
}

std::string ExpectedNwpCsv(int first_run, int last_run) {
  std::string csv = "time,issue_time,ec_ws\n";
  for (int run = first_run; run < last_run; ++run) {
    for (int lead = 1; lead <= 48; ++lead) {
      std::string valid = AprilHour(run * 12 + lead), issued = AprilHour(run * 12);
      valid[10] = issued[10] = 'T';
      char value[32];
      std::snprintf(value, sizeof value, "%.1f", NwpSpeed(run, lead, 0));
      std::string text = value;
      if (text.size() > 2 && text.compare(text.size() - 2, 2, ".0") == 0) text.resize(text.size() - 2);
      csv += valid + "+08:00," + issued + "+08:00," + text + "\n";
    }
  }
  return csv;
}

bool IsNull(int index) { return index % 97 == 5; }

double PowerKw(int index, int station) {
  if (IsNull(index)) return std::numeric_limits<double>::quiet_NaN();
  return (static_cast<long>(index) * 7919 % 100000) / 10.0 + station;  // one decimal: exact in MW to 4 places
}

std::string CreatePowerTableSql(const std::string& engine) {
  const bool mysql = engine == "mariadb";
  std::string sql =
      mysql ? "CREATE TABLE power (station VARCHAR(16) NOT NULL, ts DATETIME NOT NULL, "
              "active_power DOUBLE NULL, note VARCHAR(32) NULL, PRIMARY KEY (station, ts));\n"
            : "CREATE TABLE power (station VARCHAR(16) NOT NULL, ts TIMESTAMPTZ NOT NULL, "
              "active_power DOUBLE PRECISION NULL, note VARCHAR(32) NULL, PRIMARY KEY (station, ts));\n";
  for (int station = 1; station <= 2; ++station) {
    for (int start = 0; start < kTableRows; start += 500) {
      sql += "INSERT INTO power VALUES ";
      for (int i = start; i < std::min(start + 500, kTableRows); ++i) {
        const double kw = PowerKw(i, station);
        char value[32];
        if (std::isnan(kw)) {
          std::snprintf(value, sizeof value, "NULL");
        } else {
          std::snprintf(value, sizeof value, "%.1f", kw);
        }
        // MariaDB keeps the plant's local wall time in a DATETIME; PostgreSQL the instant.
        const std::string ts = "'" + LocalTime(i) + (mysql ? "'" : "+08:00'");
        sql += std::string(i == start ? "" : ",") + "('wf0" + std::to_string(station) + "'," + ts + "," +
               value + ",'ok')";
      }
      sql += ";\n";
    }
  }
  return sql;
}

std::string ExpectedCsv(int first_index, int rows) {
  std::string csv = "time,power_mw\n";
  for (int i = first_index; i < first_index + rows; ++i) {
    std::string local = LocalTime(i);
    local[10] = 'T';
    csv += local + "+08:00,";
    const double kw = PowerKw(i, 1);
    if (!std::isnan(kw)) {
      char buf[32];
      std::snprintf(buf, sizeof buf, "%.4f", kw / 1000.0);
      std::string text = buf;
      while (text.back() == '0') text.pop_back();
      if (text.back() == '.') text.pop_back();
      csv += text;
    }
    csv += "\n";
  }
  return csv;
}

void FetchTest::SetUp() {
  static std::atomic<int> counter{0};
  dir_ = std::filesystem::temp_directory_path() /
         ("seed_fetch_test_" + std::to_string(::getpid()) + "_" + std::to_string(counter++));
  std::filesystem::create_directories(dir_);
}

void FetchTest::TearDown() { std::filesystem::remove_all(dir_); }

Output FetchTest::Fetch(const std::vector<std::string>& args) {
  std::vector<std::string> argv = {SEED_JOB_BINARY, "fetch"};
  argv.insert(argv.end(), args.begin(), args.end());
  return RunProcess(argv, "", std::chrono::seconds(120));
}

std::vector<std::string> FetchTest::Leftovers(const std::vector<std::string>& keep) const {
  std::vector<std::string> names;
  for (const auto& entry : std::filesystem::directory_iterator(dir_)) {
    const std::string name = entry.path().filename().string();
    if (std::find(keep.begin(), keep.end(), name) == keep.end()) names.push_back(name);
  }
  return names;
}

}  // namespace seed::fetch_test
