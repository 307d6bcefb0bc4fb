#include "serve/model_uri.h"

#include <filesystem>

#include "io/input_error.h"

namespace seed::serve {

std::string ResolveModelPath(const std::string& uri) {
  const std::string pvc = "pvc://";
  const std::string file = "file://";
  if (uri.empty()) throw io::UsageError("--model is empty: give a path, file://PATH or pvc://CLAIM/PATH");
  if (uri.rfind(pvc, 0) == 0) {
    std::string rest = uri.substr(pvc.size());
    size_t slash = rest.find('/');
    if (slash == 0 || rest.empty()) {
      throw io::UsageError("model URI \"" + uri + "\" has no claim name: use pvc://CLAIM/PATH");
    }
    std::string path = slash == std::string::npos ? "" : rest.substr(slash + 1);
    while (!path.empty() && path.back() == '/') path.pop_back();
    return path.empty() ? std::string(kModelMountRoot) : std::string(kModelMountRoot) + "/" + path;
  }
  if (uri.rfind(file, 0) == 0) {
    std::string path = uri.substr(file.size());
    if (path.empty()) throw io::UsageError("model URI \"" + uri + "\" has no path: use file:///absolute/path");
    return path;
  }
  size_t scheme = uri.find("://");
  if (scheme != std::string::npos) {
    throw io::UsageError("model URI scheme \"" + uri.substr(0, scheme) + "://\" is not supported by the built-in "
                         "server: use a path, file:// or pvc://, or download the model into a volume first");
  }
  return uri;
}

std::string ModelArtifactFile(const std::string& path) {
  std::error_code error;
  if (std::filesystem::is_directory(path, error)) return (std::filesystem::path(path) / kModelFileName).string();
  return path;
}

}  // namespace seed::serve
