#pragma once

#include <string>

#include <nlohmann/json.hpp>

namespace kubeemu::testing {

using json = nlohmann::json;

inline json ConfigMap(const std::string& name, const json& labels = json::object(), const json& data = {{"k", "v"}}) {
  return {{"apiVersion", "v1"},
          {"kind", "ConfigMap"},
          {"metadata", {{"name", name}, {"labels", labels}}},
          {"data", data}};
}

// A namespaced CustomResourceDefinition widgets.example.dev (kind Widget, short name wg, category
// toys) with a status subresource.
inline json WidgetCrd() {
  return json::parse(R"({
    "apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition",
    "metadata": {"name": "widgets.example.dev"},
    "spec": {"group": "example.dev", "scope": "Namespaced",
             "names": {"plural": "widgets", "singular": "widget", "kind": "Widget",
                       "shortNames": ["wg"], "categories": ["toys"]},
             "versions": [{"name": "v1", "served": true, "storage": true,
                           "subresources": {"status": {}},
                           "schema": {"openAPIV3Schema": {"type": "object",
                                      "x-kubernetes-preserve-unknown-fields": true}}}]}})");
}

inline json Widget(const std::string& name, int size) {
  return {{"apiVersion", "example.dev/v1"},
          {"kind", "Widget"},
          {"metadata", {{"name", name}}},
          {"spec", {{"size", size}}}};
}

inline const char* kWidgets = "/apis/example.dev/v1/namespaces/default/widgets";
inline const char* kConfigMaps = "/api/v1/namespaces/default/configmaps";

}  // namespace kubeemu::testing
