#include "kube-emulator/server/request_attributes.h"

#include <algorithm>
#include <cctype>

namespace kubeemu {
namespace {

std::string QueryValue(const std::map<std::string, std::string>& query, const std::string& key) {
  auto it = query.find(key);
  return it == query.end() ? "" : it->second;
}

std::string Lower(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(), [](unsigned char c) { return std::tolower(c); });
  return text;
}

// The name a field selector pins, as the API server reads it for list and watch ("metadata.name=x").
std::string SelectedName(const std::string& selector) {
  for (const char* prefix : {"metadata.name==", "metadata.name="}) {
    std::string text = prefix;
    if (selector.rfind(text, 0) == 0 && selector.find(',') == std::string::npos)
      return selector.substr(text.size());
  }
  return "";
}

}  // namespace

RequestAttributes AttributesOf(const std::string& method, const std::string& path, const Route& route,
                               const std::map<std::string, std::string>& query) {
  RequestAttributes attributes;
  if (route.kind != Route::Kind::kResource) {
    attributes.resource_request = false;
    attributes.verb = Lower(method);
    attributes.path = path;
    return attributes;
  }
  const bool named = !route.name.empty();
  std::string watch = QueryValue(query, "watch");
  if (method == "GET") {
    attributes.verb = route.legacy_watch || watch == "true" || watch == "1" ? "watch"
                      : named                                               ? "get"
                                                                            : "list";
  } else if (method == "POST") {
    attributes.verb = "create";
  } else if (method == "PUT") {
    attributes.verb = "update";
  } else if (method == "PATCH") {
    attributes.verb = "patch";
  } else if (method == "DELETE") {
    attributes.verb = named ? "delete" : "deletecollection";
  } else {
    attributes.verb = Lower(method);
  }
  attributes.api_group = route.group;
  attributes.resource = route.plural;
  attributes.subresource = route.subresource;
  attributes.ns = route.ns;
  attributes.name = route.name;
  if (route.group.empty() && route.plural == "namespaces" && named) attributes.ns = route.name;
  if (!named && (attributes.verb == "list" || attributes.verb == "watch")) {
    attributes.name = SelectedName(QueryValue(query, "fieldSelector"));
  }
  return attributes;
}

}  // namespace kubeemu
