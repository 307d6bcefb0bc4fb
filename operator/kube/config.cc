#include "kube/config.h"

#include <yaml-cpp/yaml.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

namespace kube {

namespace fs = std::filesystem;

std::optional<std::string> DecodeBase64(std::string_view in) {
  auto value = [](char c) -> int {
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '+') return 62;
    if (c == '/') return 63;
    return -1;
  };
  std::string clean;
  for (char c : in) {
    if (c == ' ' || c == '\n' || c == '\r' || c == '\t') continue;
    clean += c;
  }
  if (clean.size() % 4 != 0) return std::nullopt;
  std::string out;
  for (size_t i = 0; i < clean.size(); i += 4) {
    int v[4];
    int pad = 0;
    for (int j = 0; j < 4; ++j) {
      char c = clean[i + j];
      if (c == '=') {
        if (i + 4 != clean.size() || j < 2) return std::nullopt;
        ++pad;
        v[j] = 0;
      } else {
        if (pad > 0) return std::nullopt;
        v[j] = value(c);
        if (v[j] < 0) return std::nullopt;
      }
    }
    uint32_t n = (v[0] << 18) | (v[1] << 12) | (v[2] << 6) | v[3];
    out += static_cast<char>((n >> 16) & 0xff);
    if (pad < 2) out += static_cast<char>((n >> 8) & 0xff);
    if (pad < 1) out += static_cast<char>(n & 0xff);
  }
  return out;
}

std::vector<std::string> SplitKubeconfigPaths(const std::string& value) {
  std::vector<std::string> out;
  std::stringstream ss(value);
  std::string part;
  while (std::getline(ss, part, ':')) {
    if (!part.empty()) out.push_back(part);
  }
  return out;
}

namespace {

// One named entry (cluster, user or context) and where it came from, for error messages.
struct Entry {
  YAML::Node body;
  std::string field;  // e.g. "users[2].user"
  std::string file;
};

struct Merged {
  std::string current_context;
  std::map<std::string, Entry> clusters, users, contexts;
  std::vector<std::string> context_names;
};

Error ConfigError(const std::string& field, const std::string& problem, const std::string& file) {
  std::string msg = "kubeconfig " + field + ": " + problem;
  if (!file.empty()) msg += " (in " + file + ")";
  return MakeError(ErrorCode::kConfig, msg);
}

Result<std::string> ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return MakeError(ErrorCode::kConfig, "cannot read " + path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string Resolve(const std::string& path, const std::string& file) {
  if (path.empty() || fs::path(path).is_absolute() || file.empty()) return path;
  return (fs::path(file).parent_path() / path).lexically_normal().string();
}

// Reads an optional scalar string field.
Result<std::string> StringField(const YAML::Node& node, const std::string& key, const std::string& field,
                                const std::string& file) {
  YAML::Node v = node[key];
  if (!v || v.IsNull()) return std::string();
  if (!v.IsScalar()) return ConfigError(field + "." + key, "must be a string", file);
  return v.as<std::string>();
}

Result<bool> BoolField(const YAML::Node& node, const std::string& key, const std::string& field,
                       const std::string& file) {
  YAML::Node v = node[key];
  if (!v || v.IsNull()) return false;
  bool out = false;
  if (!v.IsScalar() || !YAML::convert<bool>::decode(v, out)) {
    return ConfigError(field + "." + key, "must be true or false", file);
  }
  return out;
}

Result<std::string> Base64Field(const YAML::Node& node, const std::string& key, const std::string& field,
                                const std::string& file) {
  auto raw = StringField(node, key, field, file);
  if (!raw.ok() || raw->empty()) return raw;
  auto decoded = DecodeBase64(*raw);
  if (!decoded) return ConfigError(field + "." + key, "not valid base64", file);
  return *decoded;
}

Status CheckPem(const std::string& pem, const std::string& what, const std::string& field,
                const std::string& file) {
  if (pem.find("-----BEGIN ") == std::string::npos) {
    return ConfigError(field, "not a PEM " + what + " (no -----BEGIN line)", file);
  }
  return {};
}

Status CheckReadable(const std::string& path, const std::string& field, const std::string& file) {
  std::ifstream in(path);
  if (!in) return ConfigError(field, "cannot read file " + path, file);
  return {};
}

Status MergeFile(const std::string& file, Merged& merged) {
  YAML::Node root;
  try {
    root = YAML::LoadFile(file);
  } catch (const YAML::BadFile&) {
    return MakeError(ErrorCode::kConfig, "kubeconfig " + file + ": cannot read file");
  } catch (const YAML::Exception& e) {
    return MakeError(ErrorCode::kConfig, "kubeconfig " + file + ": invalid YAML at line " +
                                             std::to_string(e.mark.line + 1) + " column " +
                                             std::to_string(e.mark.column + 1) + ": " + e.msg);
  }
  if (root.IsNull()) return {};  // an empty file contributes nothing, as in client-go
  if (!root.IsMap()) return ConfigError("(top level)", "must be a mapping", file);
  auto current = StringField(root, "current-context", "", file);
  if (!current.ok()) return ConfigError("current-context", "must be a string", file);
  if (merged.current_context.empty()) merged.current_context = *current;

  struct Section {
    const char* list;
    const char* body;
    std::map<std::string, Entry>* into;
  };
  for (Section s : {Section{"clusters", "cluster", &merged.clusters}, Section{"users", "user", &merged.users},
                    Section{"contexts", "context", &merged.contexts}}) {
    YAML::Node list = root[s.list];
    if (!list || list.IsNull()) continue;
    if (!list.IsSequence()) return ConfigError(s.list, "must be a list", file);
    for (size_t i = 0; i < list.size(); ++i) {
      std::string field = std::string(s.list) + "[" + std::to_string(i) + "]";
      YAML::Node item = list[i];
      if (!item.IsMap()) return ConfigError(field, "must be a mapping", file);
      auto name = StringField(item, "name", field, file);
      if (!name.ok()) return name.error();
      if (name->empty()) return ConfigError(field + ".name", "required", file);
      YAML::Node body = item[s.body];
      if (body && !body.IsNull() && !body.IsMap()) {
        return ConfigError(field + "." + s.body, "must be a mapping", file);
      }
      if (!body || body.IsNull()) body = YAML::Node(YAML::NodeType::Map);
      if (s.into == &merged.contexts && !merged.contexts.count(*name)) merged.context_names.push_back(*name);
      s.into->try_emplace(*name, Entry{body, field + "." + s.body, file});  // first file wins
    }
  }
  return {};
}

Result<ExecConfig> ParseExec(const YAML::Node& node, const std::string& field, const std::string& file) {
  if (!node.IsMap()) return ConfigError(field, "must be a mapping", file);
  ExecConfig exec;
  exec.base_dir = fs::path(file).parent_path().string();
  auto api_version = StringField(node, "apiVersion", field, file);
  if (!api_version.ok()) return api_version.error();
  exec.api_version = *api_version;
  if (exec.api_version != "client.authentication.k8s.io/v1" &&
      exec.api_version != "client.authentication.k8s.io/v1beta1") {
    return ConfigError(field + ".apiVersion",
                       "\"" + exec.api_version + "\" is not supported (use client.authentication.k8s.io/v1)",
                       file);
  }
  auto command = StringField(node, "command", field, file);
  if (!command.ok()) return command.error();
  if (command->empty()) return ConfigError(field + ".command", "required", file);
  exec.command = *command;
  if (YAML::Node args = node["args"]; args && !args.IsNull()) {
    if (!args.IsSequence()) return ConfigError(field + ".args", "must be a list of strings", file);
    for (size_t i = 0; i < args.size(); ++i) {
      if (!args[i].IsScalar()) {
        return ConfigError(field + ".args[" + std::to_string(i) + "]", "must be a string", file);
      }
      exec.args.push_back(args[i].as<std::string>());
    }
  }
  if (YAML::Node env = node["env"]; env && !env.IsNull()) {
    if (!env.IsSequence()) return ConfigError(field + ".env", "must be a list of {name, value}", file);
    for (size_t i = 0; i < env.size(); ++i) {
      std::string f = field + ".env[" + std::to_string(i) + "]";
      if (!env[i].IsMap()) return ConfigError(f, "must be a mapping with name and value", file);
      auto name = StringField(env[i], "name", f, file);
      auto value = StringField(env[i], "value", f, file);
      if (!name.ok()) return name.error();
      if (!value.ok()) return value.error();
      if (name->empty()) return ConfigError(f + ".name", "required", file);
      exec.env.emplace_back(*name, *value);
    }
  }
  auto mode = StringField(node, "interactiveMode", field, file);
  if (!mode.ok()) return mode.error();
  exec.interactive_mode = *mode;
  if (exec.interactive_mode.empty()) {
    if (exec.api_version == "client.authentication.k8s.io/v1") {
      return ConfigError(field + ".interactiveMode", "required for client.authentication.k8s.io/v1 "
                                                     "(Never or IfAvailable)", file);
    }
    exec.interactive_mode = "IfAvailable";
  }
  if (exec.interactive_mode == "Always") {
    return ConfigError(field + ".interactiveMode", "Always needs a terminal, which a controller never has", file);
  }
  if (exec.interactive_mode != "Never" && exec.interactive_mode != "IfAvailable") {
    return ConfigError(field + ".interactiveMode",
                       "\"" + exec.interactive_mode + "\" is not one of Never, IfAvailable, Always", file);
  }
  auto provide = BoolField(node, "provideClusterInfo", field, file);
  if (!provide.ok()) return provide.error();
  exec.provide_cluster_info = *provide;
  auto hint = StringField(node, "installHint", field, file);
  if (hint.ok()) exec.install_hint = *hint;
  return exec;
}

Status ApplyCluster(const Entry& e, RestConfig& config) {
  const std::string& f = e.field;
  auto server = StringField(e.body, "server", f, e.file);
  if (!server.ok()) return server.error();
  if (server->empty()) return ConfigError(f + ".server", "required", e.file);
  if (server->rfind("https://", 0) != 0 && server->rfind("http://", 0) != 0) {
    return ConfigError(f + ".server", "\"" + *server + "\" is not an http(s) URL", e.file);
  }
  config.server = *server;
  while (!config.server.empty() && config.server.back() == '/') config.server.pop_back();

  auto insecure = BoolField(e.body, "insecure-skip-tls-verify", f, e.file);
  if (!insecure.ok()) return insecure.error();
  auto ca_file = StringField(e.body, "certificate-authority", f, e.file);
  if (!ca_file.ok()) return ca_file.error();
  auto ca_data = Base64Field(e.body, "certificate-authority-data", f, e.file);
  if (!ca_data.ok()) return ca_data.error();
  if (*insecure && (!ca_file->empty() || !ca_data->empty())) {
    return ConfigError(f, "insecure-skip-tls-verify cannot be combined with a certificate authority", e.file);
  }
  config.tls.insecure_skip_verify = *insecure;
  if (!ca_data->empty()) {
    if (auto s = CheckPem(*ca_data, "certificate", f + ".certificate-authority-data", e.file); !s.ok()) return s;
    config.tls.ca_pem = *ca_data;
  } else if (!ca_file->empty()) {
    config.tls.ca_file = Resolve(*ca_file, e.file);
    if (auto s = CheckReadable(config.tls.ca_file, f + ".certificate-authority", e.file); !s.ok()) return s;
  }
  return {};
}

Status ApplyUser(const Entry& e, RestConfig& config) {
  const std::string& f = e.field;
  if (e.body["auth-provider"]) {
    return ConfigError(f + ".auth-provider", "auth-provider plugins are not supported; use an exec plugin",
                       e.file);
  }
  auto token = StringField(e.body, "token", f, e.file);
  if (!token.ok()) return token.error();
  auto token_file = StringField(e.body, "tokenFile", f, e.file);
  if (!token_file.ok()) return token_file.error();
  config.bearer_token = *token;
  if (!token_file->empty()) {
    config.bearer_token_file = Resolve(*token_file, e.file);
    if (auto s = CheckReadable(config.bearer_token_file, f + ".tokenFile", e.file); !s.ok()) return s;
  }

  auto cert_file = StringField(e.body, "client-certificate", f, e.file);
  if (!cert_file.ok()) return cert_file.error();
  auto cert_data = Base64Field(e.body, "client-certificate-data", f, e.file);
  if (!cert_data.ok()) return cert_data.error();
  auto key_file = StringField(e.body, "client-key", f, e.file);
  if (!key_file.ok()) return key_file.error();
  auto key_data = Base64Field(e.body, "client-key-data", f, e.file);
  if (!key_data.ok()) return key_data.error();
  bool has_cert = !cert_file->empty() || !cert_data->empty();
  bool has_key = !key_file->empty() || !key_data->empty();
  if (has_cert != has_key) {
    return ConfigError(f, has_cert ? "client-certificate given without client-key"
                                   : "client-key given without client-certificate", e.file);
  }
  if (!cert_data->empty()) {
    if (auto s = CheckPem(*cert_data, "certificate", f + ".client-certificate-data", e.file); !s.ok()) return s;
    config.tls.client_cert_pem = *cert_data;
  } else if (!cert_file->empty()) {
    config.tls.client_cert_file = Resolve(*cert_file, e.file);
    if (auto s = CheckReadable(config.tls.client_cert_file, f + ".client-certificate", e.file); !s.ok()) return s;
  }
  if (!key_data->empty()) {
    if (auto s = CheckPem(*key_data, "private key", f + ".client-key-data", e.file); !s.ok()) return s;
    config.tls.client_key_pem = *key_data;
  } else if (!key_file->empty()) {
    config.tls.client_key_file = Resolve(*key_file, e.file);
    if (auto s = CheckReadable(config.tls.client_key_file, f + ".client-key", e.file); !s.ok()) return s;
  }
  if (YAML::Node exec = e.body["exec"]; exec && !exec.IsNull()) {
    auto parsed = ParseExec(exec, f + ".exec", e.file);
    if (!parsed.ok()) return parsed.error();
    config.exec = std::move(*parsed);
  }
  return {};
}

}  // namespace

Result<RestConfig> LoadKubeconfig(const std::vector<std::string>& paths, const std::string& context) {
  if (paths.empty()) return MakeError(ErrorCode::kConfig, "kubeconfig: no file given");
  Merged merged;
  for (const auto& path : paths) {
    if (auto s = MergeFile(path, merged); !s.ok()) return s.error();
  }
  std::string context_name = context.empty() ? merged.current_context : context;
  if (context_name.empty()) {
    return MakeError(ErrorCode::kConfig, "kubeconfig current-context: not set and no --context given");
  }
  auto ctx = merged.contexts.find(context_name);
  if (ctx == merged.contexts.end()) {
    std::string known;
    for (const auto& n : merged.context_names) known += (known.empty() ? "" : ", ") + n;
    return MakeError(ErrorCode::kConfig, "kubeconfig: context \"" + context_name + "\" not found (contexts: " +
                                             (known.empty() ? "none" : known) + ")");
  }
  const Entry& c = ctx->second;
  auto cluster_name = StringField(c.body, "cluster", c.field, c.file);
  if (!cluster_name.ok()) return cluster_name.error();
  auto user_name = StringField(c.body, "user", c.field, c.file);
  if (!user_name.ok()) return user_name.error();
  auto ns = StringField(c.body, "namespace", c.field, c.file);
  if (!ns.ok()) return ns.error();

  RestConfig config;
  config.context = context_name;
  config.namespace_ = *ns;
  if (cluster_name->empty()) return ConfigError(c.field + ".cluster", "required", c.file);
  auto cluster = merged.clusters.find(*cluster_name);
  if (cluster == merged.clusters.end()) {
    return ConfigError(c.field + ".cluster", "cluster \"" + *cluster_name + "\" not found", c.file);
  }
  if (auto s = ApplyCluster(cluster->second, config); !s.ok()) return s.error();
  if (!user_name->empty()) {
    auto user = merged.users.find(*user_name);
    if (user == merged.users.end()) {
      return ConfigError(c.field + ".user", "user \"" + *user_name + "\" not found", c.file);
    }
    if (auto s = ApplyUser(user->second, config); !s.ok()) return s.error();
  }
  return config;
}

Result<RestConfig> InClusterConfig(const std::function<std::string(const std::string&)>& getenv,
                                   const std::string& service_account_dir) {
  std::string host = getenv("KUBERNETES_SERVICE_HOST");
  std::string port = getenv("KUBERNETES_SERVICE_PORT");
  if (host.empty() || port.empty()) {
    return MakeError(ErrorCode::kConfig,
                     "in-cluster config: KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT must be set");
  }
  RestConfig config;
  bool ipv6 = host.find(':') != std::string::npos;
  config.server = "https://" + (ipv6 ? "[" + host + "]" : host) + ":" + port;
  config.bearer_token_file = service_account_dir + "/token";
  auto token = ReadFile(config.bearer_token_file);
  if (!token.ok()) {
    return MakeError(ErrorCode::kConfig, "in-cluster config: cannot read the service-account token " +
                                             config.bearer_token_file);
  }
  config.tls.ca_file = service_account_dir + "/ca.crt";
  if (!std::ifstream(config.tls.ca_file)) {
    return MakeError(ErrorCode::kConfig, "in-cluster config: cannot read the cluster CA " + config.tls.ca_file);
  }
  if (auto ns = ReadFile(service_account_dir + "/namespace"); ns.ok()) {
    std::string n = *ns;
    while (!n.empty() && (n.back() == '\n' || n.back() == ' ')) n.pop_back();
    config.namespace_ = n;
  }
  config.context = "in-cluster";
  return config;
}

Result<RestConfig> LoadConfig(const std::string& kubeconfig_flag, const std::string& context,
                              const std::function<std::string(const std::string&)>& getenv) {
  if (!kubeconfig_flag.empty()) return LoadKubeconfig(SplitKubeconfigPaths(kubeconfig_flag), context);
  if (auto env = getenv("KUBECONFIG"); !env.empty()) return LoadKubeconfig(SplitKubeconfigPaths(env), context);
  if (!getenv("KUBERNETES_SERVICE_HOST").empty()) return InClusterConfig(getenv);
  std::string home = getenv("HOME");
  std::string fallback = home + "/.kube/config";
  if (!home.empty() && fs::exists(fallback)) return LoadKubeconfig({fallback}, context);
  return MakeError(ErrorCode::kConfig,
                   "no cluster configuration: pass --kubeconfig, set KUBECONFIG, or run in a pod with a "
                   "service account");
}

}  // namespace kube
