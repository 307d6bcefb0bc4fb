#pragma once
// Ultra-short-term (0-4 h) blending: the latest measurement says how wrong the NWP model is right
// now; that error persists for a while and fades with horizon.
#include <cstdint>
#include <vector>

namespace seed::kernels {

// Weight of the measured error at a horizon: exp(-horizon / tau).
double BlendWeight(int64_t horizon_seconds, double tau_seconds);

// quantiles[k] holds the model's sorted quantile values at horizon horizons[k]. Adds
// error_now * BlendWeight(horizon) to each, then clips to [0, capacity] and re-sorts, so the
// quantiles still never cross.
void BlendMeasuredError(std::vector<std::vector<double>>& quantiles, const std::vector<int64_t>& horizons,
                        double error_now, double tau_seconds, double capacity);

}  // namespace seed::kernels
