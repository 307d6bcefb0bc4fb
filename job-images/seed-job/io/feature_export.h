#pragma once
// The feature matrix a model saw, as a CSV, so a forecaster can inspect the inputs or train another
// library on exactly the same rows (the GEFCom2012 benchmark feeds XGBoost and scikit-learn this way).
#include <cstdint>
#include <string>
#include <vector>

namespace seed::io {

// Writes `path` atomically: a header `time,<extra names>,<feature names>` (a name holding a comma,
// e.g. speed(u100,v100), in double quotes), then one line per row:
// the row's time (RFC 3339, UTC), its extra values, and its cols feature values from x (row-major),
// numbers in shortest round-trip form, a missing value as an empty cell. extra[i] holds one value
// per row. Rows need not have distinct times (a time seen by several NWP runs repeats).
void WriteFeatureMatrix(const std::string& path, const std::vector<int64_t>& times,
                        const std::vector<std::pair<std::string, std::vector<double>>>& extra,
                        const std::vector<std::string>& names, const std::vector<double>& x);

}  // namespace seed::io
