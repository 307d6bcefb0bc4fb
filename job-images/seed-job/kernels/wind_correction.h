#pragma once
// NWP wind-speed correction against measured hub-height wind: per source, a linear map
// measured ≈ intercept + slope·nwp, by the source's own wind-direction sector and local hour.
//
// Hierarchy, most specific first: the (sector, hour) group when it has at least min_samples
// fit rows; else the sector over all hours when it has min_samples; else the source's global
// fit. A source without a `<source>_wd` column uses the global fit only.
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "io/csv.h"

namespace seed::kernels {

struct LinearMap {
  double intercept = 0;
  double slope = 1;
  long samples = 0;
  double Apply(double x) const { return intercept + slope * x; }
};

struct SourceCorrection {
  std::string source;  // columns <source>_ws and (optional) <source>_wd
  bool has_direction = false;
  LinearMap global;
  std::vector<LinearMap> sector;       // [sector]; samples < min_samples means "not used"
  std::vector<LinearMap> sector_hour;  // [sector * 24 + hour]
  long fit_rows = 0;
  double rmse_before = 0;  // on the fit rows
  double rmse_after = 0;
  long used_sector_hour = 0, used_sector = 0, used_global = 0;  // fit rows by level
};

struct WindCorrectionOptions {
  int sectors = 8;
  int min_samples = 50;
  std::string measured_column = "wind_speed";
};

struct WindCorrection {
  int sectors = 8;
  int min_samples = 50;
  int utc_offset_minutes = 0;  // local hour of day = the NWP file's offset
  std::vector<SourceCorrection> sources;

  // Sector of a direction: sector 0 is centred on north, width 360/sectors.
  int Sector(double direction) const;
  // Which map applies to this row of a source (the hierarchy above).
  const LinearMap& MapFor(const SourceCorrection& source, double direction, int local_hour) const;
  nlohmann::json ToJson() const;
};

// Source names: every column `<name>_ws` of the NWP frame.
std::vector<std::string> NwpSources(const io::Frame& nwp);

// Fits on rows present in both frames (same time) with a measured value, an NWP value and, when
// the measurements have `qc_flag`, a zero flag. Throws io::InputError when the NWP has no
// `<source>_ws` column or there are fewer than 10 fit rows; std::invalid_argument for bad options.
WindCorrection FitWindCorrection(const io::Frame& nwp, const io::Frame& measurements,
                                 const WindCorrectionOptions& options);

// Applies to every row of the NWP frame (the future included); speeds are clipped at 0.
io::Frame ApplyWindCorrection(const io::Frame& nwp, const WindCorrection& correction);

// A least-squares line through (x, y), pairs with a NaN skipped. With too little spread in x the
// slope is 1 and only the mean bias is corrected; the slope is kept within [0.2, 3] so a noisy
// group cannot turn a forecast upside down or blow it up.
LinearMap FitLine(const std::vector<double>& x, const std::vector<double>& y);

}  // namespace seed::kernels
