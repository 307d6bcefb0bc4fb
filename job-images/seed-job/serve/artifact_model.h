#pragma once
// A ServedModel backed by a model artifact file (kernels::LoadModel + kernels::Predictor).
#include <string>

#include "serve/served_model.h"

namespace seed::serve {

// An artifact file read once: what it is, its bytes and their SHA-256 (hex). A reload parses the
// very bytes it hashed, so a file replaced meanwhile cannot mix two versions.
struct ArtifactBytes {
  std::string file;  // the file read (a directory's model.json)
  std::string bytes;
  std::string sha256;
};

// Reads the artifact `path` names (a file, or a directory holding model.json). Throws
// io::InputError naming the file when it cannot be read.
ArtifactBytes ReadArtifact(const std::string& path);
// Verifies the artifact's own checksum and builds its predictor. Throws io::InputError naming the file.
ServedModel ParseArtifactModel(const ArtifactBytes& artifact);

// Reads `path` (an artifact file, or a directory holding model.json), checks its SHA-256 against
// `sha256_hex` when that is not empty, verifies the artifact's own checksum and builds its
// predictor. Throws io::InputError naming the file.
ServedModel LoadArtifactModel(const std::string& path, const std::string& sha256_hex);

}  // namespace seed::serve
