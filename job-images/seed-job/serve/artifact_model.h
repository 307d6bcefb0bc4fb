#pragma once
// A ServedModel backed by a model artifact file (kernels::LoadModel + kernels::Predictor).
#include <string>

#include "serve/served_model.h"

namespace seed::serve {

// Reads `path` (an artifact file, or a directory holding model.json), checks its SHA-256 against
// `sha256_hex` when that is not empty, verifies the artifact's own checksum and builds its
// predictor. Throws io::InputError naming the file.
ServedModel LoadArtifactModel(const std::string& path, const std::string& sha256_hex);

}  // namespace seed::serve
