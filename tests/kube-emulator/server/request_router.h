#pragma once

#include <string>
#include <string_view>

namespace kubeemu {

// Where a URL path points on the API server. Pure; knows nothing of which resources exist.
struct Route {
  enum class Kind {
    kUnknown,
    kVersion,        // /version
    kApiVersions,    // /api
    kGroupList,      // /apis
    kGroup,          // /apis/<group>
    kResourceList,   // /api/v1, /apis/<group>/<version>
    kOpenApiV2,      // /openapi/v2
    kOpenApiV3,      // /openapi/v3
    kOpenApiV3Doc,   // /openapi/v3/api/v1, /openapi/v3/apis/<group>/<version>
    kResource,       // a collection, an object or an object's subresource
  };
  Kind kind = Kind::kUnknown;
  std::string group;
  std::string version;
  std::string plural;
  std::string ns;
  std::string name;
  std::string subresource;
  bool legacy_watch = false;  // the old /watch/ path prefix
};

Route ParseRoute(std::string_view path);

}  // namespace kubeemu
