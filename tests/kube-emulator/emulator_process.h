#pragma once

#include <string>
#include <utility>
#include <vector>

#include <sys/types.h>

#include <nlohmann/json.hpp>

namespace kubeemu {

struct EmulatorOptions {
  bool tls = true;          // HTTPS with a test CA and server cert made by openssl at start
  bool client_ca = false;   // also verify client certificates against the test CA
  std::vector<std::pair<std::string, std::string>> tokens;  // token -> user
  std::vector<std::pair<std::string, std::string>> groups;  // user -> "GROUP[,GROUP...]"
  bool rbac = false;  // --authorization rbac (the helper's own admin identity is in system:masters)
  bool gateway_api = false;
  int history = 1000;
  std::vector<std::string> extra_args;
};

// Runs the test API emulator as a child process for one test, in its own temporary directory.
class EmulatorProcess {
 public:
  // Starts it; waits (bounded, 10 s) for the port file; throws std::runtime_error on failure.
  explicit EmulatorProcess(EmulatorOptions options = {});
  // SIGTERM, bounded wait, SIGKILL, waitpid; removes its temp dir.
  ~EmulatorProcess();
  EmulatorProcess(const EmulatorProcess&) = delete;
  EmulatorProcess& operator=(const EmulatorProcess&) = delete;

  std::string Url() const;     // https://127.0.0.1:PORT (or http://)
  std::string CaFile() const;  // PEM path of the test CA
  // (cert PEM path, key PEM path), CN=user, signed by the test CA.
  std::pair<std::string, std::string> IssueClientCert(const std::string& user) const;
  // Writes a kubeconfig for token auth at `path`; returns `path`.
  std::string WriteKubeconfig(const std::string& path, const std::string& token) const;
  // Calls /emulator/...; `path` is "/faults", "faults" or "/emulator/faults". Returns the JSON answer
  // (a Status with `code` on failure; the string "ok" for healthz). A restart returns once the emulator
  // listens again.
  nlohmann::json Admin(const std::string& method, const std::string& path,
                       const nlohmann::json& body = nullptr) const;
  // A raw API call as an admin identity, for test setup and inspection. Returns the response body (the
  // object, or a Status with `code` on failure); throws only when the emulator cannot be reached. A
  // string body is sent as is (YAML for apply), anything else as JSON.
  nlohmann::json Request(const std::string& method, const std::string& path, const nlohmann::json& body = nullptr,
                         const std::string& content_type = "application/json") const;
  std::string Dir() const;  // its temp dir
  pid_t Pid() const { return pid_; }

 private:
  struct HttpResult {
    long code = 0;
    std::string body;
    std::string restarts_header;
  };
  HttpResult Call(const std::string& method, const std::string& path, const std::string& body,
                  const std::string& content_type, bool admin) const;
  void MakeCertificates();
  void Stop();

  EmulatorOptions options_;
  std::string dir_;
  std::string admin_token_;
  pid_t pid_ = -1;
  int port_ = 0;
};

}  // namespace kubeemu
