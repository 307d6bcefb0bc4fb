#pragma once
// A small model with exact arithmetic for protocol tests: inputs ws and wd, quantiles 0.1/0.5/0.9.
// p50 = 2 ws + 0.5 wd, p10 = p50 - 1, p90 = p50 + 1; a negative ws predicts NaN (cannot predict).
#include <cmath>

#include "serve/served_model.h"

namespace seed::serve::testing {

inline ServedModel FakeModel() {
  ServedModel model;
  model.name = "wind-wf01";
  model.version = "v2.1";
  model.inputs = {"ws", "wd"};
  model.outputs = {"p10", "p50", "p90", kPointOutput};
  model.predict = [](const double* row, double* out) {
    const double p50 = row[0] < 0 ? std::nan("") : 2 * row[0] + 0.5 * row[1];
    out[0] = p50 - 1;
    out[1] = p50;
    out[2] = p50 + 1;
  };
  model.point = [](const double* quantile_values) { return quantile_values[1]; };
  return model;
}

}  // namespace seed::serve::testing
