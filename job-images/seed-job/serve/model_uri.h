#pragma once
// Where a model URI lives on the pod's file system. The operator mounts a `pvc://<claim>/<path>`
// model's claim read-only at kModelMountRoot, so the artifact is at kModelMountRoot/<path>.
#include <string>

namespace seed::serve {

inline constexpr char kModelMountRoot[] = "/mnt/models";
// A model path that is a directory holds its artifact under this name.
inline constexpr char kModelFileName[] = "model.json";

// pvc://claim/a/b -> /mnt/models/a/b; file:///a/b and plain paths as they are. Throws
// io::UsageError for schemes the built-in server cannot read (s3://, gs://, http://...) and for
// malformed pvc:// URIs.
std::string ResolveModelPath(const std::string& uri);

// The artifact file for a resolved path: the path itself, or <path>/model.json for a directory.
std::string ModelArtifactFile(const std::string& path);

}  // namespace seed::serve
