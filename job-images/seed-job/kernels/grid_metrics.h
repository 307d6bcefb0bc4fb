#pragma once
// Chinese grid assessment of power forecasts: the daily accuracy rate (准确率) and qualification
// rate (合格率) of the national standard and its regional variants ("两个细则"). Scores one window
// (normally a day) of points the caller has already filtered for night, QC flags and missing data.
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace seed::kernels {

enum class GridRule {
  kNational,          // 1 - sqrt(mean((e/C)^2)), GB/T 40607-2021 / NB/T 32011-2013
  kNationalMae,       // 1 - mean(|e|/C): 华中/四川/山西 solar MAE variant
  kNorthChina,        // 1 - sqrt(sum|e|^3 / sum|e|) / C: 华北/冀北/山西 2021 |e|-weighted RMSE
  kSouthernGrid2022,  // 1 - sqrt(mean((e/max(P, 0.2C))^2)), floored at 0, without points where P and F < 0.1C
  kSouthernPower,     // the same denominator without the 10 % drop (南网 AI contest / Kuafu "power")
  kNorthwest,         // 西北 harmonic-mean accuracy, all points
  kNorthwest2023,     // the same without points where P and F <= 0.03C (2023 rule)
  kZhejiang,          // 1 - sqrt(mean(min((e/P)^2, 1))), zero-actual rules of 浙江
};

struct GridScore {
  double accuracy = 0;       // fraction (0.912), NaN when no point is left
  double qualification = 0;  // fraction of points with 1 - |e|/C >= threshold, over the points the rule scores
  size_t points = 0;         // points the rule scored (after its own dead band)
};

// actual P, forecast F and capacity C (running capacity, 开机容量) per point, all in MW.
// e = P - F. Regional rules clip negative P and F at 0 as their reference implementations do;
// the national rules use the values as given. Points with C <= 0 or a non-finite value are skipped.
GridScore ScoreWindow(GridRule rule, const std::vector<double>& actual, const std::vector<double>& forecast,
                      const std::vector<double>& capacity, double qualification_threshold = 0.75);

// Command-line names: national, national-mae, north-china, southern-2022, southern-power, northwest,
// northwest-2023, zhejiang.
std::optional<GridRule> ParseGridRule(std::string_view name);
std::string GridRuleName(GridRule rule);
std::string GridRuleNames();  // "national|national-mae|..." for help texts

}  // namespace seed::kernels
