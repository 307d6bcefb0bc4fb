#include "commands/nwp_input.h"

#include <algorithm>
#include <cctype>
#include <cstdio>

#include "io/input_error.h"
#include "kernels/feature_grammar.h"

namespace seed::commands {
namespace {

bool IsSiteName(const std::string& s) {
  if (s.empty()) return false;
  for (char c : s) {
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
          c == '-' || c == '.')) {
      return false;
    }
  }
  return true;
}

std::string Stem(const std::string& path) {
  const size_t slash = path.find_last_of('/');
  std::string name = slash == std::string::npos ? path : path.substr(slash + 1);
  const size_t dot = name.find('.');
  return dot == std::string::npos || dot == 0 ? name : name.substr(0, dot);
}

// Every name token of a feature: runs of name characters (function names included, harmless).
std::vector<std::string> Tokens(const std::string& feature) {
  std::vector<std::string> out;
  std::string current;
  for (char c : feature + ",") {
    if (std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '.' || c == '/' || c == '-') {
      current += c;
    } else {
      if (!current.empty()) out.push_back(current);
      current.clear();
    }
  }
  return out;
}

}  // namespace

std::vector<std::pair<std::string, std::string>> ParseNeighbours(const std::string& list) {
  std::vector<std::pair<std::string, std::string>> out;
  if (list.empty()) return out;
  size_t start = 0;
  while (start <= list.size()) {
    const size_t comma = std::min(list.find(',', start), list.size());
    const std::string item = list.substr(start, comma - start);
    start = comma + 1;
    if (item.empty()) throw io::UsageError("--nwp-neighbours: an empty entry in '" + list + "'");
    const size_t eq = item.find('=');
    std::string site = eq == std::string::npos ? Stem(item) : item.substr(0, eq);
    std::string path = eq == std::string::npos ? item : item.substr(eq + 1);
    if (!IsSiteName(site)) {
      throw io::UsageError("--nwp-neighbours: site name '" + site + "' (from '" + item +
                           "') may hold only letters, digits, '_', '-' and '.'; name it as site=path");
    }
    for (const auto& [other, p] : out) {
      if (other == site)
        throw io::UsageError("--nwp-neighbours: site '" + site + "' is given twice; name them as site=path");
    }
    out.emplace_back(std::move(site), std::move(path));
  }
  return out;
}

kernels::NwpRuns LoadNwp(const std::string& path,
                         const std::vector<std::pair<std::string, std::string>>& neighbours,
                         const std::vector<std::string>& interval_columns,
                         const std::function<io::Frame(const std::string&)>& parse, const RunWindow& window) {
  constexpr int64_t kGrid = 15 * 60;
  // Runs a forecast cannot read are dropped before the grid and the joins, the costly part.
  auto load = [&](const std::string& file) {
    kernels::NwpRuns runs = kernels::SplitRuns(parse(file));
    if (runs.has_issue) {
      std::erase_if(runs.runs, [&](const kernels::NwpRun& run) {
        return run.issue > window.latest_issue || run.frame.time.back() < window.lo ||
               run.frame.time.front() > window.hi;
      });
      if (runs.runs.empty()) {
        throw io::InputError(
            file,
            "no run issued at or before the issue time has rows within a day of the forecast "
            "times");
      }
    }
    kernels::ResampleToGrid(runs, kGrid, interval_columns);
    return runs;
  };
  kernels::NwpRuns nwp = load(path);
  for (const auto& [site, neighbour_path] : neighbours)
    kernels::JoinNeighbour(nwp, load(neighbour_path), site);
  return nwp;
}

std::string ResolveColumn(std::string& column, bool given, const std::vector<std::string>& columns,
                          const std::string& suffix, const std::string& flag, const std::string& nwp_path,
                          const std::string& source) {
  if (given || std::find(columns.begin(), columns.end(), column) != columns.end()) return "";
  std::vector<std::string> candidates;
  for (const auto& name : columns) {
    if (name.find('/') == std::string::npos && name.size() > suffix.size() &&
        name.compare(name.size() - suffix.size(), suffix.size(), suffix) == 0) {
      candidates.push_back(name);
    }
  }
  if (candidates.size() == 1) column = candidates.front();
  if (candidates.size() > 1 && !source.empty() &&
      std::find(candidates.begin(), candidates.end(), source + suffix) != candidates.end()) {
    column = source + suffix;
    return "";
  }
  if (candidates.size() > 1) {
    std::string list;
    for (const auto& c : candidates) list += (list.empty() ? "" : ", ") + c;
    return nwp_path + " has no column '" + column + "' but several that could be meant (" + list +
           "); choose one with " + flag;
  }
  return "";
}

bool UsesAny(const std::vector<std::string>& features, const std::vector<std::string>& names) {
  for (const auto& feature : features) {
    for (const auto& token : Tokens(feature)) {
      if (std::find(names.begin(), names.end(), token) != names.end()) return true;
    }
  }
  return false;
}

bool NeedsSunPosition(const std::vector<std::string>& features) {
  return UsesAny(features, {"cos_zenith", "clearsky_ghi", "clearsky_index", "sun_elevation",
                            "sun_azimuth_sin", "sun_azimuth_cos", "csi", "kt", "pvwatts"});
}

std::vector<std::string> NeighbourSites(const std::vector<std::string>& features) {
  std::vector<std::string> sites;
  for (const auto& feature : features) {
    for (const auto& token : Tokens(feature)) {
      const size_t slash = token.find('/');
      if (slash == std::string::npos) continue;
      const std::string site = token.substr(0, slash);
      if (std::find(sites.begin(), sites.end(), site) == sites.end()) sites.push_back(site);
    }
  }
  return sites;
}

std::pair<std::vector<std::string>, kernels::FeatureSource> ChooseFeatures(const kernels::NwpRuns& nwp,
                                                                           const std::string& nwp_path,
                                                                           const FeatureRequest& request) {
  kernels::FeatureSource source = request.source;
  const std::vector<std::string>& columns = nwp.Names();
  // An ambiguous source column matters only to a feature reading it.
  struct Ambiguity {
    std::string message;
    std::vector<std::string> readers;  // the built-in features that read the column
  };
  std::vector<Ambiguity> ambiguities = {
      {ResolveColumn(source.speed_column, request.speed_given, columns, "_ws", "--speed-column", nwp_path,
                     ""),
       {"ws", "ws2", "ws3", "ws_prev", "ws_next", "u", "v"}},
      {ResolveColumn(source.ghi_column, request.ghi_given, columns, "_ghi", "--ghi-column", nwp_path, ""),
       {"ghi", "clearsky_index", "pvwatts"}}};
  const std::string& primary = request.plant_kind == "solar" ? source.ghi_column : source.speed_column;
  const std::string source_name =
      primary.find('_') == std::string::npos ? "" : primary.substr(0, primary.rfind('_'));
  ambiguities.push_back({ResolveColumn(source.direction_column, request.direction_given, columns, "_wd",
                                       "--direction-column", nwp_path, source_name),
                         {"wd_sin", "wd_cos", "u", "v"}});
  ambiguities.push_back({ResolveColumn(source.temperature_column, request.temperature_given, columns, "_t2m",
                                       "--temperature-column", nwp_path, source_name),
                         {"t2m", "pvwatts"}});

  std::vector<std::string> features;
  if (!request.list.empty()) {
    features = kernels::ExpandFeatureList(request.list, columns);
  } else if (request.model_kind == "powercurve") {
    features = {"ws"};
  } else if (request.model_kind == "pvwatts") {
    features = {"pvwatts"};
  } else {
    features = request.plant_kind == "solar" ? kernels::DefaultSolarFeatures(nwp.runs.front().frame, source)
                                             : kernels::DefaultWindFeatures(nwp.runs.front().frame, source);
  }
  for (const Ambiguity& a : ambiguities) {
    if (a.message.empty()) continue;
    if (UsesAny(features, a.readers)) throw io::UsageError(a.message);
    if (request.list.empty()) {  // a default feature left out: said, not silent
      std::fprintf(stderr, "train: note: %s; the default features leave out %s\n", a.message.c_str(),
                   a.readers.front().c_str());
    }
  }
  kernels::CheckFeatureNames(features, columns, nwp_path);
  if (NeedsSunPosition(features) && !request.position_given) {
    throw io::UsageError("the features use the sun's position at the site (" +
                         std::string(request.list.empty() ? "--kind solar" : "--features") +
                         "); give the site's --latitude and --longitude (degrees north and east)");
  }
  source.neighbours = NeighbourSites(features);
  return {std::move(features), std::move(source)};
}

}  // namespace seed::commands
