// Model artifacts (every kind, both seed-gbdt tree versions). The input's checksum is replaced by
// the right one before parsing, so the fuzzer explores the parser behind the checksum rather than
// stopping at it. A loaded model must predict a row of zeros, a row of NaNs and a batch without
// crashing; an InputError is an answer, any other exception is a bug.
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <vector>

#include "io/input_error.h"
#include "kernels/model.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto json = nlohmann::json::parse(data, data + size, nullptr, false);
  if (json.is_discarded()) return 0;
  if (json.is_object()) {
    json.erase("checksum");
    json["checksum"] = seed::kernels::ModelChecksum(json);
  }
  try {
    auto model = seed::kernels::ParseModel(json, "fuzz.json");
    seed::kernels::Predictor predictor(model);
    const size_t features = predictor.num_features(), quantiles = predictor.quantiles().size();
    if (features > 4096) return 0;  // a huge feature list is valid, just not worth a row here
    std::vector<double> rows(3 * features, 0.0), out(3 * quantiles);
    for (size_t f = 0; f < features; ++f) rows[features + f] = std::nan("");
    for (size_t f = 0; f < features; ++f) rows[2 * features + f] = 1e6 * (f % 2 ? -1.0 : 1.0);
    for (size_t r = 0; r < 3; ++r) {
      predictor.Predict(rows.data() + r * features, out.data() + r * quantiles);
      (void)predictor.Point(out.data() + r * quantiles);
    }
    predictor.PredictBatch(rows.data(), 3, out.data(), 1);
  } catch (const seed::io::InputError&) {
  }
  return 0;
}
