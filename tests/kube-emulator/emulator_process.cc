#include "kube-emulator/emulator_process.h"

#include <curl/curl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <random>
#include <sstream>
#include <stdexcept>
#include <thread>

namespace kubeemu {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

std::string RandomHex(size_t length) {
  static std::mutex mu;
  static std::mt19937_64 random{std::random_device{}()};
  std::lock_guard lock(mu);
  std::string out;
  for (size_t i = 0; i < length; ++i) out += "0123456789abcdef"[random() % 16];
  return out;
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

void WriteFile(const std::string& path, const std::string& text) {
  std::ofstream out(path);
  out << text;
  if (!out) throw std::runtime_error("cannot write " + path);
}

// Starts a program with arguments (no shell), its stdout and stderr going to log_path, opened
// with fopen `mode` ("a" appends, "w" truncates). Returns the child's pid.
pid_t SpawnLogged(const std::vector<std::string>& argv, const std::string& log_path, const char* mode) {
  pid_t pid = fork();
  if (pid < 0) throw std::runtime_error("fork failed");
  if (pid == 0) {
    FILE* log = std::fopen(log_path.c_str(), mode);
    if (log != nullptr) {
      dup2(fileno(log), 1);
      dup2(fileno(log), 2);
    }
    std::vector<char*> args;
    for (const auto& arg : argv) args.push_back(const_cast<char*>(arg.c_str()));
    args.push_back(nullptr);
    execvp(args[0], args.data());
    _exit(127);
  }
  return pid;
}

// Runs a program with arguments (no shell) and waits; throws with its output if it fails.
void RunOrThrow(const std::vector<std::string>& argv, const std::string& log_path) {
  const pid_t pid = SpawnLogged(argv, log_path, "a");
  int status = 0;
  waitpid(pid, &status, 0);
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    throw std::runtime_error("`" + argv[0] + " " + argv[1] + "` failed (status " + std::to_string(status) +
                             "): " + ReadFile(log_path));
  }
}

void CurlGlobalInit() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

size_t AppendBody(char* data, size_t size, size_t count, void* user) {
  static_cast<std::string*>(user)->append(data, size * count);
  return size * count;
}

size_t ReadHeader(char* data, size_t size, size_t count, void* user) {
  std::string line(data, size * count);
  const std::string kName = "x-emulator-restarts:";
  std::string lower = line;
  for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (lower.rfind(kName, 0) == 0) {
    std::string value = line.substr(kName.size());
    value.erase(0, value.find_first_not_of(' '));
    value.erase(value.find_last_not_of("\r\n ") + 1);
    *static_cast<std::string*>(user) = value;
  }
  return size * count;
}

}  // namespace

EmulatorProcess::EmulatorProcess(EmulatorOptions options) : options_(std::move(options)) {
  CurlGlobalInit();
  std::string templ = (fs::temp_directory_path() / "kube-emulator-XXXXXX").string();
  if (mkdtemp(templ.data()) == nullptr) throw std::runtime_error("cannot create a temporary directory");
  dir_ = templ;
  try {
    if (options_.tls) MakeCertificates();
    std::vector<std::string> argv = {KUBE_EMULATOR_PATH, "--listen", "127.0.0.1:0", "--port-file", dir_ + "/port",
                                     "--history", std::to_string(options_.history)};
    if (options_.tls) {
      for (const char* arg : {"--tls-cert", "server.crt", "--tls-key", "server.key"}) {
        std::string text = arg;
        argv.push_back(text.rfind("--", 0) == 0 ? text : dir_ + "/" + text);
      }
    }
    if (options_.client_ca) {
      if (!options_.tls) throw std::runtime_error("EmulatorOptions: client_ca needs tls");
      argv.insert(argv.end(), {"--client-ca", CaFile()});
    }
    for (const auto& [token, user] : options_.tokens) argv.insert(argv.end(), {"--token", token + "=" + user});
    if (!options_.tokens.empty() || options_.client_ca || options_.rbac) {
      // The helper's own identity for Request(), only needed when requests must authenticate.
      admin_token_ = "admin-" + RandomHex(24);
      argv.insert(argv.end(),
                  {"--token", admin_token_ + "=emulator-admin", "--groups", "emulator-admin=system:masters"});
    }
    for (const auto& [user, groups] : options_.groups)
      argv.insert(argv.end(), {"--groups", user + "=" + groups});
    if (options_.rbac) argv.insert(argv.end(), {"--authorization", "rbac"});
    if (options_.gateway_api) argv.push_back("--gateway-api");
    argv.insert(argv.end(), options_.extra_args.begin(), options_.extra_args.end());

    const std::string log_path = dir_ + "/emulator.log";
    pid_ = SpawnLogged(argv, log_path, "w");
    // Wait (bounded) for the port file the emulator writes once it listens.
    const auto deadline = Clock::now() + std::chrono::seconds(10);
    while (port_ == 0) {
      std::string text = ReadFile(dir_ + "/port");
      if (!text.empty()) port_ = std::stoi(text);
      int status = 0;
      if (port_ == 0 && waitpid(pid_, &status, WNOHANG) == pid_) {
        pid_ = -1;
        throw std::runtime_error("the emulator exited at start (status " + std::to_string(status) +
                                 "): " + ReadFile(log_path));
      }
      if (port_ == 0 && Clock::now() > deadline) {
        throw std::runtime_error("the emulator did not write its port file within 10 s: " + ReadFile(log_path));
      }
      if (port_ == 0) std::this_thread::sleep_for(std::chrono::milliseconds(10));  // polling a child's file
    }
  } catch (...) {
    Stop();
    throw;
  }
}

EmulatorProcess::~EmulatorProcess() { Stop(); }

void EmulatorProcess::Stop() {
  if (pid_ > 0) {
    kill(pid_, SIGTERM);
    const auto deadline = Clock::now() + std::chrono::seconds(5);
    int status = 0;
    bool exited = false;
    while (!exited && Clock::now() < deadline) {
      exited = waitpid(pid_, &status, WNOHANG) == pid_;
      if (!exited) std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    if (!exited) {
      kill(pid_, SIGKILL);
      waitpid(pid_, &status, 0);
    }
    pid_ = -1;
  }
  if (!dir_.empty() && std::getenv("KUBE_EMULATOR_KEEP_DIR") == nullptr) {
    std::error_code ignored;
    fs::remove_all(dir_, ignored);
  }
}

void EmulatorProcess::MakeCertificates() {
  const std::string log = dir_ + "/openssl.log";
  WriteFile(dir_ + "/ca.cnf",
            "[req]\ndistinguished_name = dn\nprompt = no\n[dn]\nCN = seed-test-ca\n"
            "[v3_ca]\nbasicConstraints = critical,CA:TRUE\nkeyUsage = critical,keyCertSign,cRLSign\n"
            "subjectKeyIdentifier = hash\n");
  WriteFile(dir_ + "/server.ext",
            "basicConstraints = CA:FALSE\nkeyUsage = critical,digitalSignature,keyEncipherment\n"
            "extendedKeyUsage = serverAuth\nsubjectAltName = IP:127.0.0.1,DNS:localhost\n");
  RunOrThrow({"openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
              "-keyout", dir_ + "/ca.key", "-out", dir_ + "/ca.crt", "-days", "2", "-config", dir_ + "/ca.cnf",
              "-extensions", "v3_ca"},
             log);
  RunOrThrow({"openssl", "req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
              "-keyout", dir_ + "/server.key", "-out", dir_ + "/server.csr", "-subj", "/CN=127.0.0.1"},
             log);
  RunOrThrow({"openssl", "x509", "-req", "-in", dir_ + "/server.csr", "-CA", dir_ + "/ca.crt", "-CAkey",
              dir_ + "/ca.key", "-set_serial", "0x" + RandomHex(16), "-days", "2", "-out", dir_ + "/server.crt",
              "-extfile", dir_ + "/server.ext"},
             log);
}

std::pair<std::string, std::string> EmulatorProcess::IssueClientCert(const std::string& user) const {
  if (!options_.tls) throw std::runtime_error("IssueClientCert needs EmulatorOptions.tls");
  const std::string base = dir_ + "/client-" + RandomHex(8);
  const std::string log = base + ".log";
  WriteFile(base + ".ext", "basicConstraints = CA:FALSE\nkeyUsage = critical,digitalSignature\n"
                           "extendedKeyUsage = clientAuth\n");
  RunOrThrow({"openssl", "req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
              "-keyout", base + ".key", "-out", base + ".csr", "-subj", "/CN=" + user},
             log);
  RunOrThrow({"openssl", "x509", "-req", "-in", base + ".csr", "-CA", CaFile(), "-CAkey", dir_ + "/ca.key",
              "-set_serial", "0x" + RandomHex(16), "-days", "2", "-out", base + ".crt", "-extfile", base + ".ext"},
             log);
  return {base + ".crt", base + ".key"};
}

std::string EmulatorProcess::Url() const {
  return std::string(options_.tls ? "https" : "http") + "://127.0.0.1:" + std::to_string(port_);
}

std::string EmulatorProcess::CaFile() const { return dir_ + "/ca.crt"; }

std::string EmulatorProcess::Dir() const { return dir_; }

std::string EmulatorProcess::WriteKubeconfig(const std::string& path, const std::string& token) const {
  std::ostringstream out;
  out << "apiVersion: v1\nkind: Config\nclusters:\n- name: emulator\n  cluster:\n    server: " << Url() << "\n";
  if (options_.tls) out << "    certificate-authority: " << CaFile() << "\n";
  out << "users:\n- name: test-user\n  user:\n    token: " << token << "\n"
      << "contexts:\n- name: emulator\n  context:\n    cluster: emulator\n    user: test-user\n"
      << "    namespace: default\ncurrent-context: emulator\n";
  WriteFile(path, out.str());
  return path;
}

EmulatorProcess::HttpResult EmulatorProcess::Call(const std::string& method, const std::string& path,
                                                  const std::string& body, const std::string& content_type,
                                                  bool admin) const {
  CURL* curl = curl_easy_init();
  if (curl == nullptr) throw std::runtime_error("curl_easy_init failed");
  HttpResult result;
  std::string url = Url() + (admin ? "/emulator" : "") + path;
  curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, method.c_str());
  curl_easy_setopt(curl, CURLOPT_TIMEOUT, 30L);
  curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT, 10L);
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, AppendBody);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &result.body);
  curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, ReadHeader);
  curl_easy_setopt(curl, CURLOPT_HEADERDATA, &result.restarts_header);
  if (options_.tls) curl_easy_setopt(curl, CURLOPT_CAINFO, CaFile().c_str());
  struct curl_slist* headers = nullptr;
  std::string authorization = "Authorization: Bearer " + admin_token_;
  if (!admin && !admin_token_.empty()) headers = curl_slist_append(headers, authorization.c_str());
  std::string type_header = "Content-Type: " + content_type;
  if (!body.empty() || method == "POST" || method == "PUT" || method == "PATCH") {
    // Always send a body (maybe empty) on these, so the request carries a Content-Length.
    if (!body.empty()) headers = curl_slist_append(headers, type_header.c_str());
    curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body.c_str());
    curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE, static_cast<long>(body.size()));
  }
  headers = curl_slist_append(headers, "Accept: application/json");
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
  CURLcode code = curl_easy_perform(curl);
  curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &result.code);
  curl_slist_free_all(headers);
  curl_easy_cleanup(curl);
  if (code != CURLE_OK) {
    throw std::runtime_error(method + " " + url + " failed: " + curl_easy_strerror(code));
  }
  return result;
}

nlohmann::json EmulatorProcess::Admin(const std::string& method, const std::string& raw_path,
                                      const nlohmann::json& body) const {
  // Accept "/faults", "faults" and "/emulator/faults" alike.
  std::string path = raw_path.rfind("/emulator/", 0) == 0 ? raw_path.substr(9) : raw_path;
  if (path.empty() || path[0] != '/') path = "/" + path;
  std::string text = body.is_null() ? "" : body.dump();
  std::string before;
  if (path == "/restart") before = Call("GET", "/healthz", "", "", true).restarts_header;
  HttpResult result = Call(method, path, text, "application/json", true);
  if (path == "/restart" && result.code == 200) {
    // The emulator closes every connection and listens again; wait (bounded) until it answers anew.
    const auto deadline = Clock::now() + std::chrono::seconds(10);
    while (true) {
      try {
        HttpResult health = Call("GET", "/healthz", "", "", true);
        if (health.code == 200 && health.restarts_header != before) break;
      } catch (const std::runtime_error&) {
        // not listening yet
      }
      if (Clock::now() > deadline) throw std::runtime_error("the emulator did not come back within 10 s of a restart");
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
  }
  auto parsed = nlohmann::json::parse(result.body, nullptr, false);
  return parsed.is_discarded() ? nlohmann::json(result.body) : parsed;
}

nlohmann::json EmulatorProcess::Request(const std::string& method, const std::string& path,
                                        const nlohmann::json& body, const std::string& content_type) const {
  std::string text = body.is_null() ? "" : body.is_string() ? body.get<std::string>() : body.dump();
  HttpResult result = Call(method, path.empty() || path[0] != '/' ? "/" + path : path, text, content_type, false);
  auto parsed = nlohmann::json::parse(result.body, nullptr, false);
  return parsed.is_discarded() ? nlohmann::json(result.body) : parsed;
}

}  // namespace kubeemu
