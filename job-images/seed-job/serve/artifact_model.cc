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

ServedModel LoadArtifactModel(const std::string& path, const std::string& sha256_hex) {
  const std::string file = ModelArtifactFile(path);
  std::ifstream in(file, std::ios::binary);
  if (!in) throw io::InputError(file, "cannot read the model artifact: no such file, or not readable");
  std::stringstream bytes;
  bytes << in.rdbuf();
  const std::string text = bytes.str();
  if (!sha256_hex.empty()) {
    std::string expected = sha256_hex;
    if (expected.rfind("sha256:", 0) == 0) expected = expected.substr(7);
    std::transform(expected.begin(), expected.end(), expected.begin(), [](unsigned char c) { return std::tolower(c); });
    const std::string actual = io::Sha256Hex(text);
    if (actual != expected) {
      throw io::InputError(file, "SHA-256 is " + actual + " but --sha256 says " + expected +
                                     ": the file is not the artifact you meant to serve");
    }
  }
  auto artifact = std::make_shared<kernels::ModelArtifact>(kernels::ParseModel(io::ParseJson(text, file), file));
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

}  // namespace seed::serve
