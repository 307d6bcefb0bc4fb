#pragma once

#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "kube/http_transport.h"
#include "kube/result.h"

namespace kube {

// users[].user.exec: a client.authentication.k8s.io/v1 credential plugin.
struct ExecConfig {
  std::string api_version;
  std::string command;
  std::vector<std::string> args;
  std::vector<std::pair<std::string, std::string>> env;
  std::string interactive_mode;  // Never | IfAvailable (Always cannot work in a controller)
  bool provide_cluster_info = false;
  std::string install_hint;
  std::string base_dir;  // the kubeconfig's directory: a relative command with a '/' resolves from here
};

// Everything needed to reach and authenticate to one API server.
struct RestConfig {
  std::string server;  // https://host:port, no trailing slash
  TlsOptions tls;
  std::string bearer_token;
  std::string bearer_token_file;  // re-read about once a minute (rotated service-account tokens)
  std::optional<ExecConfig> exec;
  std::string namespace_;  // from the context or the service account; empty when unset
  std::string context;     // the context used, for logs
  double qps = 5.0;        // client-go defaults
  int burst = 10;
  std::string user_agent = "seed-operator";
};

// Loads kubeconfig files merged as client-go does (the first file that sets a value wins; map entries
// are taken from the first file that names them). `context` overrides current-context when non-empty.
// Errors name the file and the field, e.g.
// "kubeconfig users[0].user.client-certificate-data: not valid base64 (in /home/a/.kube/config)".
Result<RestConfig> LoadKubeconfig(const std::vector<std::string>& paths, const std::string& context = "");

// Splits a KUBECONFIG value on ':' dropping empty entries.
std::vector<std::string> SplitKubeconfigPaths(const std::string& value);

// In-cluster config from KUBERNETES_SERVICE_HOST/PORT and the service-account directory.
Result<RestConfig> InClusterConfig(const std::function<std::string(const std::string&)>& getenv,
                                   const std::string& service_account_dir =
                                       "/var/run/secrets/kubernetes.io/serviceaccount");

// controller-runtime's order: explicit --kubeconfig, then KUBECONFIG, then in-cluster, then
// ~/.kube/config.
Result<RestConfig> LoadConfig(const std::string& kubeconfig_flag, const std::string& context,
                              const std::function<std::string(const std::string&)>& getenv);

// Strict base64 (RFC 4648, padding required, whitespace ignored); nullopt when invalid.
std::optional<std::string> DecodeBase64(std::string_view in);

}  // namespace kube
