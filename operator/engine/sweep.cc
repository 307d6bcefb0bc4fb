#include "engine/sweep.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <random>
#include <string>
#include <vector>

namespace seed::engine {
namespace {

// Combination `index` of the grid (mixed radix, the last param varying fastest).
nlohmann::json GridPoint(const api::Sweep& sweep, uint64_t index) {
  nlohmann::json trial = nlohmann::json::object();
  std::vector<const std::pair<const std::string, std::vector<nlohmann::json>>*> params;
  for (const auto& entry : sweep.params) params.push_back(&entry);
  for (auto it = params.rbegin(); it != params.rend(); ++it) {
    const auto& values = (*it)->second;
    trial[(*it)->first] = values[index % values.size()];
    index /= values.size();
  }
  return trial;
}

// Uniform in [0, bound) without modulo bias (rejection of the top partial range).
uint64_t Below(std::mt19937_64& rng, uint64_t bound) {
  const uint64_t limit = UINT64_MAX - UINT64_MAX % bound;
  uint64_t draw;
  do {
    draw = rng();
  } while (draw >= limit);
  return draw % bound;
}

std::optional<double> Numeric(const nlohmann::json& value) {
  if (value.is_number()) return value.get<double>();
  if (!value.is_string()) return std::nullopt;
  try {
    size_t used = 0;
    double number = std::stod(value.get<std::string>(), &used);
    if (used == value.get<std::string>().size() && std::isfinite(number)) return number;
  } catch (const std::exception&) {
  }
  return std::nullopt;
}

}  // namespace

nlohmann::json SweepTrials(const api::Sweep& sweep) {
  uint64_t combinations = 1;
  for (const auto& [name, values] : sweep.params) combinations *= values.size();
  uint64_t count = sweep.trials ? std::min<uint64_t>(combinations, *sweep.trials) : combinations;
  nlohmann::json trials = nlohmann::json::array();
  if (sweep.strategy == api::Sweep::Strategy::kGrid) {
    for (uint64_t i = 0; i < count; ++i) trials.push_back(GridPoint(sweep, i));
    return trials;
  }
  // A partial Fisher-Yates shuffle of the combination indices, kept sparse: only swapped slots are stored.
  std::mt19937_64 rng(static_cast<uint64_t>(sweep.seed));
  std::map<uint64_t, uint64_t> swapped;
  auto at = [&](uint64_t i) {
    auto it = swapped.find(i);
    return it == swapped.end() ? i : it->second;
  };
  for (uint64_t i = 0; i < count; ++i) {
    uint64_t j = i + Below(rng, combinations - i);
    uint64_t pick = at(j);
    swapped[j] = at(i);
    trials.push_back(GridPoint(sweep, pick));
  }
  return trials;
}

std::optional<size_t> BestTrial(const nlohmann::json& objectives, bool minimize) {
  std::optional<size_t> best;
  double best_value = 0;
  for (size_t i = 0; i < objectives.size(); ++i) {
    auto value = Numeric(objectives[i]);
    if (!value) continue;
    if (!best || (minimize ? *value < best_value : *value > best_value)) {
      best = i;
      best_value = *value;
    }
  }
  return best;
}

}  // namespace seed::engine
