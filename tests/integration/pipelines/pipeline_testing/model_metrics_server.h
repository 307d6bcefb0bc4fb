#pragma once
// A stand-in for the model servers' /metrics that the operator's canary reads (through
// --canary-metrics-url, the URL template Url() gives): each answers seed_serve_requests_total with the
// counts the test sets, and the server remembers which version Services were asked for.
#include <httplib.h>

#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace seed::pipeline_testing {

class ModelMetricsServer {
 public:
  ModelMetricsServer();  // listening on loopback when constructed
  ~ModelMetricsServer();
  ModelMetricsServer(const ModelMetricsServer&) = delete;
  ModelMetricsServer& operator=(const ModelMetricsServer&) = delete;

  // For --canary-metrics-url: http://127.0.0.1:PORT/{namespace}/{service}/metrics.
  std::string Url() const;
  // What every version's /metrics answers from now on: `ok` requests answered 200, `failed` 500.
  void Set(int ok, int failed);
  // The Services asked for, in order.
  std::vector<std::string> Asked();

 private:
  httplib::Server server_;
  std::thread thread_;
  int port_ = 0;
  std::mutex mu_;
  int ok_ = 0, failed_ = 0;
  std::vector<std::string> asked_;
};

}  // namespace seed::pipeline_testing
