#include "pipeline_testing/model_metrics_server.h"

namespace seed::pipeline_testing {

ModelMetricsServer::ModelMetricsServer() {
  server_.Get(R"(/default/([^/]+)/metrics)", [this](const httplib::Request& request,
                                                    httplib::Response& response) {
    std::lock_guard lock(mu_);
    asked_.push_back(request.matches[1]);
    response.set_content("seed_serve_requests_total{endpoint=\"infer\",code=\"200\"} " + std::to_string(ok_) +
                             "\nseed_serve_requests_total{endpoint=\"infer\",code=\"500\"} " +
                             std::to_string(failed_) + "\n",
                         "text/plain; version=0.0.4");
  });
  port_ = server_.bind_to_any_port("127.0.0.1");
  // Bound and listening already: connections queue until the accept loop runs.
  thread_ = std::thread([this] { server_.listen_after_bind(); });
}

ModelMetricsServer::~ModelMetricsServer() {
  server_.stop();
  thread_.join();
}

std::string ModelMetricsServer::Url() const {
  return "http://127.0.0.1:" + std::to_string(port_) + "/{namespace}/{service}/metrics";
}

void ModelMetricsServer::Set(int ok, int failed) {
  std::lock_guard lock(mu_);
  ok_ = ok;
  failed_ = failed;
}

std::vector<std::string> ModelMetricsServer::Asked() {
  std::lock_guard lock(mu_);
  return asked_;
}

}  // namespace seed::pipeline_testing
