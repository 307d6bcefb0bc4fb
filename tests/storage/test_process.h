#pragma once
// Child processes for the storage tests: the S3 test server (a fixture started per test suite on
// an ephemeral loopback port) and one-shot commands (seed-job, aws) with their output captured.
#include <sys/types.h>

#include <map>
#include <string>
#include <vector>

namespace seed::storage_test {

struct CommandResult {
  int exit_code = -1;
  std::string out;
  std::string err;
};

// Runs argv (no shell) with `env` added to the environment; bounded by `timeout_seconds`
// (killed past it, exit_code -1).
CommandResult RunCommand(const std::vector<std::string>& argv,
                         const std::map<std::string, std::string>& env = {}, int timeout_seconds = 120);

// The S3 test server (tests/storage/s3_server.cjs): starts it and waits, bounded (20 s), until it
// prints its port; throws std::runtime_error with its stderr when it does not come up.
class S3TestServer {
 public:
  // With `tls`, it serves HTTPS with a certificate for 127.0.0.1 made by openssl at start
  // (self-signed: CaFile() is its own CA).
  explicit S3TestServer(const std::vector<std::string>& buckets, bool tls = false);
  ~S3TestServer();  // SIGTERM, bounded wait, SIGKILL; removes its data directory
  S3TestServer(const S3TestServer&) = delete;
  S3TestServer& operator=(const S3TestServer&) = delete;

  int port() const { return port_; }
  std::string Endpoint() const {
    return (tls_ ? "https" : "http") + std::string("://127.0.0.1:") + std::to_string(port_);
  }
  std::string CaFile() const { return dir_ + "/cert.pem"; }
  static constexpr const char* kAccessKey = "S3RVER";
  static constexpr const char* kSecretKey = "S3RVER";

 private:
  void Stop();  // SIGTERM, bounded wait, SIGKILL; removes the directory (idempotent)
  pid_t pid_ = -1;
  int port_ = 0;
  bool tls_ = false;
  std::string dir_;
};

}  // namespace seed::storage_test
