#pragma once
// The model server's routes, matched from the method and path alone: a handful of exact paths and
// /v2/models/{name}[/versions/{version}][/ready|/infer], split at '/' (no regular expressions).
#include <string_view>

namespace seed::serve {

enum class Endpoint { kLive, kReady, kServerMetadata, kModelMetadata, kModelReady, kInfer, kMetrics, kOther, kCount };

struct Route {
  Endpoint endpoint = Endpoint::kOther;  // kOther: no such endpoint
  std::string_view model;                // the {name} of a /v2/models/... route
  std::string_view version;              // the {version}; empty when the path names none
};

// `method` is the request method as sent ("GET", "POST", ...; HEAD is answered like GET) and `path`
// the request target without its query. Views point into `path`.
Route MatchRoute(std::string_view method, std::string_view path);

}  // namespace seed::serve
