#include "nginx_process.h"

#include <httplib.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>

#include "child_process.h"

namespace seed::inference_testing {

namespace {

constexpr uid_t kNobody = 65534;  // Debian's nobody:nogroup
constexpr char kSetpriv[] = "/usr/bin/setpriv";
constexpr auto kStartBound = std::chrono::seconds(10);

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

void ReplaceAll(std::string& text, const std::string& placeholder, const std::string& value) {
  for (size_t at = text.find(placeholder); at != std::string::npos;
       at = text.find(placeholder, at + value.size()))
    text.replace(at, placeholder.size(), value);
}

}  // namespace

NginxSite WeightedProxySite(const std::string& name, const std::vector<NginxBackend>& backends) {
  NginxSite site;
  site.upstreams = "  upstream " + name + " {\n";
  for (const auto& backend : backends) {
    if (backend.weight > 0)
      site.upstreams += "    server 127.0.0.1:" + std::to_string(backend.port) +
                        " weight=" + std::to_string(backend.weight) + ";\n";
  }
  // The model server closes a connection idle for 5 s: nginx lets its idle ones go at 4 s, so it
  // never sends a request on a connection the server is closing.
  site.upstreams += "    keepalive 32;\n    keepalive_timeout 4s;\n  }\n";
  // Clients get "Connection: close" with every answer: a reload closes the previous workers' idle
  // keep-alive client connections the moment it starts, and a request racing that close is lost
  // (nginx's reload, not the upstream switch: a Gateway data plane such as Envoy changes weights
  // without closing connections). A connection per request is served whole by one worker.
  site.locations = "    location / {\n      keepalive_timeout 0;\n      proxy_pass http://" + name +
                   ";\n      proxy_http_version 1.1;\n      proxy_set_header Connection \"\";\n    }\n";
  return site;
}

NginxProcess::NginxProcess(std::string dir, int workers) : dir_(std::move(dir)), workers_(workers) {
  // nginx's workers (and, under root, its master) run as nobody: they must reach the directory.
  chmod(dir_.c_str(), 0755);
  if (geteuid() == 0 && chown(dir_.c_str(), kNobody, kNobody) != 0)
    throw std::runtime_error("cannot give " + dir_ + " to nobody");
}

NginxProcess::~NginxProcess() { Stop(); }

void NginxProcess::WriteConfig(const NginxSite& site) const {
  std::string config = ReadFile(SEED_INFERENCE_TESTDATA "/nginx.conf.in");
  if (config.empty()) throw std::runtime_error("cannot read " SEED_INFERENCE_TESTDATA "/nginx.conf.in");
  ReplaceAll(config, "@PREFIX@", dir_);
  ReplaceAll(config, "@WORKERS@", std::to_string(workers_));
  ReplaceAll(config, "@PORT@", std::to_string(port_));
  ReplaceAll(config, "@GENERATION@", std::to_string(generation_));
  ReplaceAll(config, "@UPSTREAMS@", site.upstreams);
  ReplaceAll(config, "@LOCATIONS@", site.locations);
  // Written whole, then renamed: the master never reads half a config.
  const std::string path = dir_ + "/nginx.conf";
  std::ofstream(path + ".next") << config;
  std::filesystem::rename(path + ".next", path);
}

void NginxProcess::Start(const NginxSite& site) {
  if (access(SEED_NGINX, X_OK) != 0)
    throw std::runtime_error("nginx is not installed (" SEED_NGINX
                             "); scripts/setup --all installs Debian's nginx");
  std::vector<std::string> argv;
  if (geteuid() == 0) {
    if (access(kSetpriv, X_OK) != 0)
      throw std::runtime_error("setpriv (util-linux) is needed to run nginx as nobody");
    argv = {kSetpriv, "--reuid=65534", "--regid=65534", "--clear-groups"};
  }
  for (const char* arg : {SEED_NGINX, "-p"}) argv.push_back(arg);
  argv.insert(argv.end(), {dir_, "-c", dir_ + "/nginx.conf", "-e", dir_ + "/error.log"});
  for (int attempt = 0; attempt < 5; ++attempt) {
    port_ = stream_test::FreePort();
    ++generation_;
    WriteConfig(site);
    process_ = std::make_unique<stream_test::ChildProcess>(argv, dir_ + "/nginx.out");
    const auto deadline = std::chrono::steady_clock::now() + kStartBound;
    while (std::chrono::steady_clock::now() < deadline && process_->running()) {
      // Our generation on our port: it is this nginx that listens there, not another process.
      if (AnsweredGeneration() == generation_) return;
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    const std::string log = ErrorLog() + ReadFile(dir_ + "/nginx.out");
    Stop();
    if (log.find("Address already in use") == std::string::npos)
      throw std::runtime_error("nginx did not start within 10 s on port " + std::to_string(port_) + ":\n" +
                               log);
  }
  throw std::runtime_error("nginx found no free port in 5 attempts");
}

void NginxProcess::Reload(const NginxSite& site) {
  ++generation_;
  WriteConfig(site);
  const size_t log_before = ErrorLog().size();
  process_->Signal(SIGHUP);
  const auto deadline = std::chrono::steady_clock::now() + kStartBound;
  while (std::chrono::steady_clock::now() < deadline) {
    if (AnsweredGeneration() == generation_) return;
    const std::string log = ErrorLog().substr(log_before);
    if (log.find("[emerg]") != std::string::npos)
      throw std::runtime_error("nginx refused config generation " + std::to_string(generation_) + ":\n" +
                               log);
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  throw std::runtime_error("nginx did not take config generation " + std::to_string(generation_) +
                           " within 10 s:\n" + ErrorLog().substr(log_before));
}

int NginxProcess::AnsweredGeneration() const {
  httplib::Client client("127.0.0.1", port_);  // a new connection each time: the workers that accept now
  client.set_connection_timeout(std::chrono::seconds(1));
  client.set_read_timeout(std::chrono::seconds(2));
  auto result = client.Get("/nginx/generation");
  if (!result || result->status != 200) return -1;
  try {
    return std::stoi(result->body);
  } catch (const std::exception&) {
    return -1;
  }
}

std::vector<pid_t> NginxProcess::Workers() const {
  const pid_t master = pid();
  std::vector<pid_t> out;
  std::ifstream children("/proc/" + std::to_string(master) + "/task/" + std::to_string(master) + "/children");
  if (children) {
    for (pid_t child; children >> child;) out.push_back(child);
    return out;
  }
  // A kernel without /proc/PID/task/TID/children: every process whose parent is the master.
  for (const auto& entry : std::filesystem::directory_iterator("/proc")) {
    const std::string name = entry.path().filename();
    if (name.find_first_not_of("0123456789") != std::string::npos) continue;
    const std::string stat = ReadFile(entry.path() / "stat");
    const size_t end = stat.rfind(')');  // the command name may hold spaces and parentheses
    if (end == std::string::npos) continue;
    std::istringstream fields(stat.substr(end + 1));
    std::string state;
    pid_t parent = 0;
    if (fields >> state >> parent && parent == master) out.push_back(std::stoi(name));
  }
  return out;
}

bool NginxProcess::WaitPreviousWorkersGone(std::chrono::milliseconds timeout) const {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (static_cast<int>(Workers().size()) == workers_) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return false;
}

int NginxProcess::Stop() {
  if (!process_) return 0;
  process_->Signal(SIGQUIT);
  std::optional<int> status = process_->Wait(std::chrono::seconds(10));
  process_.reset();  // SIGKILL if it is still running
  return status ? *status : -1;
}

pid_t NginxProcess::pid() const { return process_ ? process_->pid() : -1; }

std::string NginxProcess::ErrorLog() const { return ReadFile(dir_ + "/error.log"); }

}  // namespace seed::inference_testing
