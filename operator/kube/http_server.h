#pragma once

#include <functional>
#include <memory>
#include <string>
#include <thread>

#include "kube/metrics.h"
#include "kube/result.h"

namespace kube {

// Serves /healthz and /readyz (and/or /metrics) on "host:port" (port 0 picks a free port).
// The only translation unit of the library that includes httplib.h.
class HttpServer {
 public:
  struct Endpoints {
    bool health = false;
    bool metrics = false;
  };
  HttpServer(std::string address, Endpoints endpoints, Metrics* metrics, std::function<bool()> healthy,
             std::function<bool()> ready);
  ~HttpServer();
  // Binds and starts serving on a background thread; returns the bound port.
  Result<int> Start();
  void Stop();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// Splits "host:port" (":8080" means 0.0.0.0:8080); error when malformed.
Result<std::pair<std::string, int>> ParseHostPort(const std::string& address);

}  // namespace kube
