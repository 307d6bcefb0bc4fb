#include "kube/credentials.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <ctime>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

extern char** environ;

namespace kube {

namespace {

class StaticTokenSource : public CredentialSource {
 public:
  explicit StaticTokenSource(std::string token) : token_(std::move(token)) {}
  Result<Credentials> Get() override { return Credentials{token_, "", ""}; }

 private:
  std::string token_;
};

std::string Trim(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r' || s.back() == ' ')) s.pop_back();
  size_t i = 0;
  while (i < s.size() && (s[i] == ' ' || s[i] == '\n')) ++i;
  return s.substr(i);
}

struct ProcessOutput {
  int exit_code = -1;
  std::string out;
  std::string err;
};

// Runs argv with extra environment, capturing stdout and stderr, for at most `timeout`.
Result<ProcessOutput> RunProcess(const std::vector<std::string>& argv,
                                 const std::vector<std::string>& extra_env, std::chrono::seconds timeout) {
  int out_pipe[2], err_pipe[2];
  if (pipe2(out_pipe, O_CLOEXEC) != 0) return MakeError(ErrorCode::kConfig, "exec plugin: pipe failed");
  if (pipe2(err_pipe, O_CLOEXEC) != 0) {
    close(out_pipe[0]);
    close(out_pipe[1]);
    return MakeError(ErrorCode::kConfig, "exec plugin: pipe failed");
  }
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_adddup2(&actions, out_pipe[1], 1);
  posix_spawn_file_actions_adddup2(&actions, err_pipe[1], 2);
  std::vector<std::string> env_strings;
  for (char** e = environ; *e; ++e) env_strings.emplace_back(*e);
  for (const auto& e : extra_env) env_strings.push_back(e);
  std::vector<char*> envp, args;
  for (auto& s : env_strings) envp.push_back(s.data());
  envp.push_back(nullptr);
  std::vector<std::string> argv_copy = argv;
  for (auto& s : argv_copy) args.push_back(s.data());
  args.push_back(nullptr);
  pid_t pid = 0;
  int rc = posix_spawnp(&pid, args[0], &actions, nullptr, args.data(), envp.data());
  posix_spawn_file_actions_destroy(&actions);
  close(out_pipe[1]);
  close(err_pipe[1]);
  if (rc != 0) {
    close(out_pipe[0]);
    close(err_pipe[0]);
    return MakeError(ErrorCode::kConfig, "exec plugin: cannot run " + argv[0] + ": " + std::strerror(rc));
  }
  ProcessOutput result;
  auto deadline = std::chrono::steady_clock::now() + timeout;
  pollfd fds[2] = {{out_pipe[0], POLLIN, 0}, {err_pipe[0], POLLIN, 0}};
  int open_fds = 2;
  bool timed_out = false;
  char buf[4096];
  while (open_fds > 0) {
    auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) {
      timed_out = true;
      break;
    }
    int n = poll(fds, 2, static_cast<int>(left.count()));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) continue;
    for (int i = 0; i < 2; ++i) {
      if (fds[i].fd < 0 || !(fds[i].revents & (POLLIN | POLLHUP | POLLERR))) continue;
      ssize_t got = read(fds[i].fd, buf, sizeof(buf));
      if (got > 0) {
        (i == 0 ? result.out : result.err).append(buf, got);
      } else if (got == 0 || errno != EINTR) {
        close(fds[i].fd);
        fds[i].fd = -1;
        --open_fds;
      }
    }
  }
  for (auto& f : fds) {
    if (f.fd >= 0) close(f.fd);
  }
  if (timed_out) kill(pid, SIGKILL);
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (timed_out) return MakeError(ErrorCode::kTimeout, "exec plugin " + argv[0] + " timed out");
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  return result;
}

}  // namespace

std::optional<std::chrono::system_clock::time_point> ParseRfc3339(const std::string& text) {
  std::tm tm{};
  int consumed = 0;
  if (std::sscanf(text.c_str(), "%4d-%2d-%2dT%2d:%2d:%2d%n", &tm.tm_year, &tm.tm_mon, &tm.tm_mday,
                  &tm.tm_hour, &tm.tm_min, &tm.tm_sec, &consumed) != 6) {
    return std::nullopt;
  }
  tm.tm_year -= 1900;
  tm.tm_mon -= 1;
  std::string rest = text.substr(consumed);
  double fraction = 0;
  if (!rest.empty() && rest[0] == '.') {
    size_t end = 1;
    while (end < rest.size() && std::isdigit(static_cast<unsigned char>(rest[end]))) ++end;
    fraction = std::stod("0" + rest.substr(0, end));
    rest = rest.substr(end);
  }
  long offset = 0;
  if (rest == "Z" || rest == "z") {
    offset = 0;
  } else if (rest.size() == 6 && (rest[0] == '+' || rest[0] == '-') && rest[3] == ':') {
    offset = (std::stol(rest.substr(1, 2)) * 60 + std::stol(rest.substr(4, 2))) * 60;
    if (rest[0] == '-') offset = -offset;
  } else {
    return std::nullopt;
  }
  time_t t = timegm(&tm) - offset;
  return std::chrono::system_clock::from_time_t(t) +
         std::chrono::duration_cast<std::chrono::system_clock::duration>(
             std::chrono::duration<double>(fraction));
}

std::string FormatRfc3339(std::chrono::system_clock::time_point t) {
  time_t secs = std::chrono::system_clock::to_time_t(t);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[32];
  std::strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

std::string FormatRfc3339Micro(std::chrono::system_clock::time_point t) {
  auto micros = std::chrono::duration_cast<std::chrono::microseconds>(t.time_since_epoch()).count() % 1000000;
  if (micros < 0) micros += 1000000;
  std::string base = FormatRfc3339(t);
  char frac[16];
  std::snprintf(frac, sizeof(frac), ".%06lldZ", static_cast<long long>(micros));
  return base.substr(0, base.size() - 1) + frac;
}

FileTokenSource::FileTokenSource(std::string path, Clock& clock, Clock::Duration period)
    : path_(std::move(path)), clock_(clock), period_(period) {}

Result<Credentials> FileTokenSource::Get() {
  std::lock_guard lock(mu_);
  auto now = clock_.Now();
  if (!read_at_ || now - *read_at_ >= period_) {
    std::ifstream in(path_);
    std::stringstream ss;
    if (in) ss << in.rdbuf();
    std::string token = Trim(ss.str());
    if (in && !token.empty()) {
      token_ = token;
      read_at_ = now;
    } else if (token_.empty()) {
      return MakeError(ErrorCode::kConfig, "cannot read bearer token file " + path_);
    }
  }
  return Credentials{token_, "", ""};
}

void FileTokenSource::Invalidate() {
  std::lock_guard lock(mu_);
  read_at_.reset();
}

ExecCredentialSource::ExecCredentialSource(ExecConfig exec, std::string server, Clock& clock)
    : exec_(std::move(exec)), server_(std::move(server)), clock_(clock) {}

Result<Credentials> ExecCredentialSource::Get() {
  std::lock_guard lock(mu_);
  // Refresh a little before expiry so an in-flight request never carries an expired token.
  if (cached_ && (!expires_ || clock_.WallNow() + std::chrono::seconds(10) < *expires_)) return *cached_;
  auto fresh = Run();
  if (!fresh.ok()) return fresh.error();
  cached_ = *fresh;
  return *fresh;
}

void ExecCredentialSource::Invalidate() {
  std::lock_guard lock(mu_);
  cached_.reset();
}

Result<Credentials> ExecCredentialSource::Run() {
  nlohmann::json info = {
      {"apiVersion", exec_.api_version}, {"kind", "ExecCredential"}, {"spec", {{"interactive", false}}}};
  if (exec_.provide_cluster_info) info["spec"]["cluster"] = {{"server", server_}};
  std::vector<std::string> env = {"KUBERNETES_EXEC_INFO=" + info.dump()};
  for (const auto& [k, v] : exec_.env) env.push_back(k + "=" + v);
  std::string command = exec_.command;
  if (command.find('/') != std::string::npos && command[0] != '/' && !exec_.base_dir.empty()) {
    command = exec_.base_dir + "/" + command;
  }
  std::vector<std::string> argv = {command};
  argv.insert(argv.end(), exec_.args.begin(), exec_.args.end());
  auto out = RunProcess(argv, env, std::chrono::seconds(60));
  std::string hint = exec_.install_hint.empty() ? "" : " (" + exec_.install_hint + ")";
  if (!out.ok()) return MakeError(out.error().code, out.error().message + hint);
  if (out->exit_code != 0) {
    // stderr of a credential plugin is diagnostics, not secrets; the stdout (the credential) is never shown.
    return MakeError(ErrorCode::kConfig, "exec plugin " + exec_.command + " exited with code " +
                                             std::to_string(out->exit_code) + ": " + Trim(out->err) + hint);
  }
  auto cred = nlohmann::json::parse(out->out, nullptr, false);
  // A plugin is another program: every field it printed is checked for its type before use.
  auto text = [](const nlohmann::json& object, const char* key) -> std::optional<std::string> {
    const auto it = object.find(key);
    if (it == object.end() || it->is_null()) return std::string();
    if (!it->is_string()) return std::nullopt;
    return it->get<std::string>();
  };
  if (!cred.is_object() || text(cred, "kind") != "ExecCredential" || !cred.contains("status") ||
      !cred["status"].is_object()) {
    return MakeError(ErrorCode::kConfig, "exec plugin " + exec_.command + " did not print an ExecCredential");
  }
  if (const auto api_version = text(cred, "apiVersion"); api_version != exec_.api_version) {
    return MakeError(ErrorCode::kConfig,
                     "exec plugin " + exec_.command + " returned apiVersion " +
                         (api_version ? "\"" + *api_version + "\"" : std::string("of another type")) +
                         ", want \"" + exec_.api_version + "\"");
  }
  const auto& status = cred["status"];
  const auto token = text(status, "token"), cert = text(status, "clientCertificateData"),
             key = text(status, "clientKeyData"), expiry = text(status, "expirationTimestamp");
  if (!token || !cert || !key || !expiry) {
    return MakeError(ErrorCode::kConfig,
                     "exec plugin " + exec_.command +
                         " printed an ExecCredential whose status has a field that is not a "
                         "string (token, clientCertificateData, clientKeyData, "
                         "expirationTimestamp)");
  }
  Credentials c;
  c.bearer_token = *token;
  c.client_cert_pem = *cert;
  c.client_key_pem = *key;
  if (c.bearer_token.empty() && (c.client_cert_pem.empty() || c.client_key_pem.empty())) {
    return MakeError(ErrorCode::kConfig, "exec plugin " + exec_.command +
                                             " returned neither a token nor a client certificate and key");
  }
  expires_.reset();
  if (const std::string& ts = *expiry; !ts.empty()) {
    auto parsed = ParseRfc3339(ts);
    if (!parsed) {
      return MakeError(ErrorCode::kConfig,
                       "exec plugin " + exec_.command + ": bad expirationTimestamp " + ts);
    }
    expires_ = parsed;
  }
  return c;
}

std::shared_ptr<CredentialSource> MakeCredentialSource(const RestConfig& config, Clock& clock) {
  if (config.exec) return std::make_shared<ExecCredentialSource>(*config.exec, config.server, clock);
  if (!config.bearer_token_file.empty())
    return std::make_shared<FileTokenSource>(config.bearer_token_file, clock);
  if (!config.bearer_token.empty()) return std::make_shared<StaticTokenSource>(config.bearer_token);
  return nullptr;
}

}  // namespace kube
