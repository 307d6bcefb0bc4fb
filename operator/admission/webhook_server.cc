#include "admission/webhook_server.h"

#include <httplib.h>
#include <openssl/ssl.h>

#include <thread>

#include "admission/review.h"
#include "controllers/resources.h"
#include "kube/client.h"
#include "kube/http_server.h"
#include "kube/logging.h"

namespace seed::admission {
// The certificate pair's paths (named, not anonymous: a member of the public Impl).
struct WebhookCertFiles {
  std::string certificate;
  std::string key;
};

namespace {

// OpenSSL's certificate callback: loads the pair for this handshake. Reading two small files per
// handshake is cheap next to the handshake itself, and needs no cache that could go stale.
int UseCurrentCertificate(SSL* ssl, void* arg) {
  const auto* files = static_cast<const WebhookCertFiles*>(arg);
  if (SSL_use_certificate_chain_file(ssl, files->certificate.c_str()) != 1) return 0;
  if (SSL_use_PrivateKey_file(ssl, files->key.c_str(), SSL_FILETYPE_PEM) != 1) return 0;
  return SSL_check_private_key(ssl) == 1 ? 1 : 0;
}

}  // namespace

struct WebhookServer::Impl {
  std::string address;
  WebhookCertFiles files;
  ClusterLookup lookup;
  std::unique_ptr<httplib::SSLServer> server;
  std::thread thread;
};

WebhookServer::WebhookServer(std::string address, std::string cert_dir, ClusterLookup lookup)
    : impl_(std::make_unique<Impl>()) {
  impl_->address = std::move(address);
  impl_->files = {cert_dir + "/tls.crt", cert_dir + "/tls.key"};
  impl_->lookup = std::move(lookup);
}

WebhookServer::~WebhookServer() { Stop(); }

kube::Result<int> WebhookServer::Start() {
  auto host_port = kube::ParseHostPort(impl_->address);
  if (!host_port.ok()) return host_port.error();
  // Fail at start, with the file names, rather than on the first handshake.
  {
    SSL_CTX* probe = SSL_CTX_new(TLS_server_method());
    const bool ok = probe &&
                    SSL_CTX_use_certificate_chain_file(probe, impl_->files.certificate.c_str()) == 1 &&
                    SSL_CTX_use_PrivateKey_file(probe, impl_->files.key.c_str(), SSL_FILETYPE_PEM) == 1 &&
                    SSL_CTX_check_private_key(probe) == 1;
    SSL_CTX_free(probe);
    if (!ok) {
      return kube::MakeError(kube::ErrorCode::kInvalidArgument,
                             "webhook certificate: cannot use " + impl_->files.certificate + " with " +
                                 impl_->files.key +
                                 " (PEM certificate and its private key; see --webhook-cert-dir)");
    }
  }
  const WebhookCertFiles* files = &impl_->files;
  impl_->server = std::make_unique<httplib::SSLServer>([files](SSL_CTX& ctx) {
    SSL_CTX_set_min_proto_version(&ctx, TLS1_2_VERSION);
    SSL_CTX_set_cert_cb(&ctx, UseCurrentCertificate, const_cast<WebhookCertFiles*>(files));
    return true;
  });
  auto& server = *impl_->server;
  server.new_task_queue = [] { return new httplib::ThreadPool(4); };
  const ClusterLookup* lookup = &impl_->lookup;
  server.Post("/validate", [lookup](const httplib::Request& request, httplib::Response& response) {
    auto answer = AnswerReview(request.body, *lookup);
    response.status = answer.http_status;
    response.set_content(answer.body.dump(), "application/json");
    if (!answer.allowed && answer.http_status == 200) {
      const auto& review = answer.body["response"];
      kube::LogFields(spdlog::level::info, "admission denied",
                      {{"uid", review.value("uid", "")}, {"message", review["status"].value("message", "")}});
    }
  });
  server.Get("/healthz", [](const httplib::Request&, httplib::Response& response) {
    response.set_content("ok", "text/plain");
  });
  int port = host_port->second;
  if (port == 0) {
    port = server.bind_to_any_port(host_port->first);
    if (port <= 0)
      return kube::MakeError(kube::ErrorCode::kInvalidArgument, "cannot listen on " + impl_->address);
  } else if (!server.bind_to_port(host_port->first, port)) {
    return kube::MakeError(kube::ErrorCode::kInvalidArgument, "cannot listen on " + impl_->address);
  }
  impl_->thread = std::thread([this] { impl_->server->listen_after_bind(); });
  return port;
}

void WebhookServer::Stop() {
  if (!impl_ || !impl_->server) return;
  impl_->server->stop();
  if (impl_->thread.joinable()) impl_->thread.join();
}

ClusterLookup LookupThroughApi(std::shared_ptr<kube::Client> client) {
  auto get = [client](const kube::GroupVersionResource& resource) {
    return
        [client, resource](const std::string& ns, const std::string& name) -> std::optional<nlohmann::json> {
          if (name.empty()) return std::nullopt;
          auto object = client->Get(resource, ns, name);
          if (!object.ok()) return std::nullopt;  // missing or unreadable: the checks that need it wait
          return *object;
        };
  };
  return {get(controllers::JobTemplatesResource()), get(controllers::PipelinesResource())};
}

}  // namespace seed::admission
