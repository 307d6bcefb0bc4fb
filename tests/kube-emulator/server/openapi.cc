#include "kube-emulator/server/openapi.h"

namespace kubeemu {
namespace {

std::string GroupVersionPath(const std::string& group, const std::string& version) {
  return group.empty() ? "api/" + version : "apis/" + group + "/" + version;
}

}  // namespace

json OpenApiV3Index(const ResourceRegistry& registry) {
  json paths = json::object();
  for (const auto& type : registry.AllServed()) {
    std::string path = GroupVersionPath(type.group, type.version);
    paths[path] = {{"serverRelativeURL", "/openapi/v3/" + path + "?hash=" + std::to_string(std::hash<std::string>{}(path))}};
  }
  return {{"paths", paths}};
}

std::optional<json> OpenApiV3Document(const ResourceRegistry& registry, const std::string& group,
                                      const std::string& version) {
  json paths = json::object();
  json schemas = json::object();
  for (const auto& type : registry.AllServed()) {
    if (type.group != group || type.version != version) continue;
    json gvk = {{"group", type.group}, {"version", type.version}, {"kind", type.kind}};
    std::string prefix = "/" + GroupVersionPath(group, version) + "/";
    std::string object_path = prefix + (type.namespaced ? "namespaces/{namespace}/" : "") + type.plural + "/{name}";
    json parameters = {{{"name", "fieldValidation"}, {"in", "query"}, {"schema", {{"type", "string"}}}},
                       {{"name", "fieldManager"}, {"in", "query"}, {"schema", {{"type", "string"}}}},
                       {{"name", "dryRun"}, {"in", "query"}, {"schema", {{"type", "string"}}}}};
    json operation = {{"x-kubernetes-group-version-kind", gvk},
                      {"parameters", parameters},
                      {"responses", {{"200", {{"description", "OK"}}}}}};
    paths[object_path] = {{"patch", operation}, {"put", operation}};
    std::string schema_name = (group.empty() ? "io.k8s.api.core" : group) + "." + version + "." + type.kind;
    schemas[schema_name] = {{"type", "object"},
                            {"x-kubernetes-preserve-unknown-fields", true},
                            {"x-kubernetes-group-version-kind", json::array({gvk})}};
  }
  if (paths.empty()) return std::nullopt;
  return json{{"openapi", "3.0.0"},
              {"info", {{"title", "test API emulator"}, {"version", version}}},
              {"paths", paths},
              {"components", {{"schemas", schemas}}}};
}

}  // namespace kubeemu
