#pragma once
// A model written as "seed-gbdt" version 1, the format seed-job wrote before version 2: per tree,
// the parallel arrays left / feature / default_left / value of JSON numbers. Tests use it to check
// that version 1 files are still read, and to pin trees independently of the encoding.
#include <nlohmann/json.hpp>
#include <vector>

#include "kernels/gbdt.h"

namespace seed::kernels {

inline nlohmann::json GbdtV1Json(const GbdtModel& m) {
  nlohmann::json trees = nlohmann::json::array();
  const auto& nodes = m.nodes();
  const auto& starts = m.tree_starts();
  for (size_t t = 0; t < starts.size(); ++t) {
    const size_t end = t + 1 < starts.size() ? starts[t + 1] : nodes.size();
    std::vector<uint32_t> left, feature;
    std::vector<int> default_left;
    std::vector<double> value;
    for (size_t i = starts[t]; i < end; ++i) {
      left.push_back(nodes[i].left);
      feature.push_back(nodes[i].feature);
      default_left.push_back(nodes[i].default_left ? 1 : 0);
      value.push_back(nodes[i].threshold);
    }
    trees.push_back({{"left", left}, {"feature", feature}, {"default_left", default_left}, {"value", value}});
  }
  return {{"format", "seed-gbdt"},
          {"version", 1},
          {"num_features", m.num_features()},
          {"loss", m.loss() == GbdtParams::Loss::kL2 ? "l2" : "quantile"},
          {"alpha", m.alpha()},
          {"base_score", m.base_score()},
          {"gain_importance", m.gain_importance()},
          {"trees", std::move(trees)}};
}

}  // namespace seed::kernels
