#include "kube-emulator/server/request_router.h"

#include <vector>

namespace kubeemu {
namespace {

std::vector<std::string> Segments(std::string_view path) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start < path.size()) {
    size_t slash = path.find('/', start);
    if (slash == std::string_view::npos) slash = path.size();
    if (slash > start) out.emplace_back(path.substr(start, slash - start));
    start = slash + 1;
  }
  return out;
}

// The part after /api/v1 or /apis/<group>/<version>.
Route ResourcePath(Route route, std::vector<std::string> rest) {
  if (!rest.empty() && rest[0] == "watch") {
    route.legacy_watch = true;
    rest.erase(rest.begin());
  }
  if (rest.empty()) return route;
  route.kind = Route::Kind::kResource;
  size_t i = 0;
  // namespaces/<ns>/<plural>/... is a namespaced resource; namespaces/<name>[/status] is a Namespace.
  if (rest[0] == "namespaces" && rest.size() >= 3 && rest[2] != "status" && rest[2] != "finalize") {
    route.ns = rest[1];
    i = 2;
  }
  route.plural = rest[i];
  if (rest.size() > i + 1) route.name = rest[i + 1];
  if (rest.size() > i + 2) route.subresource = rest[i + 2];
  if (rest.size() > i + 3) route.kind = Route::Kind::kUnknown;
  return route;
}

}  // namespace

Route ParseRoute(std::string_view path) {
  Route route;
  std::vector<std::string> parts = Segments(path);
  if (parts.empty()) return route;
  if (parts[0] == "version" && parts.size() == 1) {
    route.kind = Route::Kind::kVersion;
  } else if (parts[0] == "openapi" && parts.size() >= 2) {
    if (parts[1] == "v2" && parts.size() == 2) route.kind = Route::Kind::kOpenApiV2;
    if (parts[1] == "v3" && parts.size() == 2) route.kind = Route::Kind::kOpenApiV3;
    if (parts[1] == "v3" && parts.size() == 4 && parts[2] == "api") {
      route.kind = Route::Kind::kOpenApiV3Doc;
      route.version = parts[3];
    }
    if (parts[1] == "v3" && parts.size() == 5 && parts[2] == "apis") {
      route.kind = Route::Kind::kOpenApiV3Doc;
      route.group = parts[3];
      route.version = parts[4];
    }
  } else if (parts[0] == "api") {
    if (parts.size() == 1) {
      route.kind = Route::Kind::kApiVersions;
    } else {
      route.version = parts[1];
      route.kind = Route::Kind::kResourceList;
      route = ResourcePath(route, {parts.begin() + 2, parts.end()});
    }
  } else if (parts[0] == "apis") {
    if (parts.size() == 1) {
      route.kind = Route::Kind::kGroupList;
    } else if (parts.size() == 2) {
      route.kind = Route::Kind::kGroup;
      route.group = parts[1];
    } else {
      route.group = parts[1];
      route.version = parts[2];
      route.kind = Route::Kind::kResourceList;
      route = ResourcePath(route, {parts.begin() + 3, parts.end()});
    }
  }
  return route;
}

}  // namespace kubeemu
