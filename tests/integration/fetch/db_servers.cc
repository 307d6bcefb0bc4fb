#include "db_servers.h"

#include <pwd.h>
#include <signal.h>
#include <unistd.h>

#include <filesystem>
#include <stdexcept>

namespace seed::fetch_test {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

std::string MakeDir(const std::string& prefix) {
  std::string pattern = (fs::temp_directory_path() / (prefix + "XXXXXX")).string();
  if (!::mkdtemp(pattern.data())) throw std::runtime_error("mkdtemp failed");
  fs::permissions(pattern, fs::perms::owner_all | fs::perms::group_read | fs::perms::group_exec |
                               fs::perms::others_read | fs::perms::others_exec);
  return pattern;
}

std::string Find(const std::vector<std::string>& candidates) {
  for (const auto& c : candidates) {
    if (::access(c.c_str(), X_OK) == 0) return c;
  }
  return "";
}

class MariaDb : public DbServer {
 public:
  MariaDb(std::string server, std::string install) {
    dir_ = MakeDir("seed_fetch_mariadb_");
    port_ = FreePort();
    socket_ = dir_ + "/mysqld.sock";
    const bool root = ::geteuid() == 0;
    // mariadb-install-db gives root, and the OS user running it, a socket-authenticated account.
    const passwd* pw = ::getpwuid(::geteuid());
    if (!pw) throw std::runtime_error("cannot look up the current user");
    admin_user_ = root ? "root" : pw->pw_name;
    std::vector<std::string> install_argv = {install, "--no-defaults", "--datadir=" + dir_ + "/data",
                                             "--auth-root-authentication-method=socket", "--skip-test-db"};
    if (root) install_argv.push_back("--user=root");
    const Output installed = RunProcess(install_argv, "", 120s);
    if (installed.code != 0)
      throw std::runtime_error("mariadb-install-db failed: " + installed.err + installed.out);
    std::vector<std::string> argv = {server,
                                     "--no-defaults",
                                     "--datadir=" + dir_ + "/data",
                                     "--skip-networking=0",
                                     "--bind-address=127.0.0.1",
                                     "--port=" + std::to_string(port_),
                                     "--socket=" + socket_,
                                     "--pid-file=" + dir_ + "/mysqld.pid",
                                     "--skip-name-resolve",
                                     "--skip-log-bin",
                                     "--general-log",
                                     "--general-log-file=" + dir_ + "/general.log",
                                     "--innodb-buffer-pool-size=16M",
                                     "--log-error=" + dir_ + "/error.log"};
    if (root) argv.push_back("--user=root");
    server_ = std::make_unique<Child>(argv, dir_ + "/stdout.log", dir_ + "/stderr.log");
    const bool up = PollUntil(
        [&] {
          if (server_->Wait(0ms)) return true;  // exited: reported below
          return RunProcess(Client("SELECT 1"), "", 10s).code == 0;
        },
        60s);
    if (!up || server_->Wait(0ms)) {
      throw std::runtime_error("mariadbd did not become ready: " + ReadText(dir_ + "/error.log"));
    }
    Admin(
        "CREATE DATABASE plant; CREATE USER 'seed'@'127.0.0.1' IDENTIFIED BY 'seed-pw'; "
        "GRANT SELECT ON plant.* TO 'seed'@'127.0.0.1';");
  }
  ~MariaDb() override {
    server_->Signal(SIGTERM);
    if (!server_->Wait(30s)) server_->Signal(SIGKILL);
    server_.reset();
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }
  std::string Admin(const std::string& sql) override {
    const Output out = RunProcess(Client(""), sql, 60s);
    if (out.code != 0)
      throw std::runtime_error("mariadb client failed: " + out.err + "\nSQL: " + sql.substr(0, 300));
    return out.out;
  }
  std::string StatementLog() const override { return ReadText(dir_ + "/general.log"); }
  std::string Dsn(const std::string& password) const override {
    return "mysql://seed:" + password + "@127.0.0.1:" + std::to_string(port_) + "/plant";
  }

 private:
  std::vector<std::string> Client(const std::string& inline_sql) const {
    std::vector<std::string> argv = {"mariadb",   "--no-defaults", "--socket=" + socket_, "-u",
                                     admin_user_, "--batch",       "--skip-column-names"};
    if (!inline_sql.empty()) argv.insert(argv.end(), {"-e", inline_sql});
    return argv;
  }
  std::string socket_, admin_user_;
  std::unique_ptr<Child> server_;
};

class Postgres : public DbServer {
 public:
  Postgres(const std::string& bin) {
    dir_ = MakeDir("seed_fetch_postgres_");
    port_ = FreePort();
    // postgres refuses to run as root: then its files and process belong to the `postgres` user.
    run_as_ = UserOrNobody("postgres");
    if (run_as_.active && ::chown(dir_.c_str(), run_as_.uid, run_as_.gid) != 0) {
      throw std::runtime_error("cannot chown " + dir_);
    }
    const Output init =
        RunProcess({bin + "/initdb", "-D", dir_ + "/data", "-U", "postgres", "--auth-local=trust",
                    "--auth-host=scram-sha-256", "-E", "UTF8", "--no-sync", "--no-instructions"},
                   "", 120s, run_as_);
    if (init.code != 0) throw std::runtime_error("initdb failed: " + init.err + init.out);
    server_ = std::make_unique<Child>(
        std::vector<std::string>{bin + "/postgres", "-D", dir_ + "/data", "-k", dir_, "-p",
                                 std::to_string(port_), "-h", "127.0.0.1", "-c", "fsync=off", "-c",
                                 "shared_buffers=16MB", "-c", "log_statement=all"},
        dir_ + "/stdout.log", dir_ + "/stderr.log", "", run_as_);
    const bool up = PollUntil(
        [&] {
          if (server_->Wait(0ms)) return true;
          return RunProcess(Client(), "SELECT 1", 10s).code == 0;
        },
        60s);
    if (!up || server_->Wait(0ms)) {
      throw std::runtime_error("postgres did not become ready: " + ReadText(dir_ + "/stderr.log"));
    }
    AdminIn("postgres", "CREATE ROLE seed LOGIN PASSWORD 'seed-pw'; CREATE DATABASE plant OWNER postgres;");
    AdminIn("plant",
            "GRANT SELECT ON ALL TABLES IN SCHEMA public TO seed; "
            "ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT ON TABLES TO seed;");
  }
  ~Postgres() override {
    server_->Signal(SIGINT);  // fast shutdown
    if (!server_->Wait(30s)) server_->Signal(SIGKILL);
    server_.reset();
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }
  std::string Admin(const std::string& sql) override { return AdminIn("plant", sql); }
  std::string StatementLog() const override { return ReadText(dir_ + "/stderr.log"); }
  std::string Dsn(const std::string& password) const override {
    return "postgresql://seed:" + password + "@127.0.0.1:" + std::to_string(port_) + "/plant";
  }

 private:
  std::string AdminIn(const std::string& database, const std::string& sql) {
    const Output out = RunProcess(Client(database), sql, 60s);
    if (out.code != 0) throw std::runtime_error("psql failed: " + out.err + "\nSQL: " + sql.substr(0, 300));
    return out.out;
  }
  std::vector<std::string> Client(const std::string& database = "postgres") const {
    return {
        "psql", "-h", dir_, "-p", std::to_string(port_), "-U", "postgres", "-d", database, "-X", "-q", "-A",
        "-t",   "-F", "\t", "-v", "ON_ERROR_STOP=1"};
  }
  RunAs run_as_;
  std::unique_ptr<Child> server_;
};

}  // namespace

std::unique_ptr<DbServer> StartMariaDb(std::string& why) {
  const std::string server = Find({"/usr/sbin/mariadbd", "/usr/sbin/mysqld"});
  const std::string install = Find({"/usr/bin/mariadb-install-db", "/usr/bin/mysql_install_db"});
  if (server.empty() || install.empty()) {
    why = "mariadbd or mariadb-install-db not installed (Debian package mariadb-server; scripts/setup --all)";
    return nullptr;
  }
  return std::make_unique<MariaDb>(server, install);
}

std::unique_ptr<DbServer> StartPostgres(std::string& why) {
  std::string bin;
  for (const char* version : {"17", "16", "15", "14", "13"}) {
    const std::string dir = std::string("/usr/lib/postgresql/") + version + "/bin";
    if (::access((dir + "/postgres").c_str(), X_OK) == 0) {
      bin = dir;
      break;
    }
  }
  if (bin.empty()) {
    why = "postgres not installed (Debian package postgresql; scripts/setup --all)";
    return nullptr;
  }
  return std::make_unique<Postgres>(bin);
}

}  // namespace seed::fetch_test
