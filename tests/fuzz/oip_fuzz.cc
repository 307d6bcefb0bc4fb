// Open Inference Protocol request bodies, as the model server receives them from any client:
// parsed against a three-input, three-quantile model, predicted and answered. A refusal is an
// answer (with a 4xx status); a crash, hang or sanitizer report is a bug.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "serve/oip.h"

namespace {

const seed::serve::ServedModel& Model() {
  static const seed::serve::ServedModel model = [] {
    seed::serve::ServedModel m;
    m.name = "wind";
    m.version = "v1";
    m.inputs = {"ws", "wd_sin", "wd_cos"};
    m.outputs = {"p10", "p50", "p90", seed::serve::kPointOutput};
    m.predict = [](const double* row, double* q) {
      const double s = row[0] + row[1] + row[2];
      q[0] = s - 1, q[1] = s, q[2] = s + 1;
    };
    m.point = [](const double* q) { return q[1]; };
    return m;
  }();
  return model;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view body(reinterpret_cast<const char*>(data), size);
  seed::serve::InferRequest request;
  if (auto error = seed::serve::ParseInferRequest(body, Model(), &request)) {
    if (error->status < 400 || error->status >= 500) __builtin_trap();  // the client's fault only
    (void)seed::serve::ErrorBody(error->message);
    return 0;
  }
  if (request.values.size() != request.rows * Model().inputs.size()) __builtin_trap();
  std::vector<double> predictions;
  seed::serve::PredictRows(Model(), request, &predictions);
  std::string response;
  seed::serve::WriteInferResponse(Model(), request, predictions, &response);
  return 0;
}
