#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "kube/result.h"

namespace kube {

// Shared cancel flag for in-flight requests (checked by the transport about once a second).
class CancelToken {
 public:
  CancelToken() : flag_(std::make_shared<std::atomic<bool>>(false)) {}
  void Cancel() const { flag_->store(true); }
  bool Cancelled() const { return flag_->load(); }

 private:
  std::shared_ptr<std::atomic<bool>> flag_;
};

struct HttpRequest {
  std::string method = "GET";
  std::string url;  // absolute
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  std::chrono::milliseconds timeout{std::chrono::seconds(60)};  // whole request; 0 = none
  // Streams only: give up when no byte arrives for this long (0 = no idle cap).
  std::chrono::milliseconds idle_timeout{0};
  // Client certificate supplied at request time (by an exec credential plugin), PEM.
  std::string client_cert_pem;
  std::string client_key_pem;
};

struct HttpResponse {
  int status = 0;
  std::vector<std::pair<std::string, std::string>> headers;  // names lower-cased
  std::string body;

  std::string Header(std::string_view name) const;
};

// TLS settings fixed for the life of a transport (from the kubeconfig or in-cluster files).
struct TlsOptions {
  std::string ca_file;
  std::string ca_pem;
  bool insecure_skip_verify = false;
  std::string client_cert_file;
  std::string client_key_file;
  std::string client_cert_pem;
  std::string client_key_pem;
};

// The seam between the client and the network: CurlTransport in production, scripted fakes in tests.
class HttpTransport {
 public:
  virtual ~HttpTransport() = default;
  virtual Result<HttpResponse> Do(const HttpRequest& request, const CancelToken& cancel) = 0;
  // Streams a response body. For a 2xx response each received chunk goes to on_bytes (return false to
  // stop) and the returned body is empty; any other status collects the body (a Status) instead.
  virtual Result<HttpResponse> Stream(const HttpRequest& request,
                                      const std::function<bool(std::string_view)>& on_bytes,
                                      const CancelToken& cancel) = 0;
};

}  // namespace kube
