#pragma once
// A synthetic anemometer tower with known statistics, for `seed-job tower` tests and examples:
// 15-min mean speed at 10, 30, 50 and 70 m, its standard deviation, and direction at 10 and 70 m.
// - Speed at 70 m is Weibull(k, c) exactly in its marginal (a unit AR(1) mapped through the normal
//   CDF and the Weibull inverse CDF), so a maximum-likelihood fit must recover k and c.
// - Lower heights follow the power law v_h = v_70 (h / 70)^alpha with alpha fixed per 30-degree
//   sector of the 70 m direction (site.json lists the planted values).
// - sigma = I_ref (0.75 v + 5.6) X, X ~ Normal(0.8, 0.15625): mean 0.8 and a 90 % quantile
//   (mean + 1.28 sd) of 1, so the IEC representative TI equals the normal turbulence model of I_ref.
#include <cstdint>
#include <nlohmann/json.hpp>

#include "io/csv.h"

namespace seed::kernels {

struct TowerSynthOptions {
  int64_t start = 0;  // Unix seconds of the first 15-min point
  int days = 365;
  int utc_offset_minutes = 0;
  uint64_t seed = 42;
  double weibull_k = 2.0, weibull_c = 8.0;  // at 70 m
  double turbulence_ref = 0.13;             // I_ref at every height
};

struct SynthTower {
  io::Frame tower;      // time, ws_<h>m, ws_sd_<h>m, wd_10m, wd_70m
  nlohmann::json site;  // kind "tower", the planted k, c, I_ref and shear exponents per sector
};

// Throws std::invalid_argument for days < 1 or non-positive k, c, I_ref.
SynthTower SynthesizeTower(const TowerSynthOptions& options);

}  // namespace seed::kernels
