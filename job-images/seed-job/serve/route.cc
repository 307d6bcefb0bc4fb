#include "serve/route.h"

#include <array>
#include <cstddef>

namespace seed::serve {

namespace {

constexpr std::string_view kModels = "/v2/models/";

// Splits `path` at '/' into at most parts.size() non-empty parts; false when a part is empty or
// there are more parts than room.
template <size_t N>
bool SplitSegments(std::string_view path, std::array<std::string_view, N>& parts, size_t* count) {
  *count = 0;
  while (true) {
    const size_t slash = path.find('/');
    const std::string_view part = path.substr(0, slash);
    if (part.empty() || *count == N) return false;
    parts[(*count)++] = part;
    if (slash == std::string_view::npos) return true;
    path.remove_prefix(slash + 1);
  }
}

}  // namespace

Route MatchRoute(std::string_view method, std::string_view path) {
  const bool get = method == "GET" || method == "HEAD";
  const bool post = method == "POST";
  Route route;
  if (path.substr(0, kModels.size()) != kModels) {
    if (!get) return route;
    if (path == "/v2/health/live") route.endpoint = Endpoint::kLive;
    if (path == "/v2/health/ready") route.endpoint = Endpoint::kReady;
    if (path == "/v2" || path == "/v2/") route.endpoint = Endpoint::kServerMetadata;
    if (path == "/metrics") route.endpoint = Endpoint::kMetrics;
    return route;
  }
  // {name} | {name}/{action} | {name}/versions/{version} | {name}/versions/{version}/{action}
  std::array<std::string_view, 4> parts;
  size_t count = 0;
  if (!SplitSegments(path.substr(kModels.size()), parts, &count)) return route;
  std::string_view action;
  if (count == 2) action = parts[1];
  if (count >= 3) {
    if (parts[1] != "versions") return route;
    route.version = parts[2];
    if (count == 4) action = parts[3];
  }
  if (action.empty() && get) route.endpoint = Endpoint::kModelMetadata;
  if (action == "ready" && get) route.endpoint = Endpoint::kModelReady;
  if (action == "infer" && post) route.endpoint = Endpoint::kInfer;
  if (route.endpoint == Endpoint::kOther) return Route{};
  route.model = parts[0];
  return route;
}

}  // namespace seed::serve
