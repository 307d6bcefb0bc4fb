#pragma once
// What the model server needs to know about a model: its identity, its inputs and outputs, and a
// thread-safe predict function. Kept free of kernels types so the protocol code is testable alone.
#include <cstddef>
#include <functional>
#include <string>
#include <vector>

namespace seed::serve {

// The output that carries the point forecast, as the forecast CSVs name it.
inline constexpr char kPointOutput[] = "forecast_mw";

struct ServedModel {
  std::string name;
  std::string version;               // empty: the model is served without a version
  std::vector<std::string> inputs;   // feature names, in the order predict() reads a row
  std::vector<std::string> outputs;  // one name per quantile ("p10", "p50", ...), then kPointOutput
  // One row of inputs.size() values in; one value per quantile out (NaN when it cannot predict).
  // Called concurrently from every worker thread, so it must not mutate shared state.
  std::function<void(const double* row, double* quantile_values)> predict;
  // kPointOutput's value from one row of quantile values (the median, or the model's mean).
  std::function<double(const double* quantile_values)> point;

  size_t num_quantiles() const { return outputs.empty() ? 0 : outputs.size() - 1; }
};

}  // namespace seed::serve
