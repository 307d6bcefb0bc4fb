#pragma once
// Random processes shared by the synthetic plant generators. Distributions are written out here,
// so a seed gives the same plant with any standard library (the <random> distributions are
// implementation-defined algorithms); only the std::mt19937_64 engine, which is fully specified,
// is borrowed.
#include <cstdint>
#include <random>
#include <string>

namespace seed::kernels::synth {

constexpr double kStepHours = 0.25;  // the 15-minute grid

class Rng {
 public:
  explicit Rng(uint64_t seed) : engine_(seed) {}
  double Uniform() { return static_cast<double>(engine_() >> 11) * 0x1.0p-53; }  // [0, 1)
  double Normal();  // Box-Muller, both values used
  bool Chance(double p) { return Uniform() < p; }
  int Between(int lo, int hi) { return lo + static_cast<int>(Uniform() * (hi - lo + 1)); }  // inclusive

 private:
  std::mt19937_64 engine_;
  bool has_spare_ = false;
  double spare_ = 0;
};

// Independent streams per component (splitmix64 of seed and stream), so that e.g. adding an NWP
// source leaves the weather alone.
uint64_t StreamSeed(uint64_t seed, uint64_t stream);

// Unit-variance AR(1) with e-folding time tau_hours on the 15-min step.
class Ar1 {
 public:
  Ar1(double tau_hours, Rng& rng);
  double Next(Rng& rng);

 private:
  double phi_;
  double value_;
};

double Round(double value, int decimals);

// NWP source names become column prefixes: lowercase letters and digits, starting with a letter.
bool IsSourceName(const std::string& name);

}  // namespace seed::kernels::synth
