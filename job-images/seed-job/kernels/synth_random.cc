#include "kernels/synth_random.h"

#include <algorithm>
#include <cmath>
#include <numbers>

namespace seed::kernels::synth {

double Rng::Normal() {
  if (has_spare_) {
    has_spare_ = false;
    return spare_;
  }
  const double u1 = 1.0 - Uniform();  // (0, 1]: log is finite
  const double u2 = Uniform();
  const double r = std::sqrt(-2.0 * std::log(u1));
  spare_ = r * std::sin(2 * std::numbers::pi * u2);
  has_spare_ = true;
  return r * std::cos(2 * std::numbers::pi * u2);
}

uint64_t StreamSeed(uint64_t seed, uint64_t stream) {
  uint64_t z = seed + 0x9E3779B97F4A7C15ull * (stream + 1);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

Ar1::Ar1(double tau_hours, Rng& rng) : phi_(std::exp(-kStepHours / tau_hours)), value_(rng.Normal()) {}

double Ar1::Next(Rng& rng) {
  value_ = phi_ * value_ + std::sqrt(1 - phi_ * phi_) * rng.Normal();
  return value_;
}

double Round(double value, int decimals) {
  const double scale = std::pow(10.0, decimals);
  return std::round(value * scale) / scale;
}

bool IsSourceName(const std::string& name) {
  if (name.empty() || name.size() > 16 || !(name[0] >= 'a' && name[0] <= 'z')) return false;
  return std::all_of(name.begin(), name.end(),
                     [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); });
}

}  // namespace seed::kernels::synth
