#pragma once
// Combining several models' quantile forecasts into one (`train --model ensemble`).
//
// The combined tau-quantile is the weighted mean of the members' tau-quantiles: quantile averaging
// (Vincentization), which keeps the members' common shape instead of widening the band as averaging
// their probabilities would (Lichtendahl, Grushka-Cockayne & Winkler 2013, "Is it better to average
// probabilities or quantiles?", Management Science 59(7)). A weighted mean of non-decreasing vectors
// with non-negative weights is non-decreasing, so the combination never crosses, and it stays in
// [0, capacity] when the members do.
//
// The weights are stacked (Breiman 1996, "Stacked regressions", Machine Learning 24): they minimise
// the mean pinball loss over all levels (a discrete CRPS) on the validation window, over the simplex
// (non-negative, summing to 1). The simplex's corners are single members, so the combination is
// kept only where it scores better than the best member alone; otherwise that member gets weight 1.
#include <cstddef>
#include <vector>

namespace seed::kernels {

// The most members an ensemble may have: the weight search below is exhaustive.
constexpr size_t kMaxEnsembleMembers = 4;

struct EnsembleWeights {
  std::vector<double> weights;        // per member, >= 0, summing to 1
  std::vector<double> member_loss;    // each member's own mean pinball loss on the rows scored
  double loss = 0;                    // the combination's
  size_t rows = 0;                    // rows every member could predict (the others are not scored)
};

// predictions[m]: member m's quantiles, rows x levels.size() values row by row (NaN where it cannot
// predict). Searches the simplex on a grid of step 1/20 (1/10 for 4 members), exactly (the loss is
// convex in the weights, so the grid's best is within a step of the optimum); ties keep the earlier
// point, which puts more weight on earlier members. Throws std::invalid_argument for no members,
// more than kMaxEnsembleMembers, or mismatched sizes.
EnsembleWeights FitEnsembleWeights(const std::vector<std::vector<double>>& predictions, const std::vector<double>& y,
                                   const std::vector<double>& levels);

// One row: out[q] = sum over members of weights[m] * members[m][q], over the members whose values
// are numbers, with their weights scaled to sum to 1 (a member that cannot predict a row leaves it to
// the others); NaN in every level when none can.
void CombineQuantiles(const std::vector<const double*>& members, const std::vector<double>& weights, size_t levels,
                      double* out);

}  // namespace seed::kernels
