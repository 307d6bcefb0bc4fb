#pragma once
// Anemometer-tower (met mast) statistics, as a wind resource assessment computes them from a
// tower's logged 10-minute (or 15-minute) means:
//
// - wind shear exponent of the power law v2/v1 = (h2/h1)^alpha between two measured heights:
//   alpha = ln(v2/v1) / ln(h2/h1), overall and per direction sector;
// - turbulence intensity TI = sigma / mean speed per speed bin, and the IEC 61400-1 (ed. 3, 2005,
//   §6.3.1.3 and §11.9) representative TI of a bin, (mean sigma + 1.28 sd of sigma) / bin speed,
//   i.e. the 90 % quantile of sigma; at 15 m/s it is compared with the normal turbulence model's
//   I_ref (0.75 + 5.6 / 15) for the categories A (I_ref 0.16), B (0.14) and C (0.12);
// - the Weibull distribution of speed by maximum likelihood (k solves
//   sum(v^k ln v) / sum(v^k) - 1/k - mean(ln v) = 0, then c = (mean(v^k))^(1/k); Cohen 1965,
//   Seguro & Lambert 2000, J. Wind Eng. Ind. Aerodyn. 85:75-84);
// - the wind rose: frequency and mean speed per direction sector (sector i centred on i * 360/n
//   degrees, so north is centred on 0).
// Pure functions; the command (commands/tower.cc) reads the CSV and writes the JSON.
#include <cstddef>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "kernels/met_derived.h"

#include "io/csv.h"

namespace seed::kernels {

struct WeibullFit {
  double k = 0, c = 0;        // shape, scale (m/s)
  size_t rows = 0;            // speeds used (> 0)
  size_t zeros_excluded = 0;  // speeds <= 0 (calms) left out: ln 0 has no likelihood
  double mean_speed = 0;      // of the speeds used
};

// Throws std::invalid_argument for fewer than 2 positive speeds or all speeds equal.
// NaN speeds are skipped.
WeibullFit FitWeibullMle(const std::vector<double>& speeds);

// The shear exponent between two heights is kernels/met_derived.h's ShearExponent (one definition
// for the NWP feature and the tower statistics).

// Sector index (0..sectors-1) of a direction in degrees, sector 0 centred on north; -1 for NaN.
int DirectionSector(double direction_deg, int sectors);

struct TurbulenceBin {
  double speed = 0;  // bin centre; the bin is [speed - width/2, speed + width/2)
  size_t rows = 0;
  double mean_speed = 0, mean_ti = 0;
  double sigma_mean = 0, sigma_sd = 0;  // of the standard deviations logged in the bin
  double representative_ti = 0;         // (sigma_mean + 1.28 sigma_sd) / speed
};

// Bins of `width` m/s centred on multiples of width; rows with a NaN, a speed below width/2 or a
// negative sigma are skipped. Empty bins are left out.
std::vector<TurbulenceBin> TurbulenceBins(const std::vector<double>& speed, const std::vector<double>& sigma,
                                          double width = 1.0);

// The IEC 61400-1 ed. 3 turbulence category whose normal turbulence model at 15 m/s covers a
// representative TI at 15 m/s: "A", "B", "C", or "above A".
std::string IecTurbulenceCategory(double representative_ti_15);

struct RoseSector {
  double centre_deg = 0;
  size_t rows = 0;
  double frequency = 0;   // rows / all rows with speed and direction
  double mean_speed = 0;  // NaN when empty
};

std::vector<RoseSector> WindRose(const std::vector<double>& speed, const std::vector<double>& direction,
                                 int sectors);

struct TowerOptions {
  int sectors = 12;              // direction sectors (shear and rose); 12 = 30 degrees
  double shear_min_speed = 3.0;  // m/s at both heights: below it the ratio is noise
  double ti_bin_width = 1.0;     // m/s
  size_t ti_min_rows = 10;       // fewer rows in the 15 m/s bin: no representative TI at 15 m/s
};

// The heights of a tower CSV's columns: `ws_<h>m` (mean speed, m/s), optional `ws_sd_<h>m`
// (standard deviation, m/s) and `wd_<h>m` (direction, degrees), h a number in metres (e.g. ws_10m,
// ws_80.5m). Throws io::InputError naming the file when there is no `ws_<h>m` column or a
// `ws_sd_`/`wd_` column has no matching speed column.
struct TowerColumns {
  double height = 0;
  int speed = -1, sigma = -1, direction = -1;  // column indices, -1 when absent
};
std::vector<TowerColumns> FindTowerColumns(const io::Frame& tower);  // sorted by height

// All statistics of a tower as the JSON `seed-job tower` writes (the schema is in the seed-job README).
nlohmann::json TowerStatistics(const io::Frame& tower, const TowerOptions& options);

}  // namespace seed::kernels
