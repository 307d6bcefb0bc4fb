#include "kernels/synth_tower.h"

#include <algorithm>
#include <cmath>
#include <numbers>
#include <stdexcept>
#include <string>
#include <vector>

#include "kernels/synth_random.h"

namespace seed::kernels {
namespace {

constexpr double kHeights[] = {10, 30, 50, 70};
// Planted shear exponent per 30-degree sector (centred on 0, 30, ... 330): higher over rough land
// to the south, lower over the open sector to the north-west.
constexpr double kAlpha[12] = {0.12, 0.14, 0.16, 0.19, 0.22, 0.24, 0.25, 0.23, 0.20, 0.16, 0.11, 0.10};

std::string HeightName(const char* prefix, double h) {
  return prefix + std::to_string(static_cast<int>(h)) + "m";
}

}  // namespace

SynthTower SynthesizeTower(const TowerSynthOptions& o) {
  if (o.days < 1) throw std::invalid_argument("tower synth: days must be at least 1");
  if (!(o.weibull_k > 0) || !(o.weibull_c > 0) || !(o.turbulence_ref > 0)) {
    throw std::invalid_argument("tower synth: Weibull k, c and I_ref must be positive");
  }
  synth::Rng speed_rng(synth::StreamSeed(o.seed, 101)), dir_rng(synth::StreamSeed(o.seed, 102)),
      ti_rng(synth::StreamSeed(o.seed, 103));
  synth::Ar1 speed_process(6.0, speed_rng), direction_process(18.0, dir_rng);
  const size_t n = static_cast<size_t>(o.days) * 96;
  SynthTower out;
  io::Frame& f = out.tower;
  f.source = "synth tower";
  f.utc_offset_minutes = o.utc_offset_minutes;
  std::vector<std::vector<double>> ws(4, std::vector<double>(n)), sd(4, std::vector<double>(n));
  std::vector<double> wd10(n), wd70(n);
  for (size_t r = 0; r < n; ++r) {
    f.time.push_back(o.start + static_cast<int64_t>(r) * 900);
    // Normal -> uniform (its CDF) -> Weibull (inverse CDF): the marginal is Weibull(k, c) exactly.
    const double z = speed_process.Next(speed_rng);
    const double u = std::clamp(0.5 * std::erfc(-z / std::numbers::sqrt2), 1e-12, 1 - 1e-12);
    const double v70 = o.weibull_c * std::pow(-std::log(1 - u), 1 / o.weibull_k);
    // A prevailing north-westerly that wanders over the whole circle.
    double direction = std::fmod(315.0 + 110.0 * direction_process.Next(dir_rng), 360.0);
    if (direction < 0) direction += 360.0;
    const double alpha = kAlpha[static_cast<size_t>(std::fmod(direction + 15.0, 360.0) / 30.0) % 12];
    for (size_t h = 0; h < 4; ++h) {
      const double v = v70 * std::pow(kHeights[h] / 70.0, alpha);
      const double x = std::max(0.2, 0.8 + 0.15625 * ti_rng.Normal());
      ws[h][r] = v;
      sd[h][r] = o.turbulence_ref * (0.75 * v + 5.6) * x;
    }
    wd70[r] = direction;
    wd10[r] = std::fmod(direction + 360.0 - 5.0, 360.0);  // veer: the 10 m wind backs a little
  }
  for (size_t h = 0; h < 4; ++h) f.Set(HeightName("ws_", kHeights[h]), std::move(ws[h]));
  for (size_t h = 0; h < 4; ++h) f.Set(HeightName("ws_sd_", kHeights[h]), std::move(sd[h]));
  f.Set("wd_10m", std::move(wd10));
  f.Set("wd_70m", std::move(wd70));
  out.site = {{"kind", "tower"},
              {"heights", std::vector<double>(std::begin(kHeights), std::end(kHeights))},
              {"weibull70", {{"k", o.weibull_k}, {"c", o.weibull_c}}},
              {"turbulenceRef", o.turbulence_ref},
              {"shearBySector", std::vector<double>(std::begin(kAlpha), std::end(kAlpha))},
              {"seed", o.seed}};
  return out;
}

}  // namespace seed::kernels
