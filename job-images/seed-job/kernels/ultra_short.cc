#include "kernels/ultra_short.h"

#include <algorithm>
#include <cmath>

namespace seed::kernels {

double BlendWeight(int64_t horizon_seconds, double tau_seconds) {
  if (tau_seconds <= 0) return 0;
  return std::exp(-static_cast<double>(horizon_seconds) / tau_seconds);
}

void BlendMeasuredError(std::vector<std::vector<double>>& quantiles, const std::vector<int64_t>& horizons,
                        double error_now, double tau_seconds, double capacity) {
  for (size_t k = 0; k < quantiles.size(); ++k) {
    const double shift = error_now * BlendWeight(horizons[k], tau_seconds);
    for (double& value : quantiles[k]) value = std::clamp(value + shift, 0.0, capacity);
    std::sort(quantiles[k].begin(), quantiles[k].end());
  }
}

}  // namespace seed::kernels
