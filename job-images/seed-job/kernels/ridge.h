#pragma once
// Ridge regression on standardised features: the `linear` model.
#include <nlohmann/json.hpp>
#include <vector>

namespace seed::kernels {

struct RidgeModel {
  std::vector<double> mean, scale, coef;  // per feature; a missing input is replaced by its mean
  double intercept = 0;

  double Predict(const double* row) const;
  nlohmann::json ToJson() const;
  static RidgeModel FromJson(const nlohmann::json& json);  // throws std::invalid_argument
};

// x is row-major [rows x cols] (NaN = missing); alpha is the L2 penalty on standardised inputs.
RidgeModel FitRidge(const std::vector<double>& x, size_t cols, const std::vector<double>& y, double alpha = 1.0);

}  // namespace seed::kernels
