#pragma once
// Feature engineering: the one place that turns NWP (and site) columns into model inputs, so
// training, forecasting and the model server compute identical features from the same names.
#include <cstdint>
#include <string>
#include <vector>

#include "io/csv.h"

namespace seed::kernels {

// Where the raw inputs live in the NWP frame, and what the site is. Saved in the model artifact.
struct FeatureSource {
  std::string speed_column = "ws";      // wind speed (m/s)
  std::string direction_column = "wd";  // wind direction (degrees); optional
  std::string spread_column = "ws_sd";  // predictive spread from `fuse`; optional
  std::string ghi_column = "ghi";       // solar: forecast GHI (W/m2)
  std::string temperature_column = "t2m";
  double latitude = 0, longitude = 0, altitude = 0;  // solar geometry features
  double tilt = 30, azimuth = 180;                   // solar plane of array
  double dc_ac_ratio = 1;                            // solar: module STC rating over inverter AC rating
};

// The features a kind of plant uses by default.
std::vector<std::string> DefaultWindFeatures(const io::Frame& nwp, const FeatureSource& source);
std::vector<std::string> DefaultSolarFeatures(const io::Frame& nwp, const FeatureSource& source);

// Every known feature name with a one-line description, for --help and errors.
const std::vector<std::pair<std::string, std::string>>& FeatureCatalogue();

// Row-major matrix [rows x names.size()] for every row of `nwp`, whose times must be strictly
// increasing (ReadCsv guarantees it; ws_prev and ws_next find the other hour by bisection). A feature whose inputs are
// missing at a row is NaN there. Throws io::InputError for an unknown feature name or a missing
// input column (naming the file and the columns it has).
std::vector<double> BuildFeatures(const io::Frame& nwp, const std::vector<std::string>& names,
                                  const FeatureSource& source);
// The same for the given rows of `nwp` only: row k of the result is nwp row rows[k]. Features that
// look at other times (ws_prev, ws_next) still read the whole frame, so the values are exactly
// those of the full matrix.
std::vector<double> BuildFeatures(const io::Frame& nwp, const std::vector<std::string>& names,
                                  const FeatureSource& source, const std::vector<size_t>& rows);

}  // namespace seed::kernels

namespace seed::kernels {

// The measured `column` at each row's time of `nwp` (NaN where there is no measurement, or where
// the measurement's qc_flag shares a bit with exclude_flags).
std::vector<double> AlignMeasurements(const io::Frame& nwp, const io::Frame& measurements, const std::string& column,
                                      int exclude_flags);

}  // namespace seed::kernels
