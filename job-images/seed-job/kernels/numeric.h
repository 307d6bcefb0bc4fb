// The small numeric vocabulary many kernels share: the missing-value marker, degree conversion,
// angle wrapping and the standard normal CDF. Header-only and pure.
#pragma once

#include <cmath>
#include <limits>
#include <numbers>

namespace seed::kernels {

// A missing or undefined value in every series and result (NaN propagates through arithmetic).
inline constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
inline constexpr double kMissing = kNaN;
inline constexpr double kPi = std::numbers::pi;
inline constexpr double kRad = std::numbers::pi / 180.0;  // radians per degree

// degrees in [0, 360); -1e-17 wraps to 0, not to 360.
inline double Wrap360(double degrees) {
  double d = std::fmod(degrees, 360.0);
  if (d < 0) d += 360.0;
  return d >= 360.0 ? 0.0 : d;
}

// Phi(x) of the standard normal distribution.
inline double NormalCdf(double x) { return 0.5 * std::erfc(-x / std::numbers::sqrt2); }

}  // namespace seed::kernels
