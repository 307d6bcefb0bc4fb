#pragma once

#include <atomic>
#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "kube-emulator/server/emulator.h"

namespace httplib {
class Server;
struct Request;
struct Response;
}  // namespace httplib

namespace kubeemu {

struct ServerOptions {
  std::string host = "127.0.0.1";
  int port = 0;
  std::string tls_cert;  // PEM; empty: plain HTTP
  std::string tls_key;
  std::string client_ca;                       // PEM; client certificates signed by it authenticate as their CN
  std::map<std::string, std::string> tokens;   // bearer token -> user
  std::map<std::string, std::vector<std::string>> groups;  // user -> its groups (e.g. system:masters)
  int bookmark_interval_ms = 1000;
  // Each open watch holds one, and so does each request while the latency model delays it.
  int threads = 256;
  bool verbose = false;
};

// The HTTP(S) front of the emulator: authentication, the /emulator/ admin endpoints, and streaming of
// watches. Restart (POST /emulator/restart) closes every connection and listens again on the same port.
class HttpServer {
 public:
  HttpServer(Emulator& emulator, ServerOptions options);
  ~HttpServer();

  // Binds the listening socket; returns the port. Throws std::runtime_error.
  int Bind();
  // Serves until Shutdown, across restarts.
  void Run();
  // Thread-safe, prompt: open watches end and Run returns.
  void Shutdown();
  std::string Url() const;

 private:
  std::unique_ptr<httplib::Server> MakeServer();
  void ServeApi(const httplib::Request& req, httplib::Response& res);
  void ServeAdmin(const httplib::Request& req, httplib::Response& res);
  // The caller's identity, or nullopt when the request must be refused with 401.
  std::optional<std::string> Authenticate(const httplib::Request& req) const;
  void RequestRestart();

  Emulator& emulator_;
  ServerOptions options_;
  int port_ = 0;
  std::atomic<int> restarts_{0};

  std::mutex mu_;
  std::condition_variable restarted_cv_;
  std::unique_ptr<httplib::Server> server_;
  bool stopping_ = false;
  bool restart_requested_ = false;
};

}  // namespace kubeemu
