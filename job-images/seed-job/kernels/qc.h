#pragma once
// Quality control of plant measurements: align to the 15-min grid, flag and repair gaps, stuck
// sensors and out-of-range values, and flag curtailed periods (wind). The output keeps the input
// columns, repaired, plus `qc_flag`, a bit mask per row (the OR over the row's columns).
#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>

#include "io/csv.h"
#include "kernels/power_curve.h"

namespace seed::kernels {

enum QcFlag : int {
  kQcInterpolated = 1,  // a missing value filled by linear interpolation (gap <= max_gap_minutes)
  kQcLongGap = 2,       // a missing value left missing (gap too long, or at either end)
  kQcStuck = 4,         // a sensor repeating one value too long: removed
  kQcOutOfRange = 8,    // a physically impossible value: removed
  kQcCurtailed = 16,    // power held below what the wind allows (dispatch limit): kept, flagged
  kQcUpsampled = 32,    // a grid point between two samples of coarser data (hourly measurements):
                        // filled linearly for continuity, but never measured
};
// Rows with any of these bits should not be used to train or score models.
constexpr int kQcUnusable = kQcLongGap | kQcStuck | kQcOutOfRange | kQcCurtailed | kQcUpsampled;

enum class PlantKind { kWind, kSolar };

struct QcOptions {
  double capacity_mw = 0;  // nameplate; must be > 0
  PlantKind kind = PlantKind::kWind;
  int max_gap_minutes = 60;
  int stuck_minutes = 120;
  std::optional<PowerCurve> power_curve;  // plant power (MW) vs hub wind; empty: fitted from the data
};

struct QcResult {
  io::Frame clean;           // on the 15-min grid, repaired, with `qc_flag`
  nlohmann::json report;     // counts per flag and column, intervals, the power curve used
  double kept_fraction = 0;  // rows without any kQcUnusable bit
  long interpolated = 0, long_gap = 0, stuck = 0, out_of_range = 0, curtailed = 0,
       upsampled = 0;       // rows with the bit
  int64_t native_step = 0;  // seconds: the most common step between input rows
};

// The grid rule: a value at grid time q stands for the window [q − 7.5 min, q + 7.5 min). Each
// input row goes to the grid point nearest its time (ties go to the later point); several rows in
// one window are averaged (wind direction as a circular mean). The grid runs from the first to the
// last occupied point; grid points with no input row are gaps. Measurements coarser than 15 min
// (hourly) are not up-sampled into training rows: the grid points between two of their samples
// are filled for continuity but flagged kQcUpsampled, which train excludes by default.
io::Frame AlignToQuarterHour(const io::Frame& input);

// Throws io::InputError for input that cannot be right (no usable power column, power far above
// capacity in most rows: a wrong --capacity) and std::invalid_argument for bad options.
QcResult RunQc(const io::Frame& input, const QcOptions& options);

}  // namespace seed::kernels
