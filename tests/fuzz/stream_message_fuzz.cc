// Feature messages as `seed-job stream` receives them from any MQTT publisher: parsed against a
// two-input, three-quantile model, predicted, and answered with a result or an error reply. A
// refusal is an answer; a crash, hang or sanitizer report is a bug.
#include <cstddef>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "stream/message.h"

namespace {

const seed::serve::ServedModel& Model() {
  static const seed::serve::ServedModel model = [] {
    seed::serve::ServedModel m;
    m.name = "wind";
    m.version = "v1";
    m.inputs = {"ws", "wd"};
    m.outputs = {"p10", "p50", "p90", seed::serve::kPointOutput};
    m.predict = [](const double* row, double* q) {
      const double s = row[0] + row[1];
      q[0] = s - 1, q[1] = s, q[2] = s + 1;
    };
    m.point = [](const double* q) { return q[1]; };
    return m;
  }();
  return model;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view payload(reinterpret_cast<const char*>(data), size);
  seed::stream::FeatureMessage message;
  std::string out;
  if (auto error = seed::stream::ParseFeatureMessage(payload, Model(), &message)) {
    out = seed::stream::ErrorPayload(message, "in/x", &Model(), *error, payload);
  } else {
    std::vector<double> predictions;
    seed::serve::PredictRows(Model(), message.request, &predictions);
    seed::stream::WriteResultMessage(Model(), message, "in/x", predictions, &out);
  }
  // Whatever is published must be JSON a consumer can parse.
  if (!nlohmann::json::accept(out)) __builtin_trap();
  return 0;
}
