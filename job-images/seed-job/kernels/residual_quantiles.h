#pragma once
// Quantiles for point models (linear, power curve): the empirical quantiles of training residuals,
// conditioned on the predicted output level (errors near rated power differ from errors near zero).
#include <nlohmann/json.hpp>
#include <vector>

namespace seed::kernels {

struct ResidualQuantiles {
  double capacity = 1;
  std::vector<double> taus;
  std::vector<std::vector<double>> offsets;  // offsets[bin][tau]; bins split [0, capacity] evenly

  // Quantile values for a point prediction (not yet sorted or clipped).
  std::vector<double> Apply(double point) const;
  nlohmann::json ToJson() const;
  static ResidualQuantiles FromJson(const nlohmann::json& json);  // throws std::invalid_argument
};

// Bins with fewer than min_per_bin residuals use the residuals of all bins.
ResidualQuantiles FitResidualQuantiles(const std::vector<double>& point, const std::vector<double>& actual,
                                       const std::vector<double>& taus, double capacity, int bins = 10,
                                       size_t min_per_bin = 50);

// The tau-quantile of values (linear interpolation between order statistics); values is reordered.
double EmpiricalQuantile(std::vector<double>& values, double tau);

}  // namespace seed::kernels
