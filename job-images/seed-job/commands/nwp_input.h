#pragma once
// The NWP a model reads, as train and forecast load it: the site's file (with or without runs),
// its neighbours' files joined in as `<site>/<column>`, all on the 15-min grid; and the choice of
// the source columns the built-in features read.
#include <cstdint>
#include <functional>
#include <limits>
#include <string>
#include <utility>
#include <vector>

#include "io/csv.h"
#include "kernels/features.h"
#include "kernels/nwp_runs.h"

namespace seed::commands {

// "b.csv,west=c.csv" -> {("b", "b.csv"), ("west", "c.csv")}: the site is the name before '=' or
// the file's stem. Throws io::UsageError for an empty entry, a bad site name or a repeated site.
std::vector<std::pair<std::string, std::string>> ParseNeighbours(const std::string& list);

// The runs a caller can use: issued at or before latest_issue, with rows in [lo, hi]. The default
// keeps every run.
struct RunWindow {
  int64_t latest_issue = std::numeric_limits<int64_t>::max();
  int64_t lo = std::numeric_limits<int64_t>::min(), hi = std::numeric_limits<int64_t>::max();
};

// Reads `path` with `parse` (the whole text, or a slice of it), splits runs, keeps those in
// `window` (an io::InputError when none is left), puts them on the 15-min grid and joins each
// neighbour. `parse(path)` returns the frame read with CsvReadOptions::run_column = kIssueColumn.
kernels::NwpRuns LoadNwp(const std::string& path,
                         const std::vector<std::pair<std::string, std::string>>& neighbours,
                         const std::vector<std::string>& interval_columns,
                         const std::function<io::Frame(const std::string&)>& parse,
                         const RunWindow& window = {});

// Which columns a source field names when the configured one is absent from the NWP: the single
// column ending in `suffix` (e.g. "_ws" for ec_ws), or among several `<source><suffix>` when
// `source` is not empty (ec_wd beside ec_ws). `given` says the user set the flag, which is
// then kept as it is. When several columns could be meant, the column is left as it is and the
// message returned (naming them and the flag to give) is for the caller to raise if a feature
// reads that column; otherwise the result is empty.
std::string ResolveColumn(std::string& column, bool given, const std::vector<std::string>& columns,
                          const std::string& suffix, const std::string& flag, const std::string& nwp_path,
                          const std::string& source);

// True when any of `features` uses one of the built-in `names` (as a whole name token).
bool UsesAny(const std::vector<std::string>& features, const std::vector<std::string>& names);

// What `train` was told about the features and the source columns.
struct FeatureRequest {
  std::string list;        // --features, empty: the default set
  std::string plant_kind;  // wind | solar
  std::string model_kind;  // gbdt | linear | powercurve
  kernels::FeatureSource source;
  bool speed_given = false, direction_given = false, ghi_given = false, temperature_given = false;
  bool position_given = false;  // both --latitude and --longitude
};

// The features a model reads and where from, for the NWP `train` loaded: source columns resolved
// (ResolveColumn; direction and temperature prefer the speed's or GHI's source), the list expanded
// (ExpandFeatureList) or the plant kind's default, every name checked, the site required when a
// feature uses the sun, the neighbour sites recorded. Throws io::UsageError / io::InputError.
std::pair<std::vector<std::string>, kernels::FeatureSource> ChooseFeatures(const kernels::NwpRuns& nwp,
                                                                           const std::string& nwp_path,
                                                                           const FeatureRequest& request);

// True when any of `features` reads the sun's position (so the site's latitude/longitude matter).
bool NeedsSunPosition(const std::vector<std::string>& features);

// The neighbour sites `features` read (the part before '/' of their column names), in order.
std::vector<std::string> NeighbourSites(const std::vector<std::string>& features);

}  // namespace seed::commands
