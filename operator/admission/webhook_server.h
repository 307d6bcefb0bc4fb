#pragma once
// The HTTPS edge of the validating admission webhook: POST /validate (AdmissionReview, see
// review.h) and GET /healthz, on host:port, with the certificate and key read from `cert_dir`
// (tls.crt, tls.key: a mounted kubernetes.io/tls Secret). The files are read again on every TLS
// handshake, so a renewed certificate (cert-manager, a chart upgrade) is served without a restart.
// Every replica serves it, leader or not.
#include <memory>
#include <string>

#include "admission/object_check.h"
#include "kube/result.h"

namespace kube {
class Client;
}

namespace seed::admission {

class WebhookServer {
 public:
  WebhookServer(std::string address, std::string cert_dir, ClusterLookup lookup);
  ~WebhookServer();
  WebhookServer(const WebhookServer&) = delete;
  WebhookServer& operator=(const WebhookServer&) = delete;

  // Checks the certificate files, binds and serves on a background thread; returns the bound port.
  kube::Result<int> Start();
  void Stop();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// Lookups through the API (live GETs, not a cache: an object created a moment ago must be seen).
ClusterLookup LookupThroughApi(std::shared_ptr<kube::Client> client);

}  // namespace seed::admission
