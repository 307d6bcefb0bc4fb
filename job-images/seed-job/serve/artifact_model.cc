#include "serve/artifact_model.h"

#include <algorithm>
#include <cctype>
#include <fstream>
#include <memory>
#include <sstream>

#include "io/input_error.h"
#include "io/json_file.h"
#include "kernels/model.h"
#include "serve/model_uri.h"

namespace seed::serve {

ArtifactBytes ReadArtifact(const std::string& path) {
  ArtifactBytes artifact;
  artifact.file = ModelArtifactFile(path);
  std::ifstream in(artifact.file, std::ios::binary);
  if (!in)
    throw io::InputError(artifact.file, "cannot read the model artifact: no such file, or not readable");
  std::stringstream bytes;
  bytes << in.rdbuf();
  artifact.bytes = bytes.str();
  artifact.sha256 = io::Sha256Hex(artifact.bytes);
  return artifact;
}

ServedModel ParseArtifactModel(const ArtifactBytes& bytes) {
  const std::string& file = bytes.file;
  auto artifact =
      std::make_shared<kernels::ModelArtifact>(kernels::ParseModel(io::ParseJson(bytes.bytes, file), file));
  auto predictor = std::make_shared<const kernels::Predictor>(*artifact);

  ServedModel model;
  model.inputs = artifact->features;
  for (size_t i = 0; i < artifact->quantiles.size(); ++i) {
    model.outputs.push_back(kernels::QuantileColumn(artifact->quantiles[i]));
  }
  model.outputs.push_back(kPointOutput);
  model.predict = [predictor](const double* row, double* out) { predictor->Predict(row, out); };
  model.point = [predictor](const double* quantile_values) { return predictor->Point(quantile_values); };
  return model;
}

ServedModel LoadArtifactModel(const std::string& path, const std::string& sha256_hex) {
  const ArtifactBytes artifact = ReadArtifact(path);
  if (!sha256_hex.empty()) {
    std::string expected = sha256_hex;
    if (expected.rfind("sha256:", 0) == 0) expected = expected.substr(7);
    std::transform(expected.begin(), expected.end(), expected.begin(),
                   [](unsigned char c) { return std::tolower(c); });
    if (artifact.sha256 != expected) {
      throw io::InputError(artifact.file, "SHA-256 is " + artifact.sha256 + " but --sha256 says " + expected +
                                              ": the file is not the artifact you meant to serve");
    }
  }
  return ParseArtifactModel(artifact);
}

}  // namespace seed::serve
