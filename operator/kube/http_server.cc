#include "kube/http_server.h"

#include <httplib.h>

#include <charconv>

namespace kube {

Result<std::pair<std::string, int>> ParseHostPort(const std::string& address) {
  auto colon = address.rfind(':');
  if (colon == std::string::npos) {
    return MakeError(ErrorCode::kInvalidArgument, "address \"" + address + "\" must be host:port");
  }
  std::string host = address.substr(0, colon);
  if (host.empty()) host = "0.0.0.0";
  if (host.size() > 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  int port = -1;
  std::string port_text = address.substr(colon + 1);
  auto [ptr, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
  if (ec != std::errc() || ptr != port_text.data() + port_text.size() || port < 0 || port > 65535) {
    return MakeError(ErrorCode::kInvalidArgument, "address \"" + address + "\" has no valid port (0-65535)");
  }
  return std::make_pair(host, port);
}

struct HttpServer::Impl {
  std::string address;
  Endpoints endpoints;
  Metrics* metrics;
  std::function<bool()> healthy;
  std::function<bool()> ready;
  httplib::Server server;
  std::thread thread;
};

HttpServer::HttpServer(std::string address, Endpoints endpoints, Metrics* metrics, std::function<bool()> healthy,
                       std::function<bool()> ready)
    : impl_(std::make_unique<Impl>()) {
  impl_->address = std::move(address);
  impl_->endpoints = endpoints;
  impl_->metrics = metrics;
  impl_->healthy = std::move(healthy);
  impl_->ready = std::move(ready);
}

HttpServer::~HttpServer() { Stop(); }

Result<int> HttpServer::Start() {
  auto hp = ParseHostPort(impl_->address);
  if (!hp.ok()) return hp.error();
  auto& server = impl_->server;
  server.new_task_queue = [] { return new httplib::ThreadPool(4); };
  if (impl_->endpoints.health) {
    auto probe = [](const std::function<bool()>& check, const char* name) {
      return [check, name](const httplib::Request&, httplib::Response& res) {
        bool ok = !check || check();
        res.status = ok ? 200 : 503;
        res.set_content(ok ? "ok" : std::string(name) + " check failed", "text/plain");
      };
    };
    server.Get("/healthz", probe(impl_->healthy, "healthz"));
    server.Get("/readyz", probe(impl_->ready, "readyz"));
  }
  if (impl_->endpoints.metrics && impl_->metrics) {
    Metrics* metrics = impl_->metrics;
    server.Get("/metrics", [metrics](const httplib::Request&, httplib::Response& res) {
      res.set_content(metrics->Render(), "text/plain; version=0.0.4; charset=utf-8");
    });
  }
  int port = hp->second;
  if (port == 0) {
    port = server.bind_to_any_port(hp->first);
    if (port <= 0) return MakeError(ErrorCode::kInvalidArgument, "cannot listen on " + impl_->address);
  } else if (!server.bind_to_port(hp->first, port)) {
    return MakeError(ErrorCode::kInvalidArgument, "cannot listen on " + impl_->address);
  }
  impl_->thread = std::thread([this] { impl_->server.listen_after_bind(); });
  return port;
}

void HttpServer::Stop() {
  if (!impl_) return;
  impl_->server.stop();
  if (impl_->thread.joinable()) impl_->thread.join();
}

}  // namespace kube
