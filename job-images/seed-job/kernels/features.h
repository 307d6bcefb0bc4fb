#pragma once
// Feature engineering: the one place that turns NWP (and site) columns into model inputs, so
// training, forecasting and the model server compute identical features from the same names.
#include <cstdint>
#include <string>
#include <vector>

#include "io/csv.h"
#include "kernels/nwp_runs.h"

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
  // NWP columns that hold interval means (added to the names IsIntervalColumn knows), for the
  // grid rule of hourly NWP.
  std::vector<std::string> interval_columns;
  // Neighbour sites whose columns (`<site>/<column>`) the features read; forecast must be given them.
  std::vector<std::string> neighbours;
  double dc_ac_ratio = 1;                            // solar: module STC rating over inverter AC rating
};

// The features a kind of plant uses by default.
std::vector<std::string> DefaultWindFeatures(const io::Frame& nwp, const FeatureSource& source);
std::vector<std::string> DefaultSolarFeatures(const io::Frame& nwp, const FeatureSource& source);

// Every built-in feature name with a one-line description, for --help and errors. Any other name
// follows the grammar in kernels/feature_grammar.h (NWP columns, derived functions, offsets,
// rolling means, earlier runs). An NWP column named like a built-in is the column, except for
// ws, ws_sd, ghi and t2m, which always read the FeatureSource columns.
const std::vector<std::pair<std::string, std::string>>& FeatureCatalogue();

// Row-major matrix [rows x names.size()] for every row of `nwp`, whose times must be strictly
// increasing (ReadCsv guarantees it; offsets find the other time by bisection). A feature whose
// inputs are missing at a row is NaN there. Throws io::InputError for a name that is not a feature
// (listing what exists) or a missing input column (naming the file and the columns it has).
std::vector<double> BuildFeatures(const io::Frame& nwp, const std::vector<std::string>& names,
                                  const FeatureSource& source);
// The same for the given rows of `nwp` only: row k of the result is nwp row rows[k]. Features that
// look at other times (ws_prev, ws_next) still read the whole frame, so the values are exactly
// those of the full matrix.
std::vector<double> BuildFeatures(const io::Frame& nwp, const std::vector<std::string>& names,
                                  const FeatureSource& source, const std::vector<size_t>& rows);
// The same over NWP runs: row k of the result is row rows[k].row of run rows[k].run (each must
// exist). Offsets and rolling means stay within a run; `X@run-12h` reads the run issued 12 h
// before; `lead_hours` is the valid time minus the run's issue time.
std::vector<double> BuildFeatures(const NwpRuns& nwp, const std::vector<std::string>& names,
                                  const FeatureSource& source, const std::vector<RunRow>& rows);

// Throws io::InputError, as BuildFeatures would, when a name is not a feature of a frame with
// these columns (checked before any row is built, so even an empty forecast reports it).
// `source` names the NWP file in messages.
void CheckFeatureNames(const std::vector<std::string>& names, const std::vector<std::string>& columns,
                       const std::string& source);

}  // namespace seed::kernels

namespace seed::kernels {

// The measured `column` at each row's time of `nwp` (NaN where there is no measurement, or where
// the measurement's qc_flag shares a bit with exclude_flags).
std::vector<double> AlignMeasurements(const io::Frame& nwp, const io::Frame& measurements, const std::string& column,
                                      int exclude_flags);

}  // namespace seed::kernels
