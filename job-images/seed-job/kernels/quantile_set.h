#pragma once
// The quantile levels a model forecasts, and how a few fitted "anchor" levels give all of them.
//
// A probabilistic forecast scored by the pinball loss over 99 levels needs 99 quantiles, but 99
// quantile models make a 10-30 MB artifact whose neighbours differ by noise. A model therefore fits
// a ladder of anchor levels (denser in the tails, where the quantile function bends) and gives every
// other level by linear interpolation of the quantile function between the two anchors around it.
// The anchors' values are first sorted (the monotone rearrangement of Chernozhukov, Fernandez-Val &
// Galichon, Econometrica 78(3), 2010, which never makes a quantile estimate worse), so the
// interpolated levels are non-decreasing in tau by construction: quantiles never cross.
#include <cstddef>
#include <string>
#include <vector>

namespace seed::kernels {

// Parses "0.1,0.5,0.9", ranges "0.01:0.99:0.01" (from:to:step, both ends included when the step
// lands on them) and mixtures "0.05,0.1:0.9:0.1,0.95". Each level in (0, 1); the result is sorted,
// unique (to 1e-9) and always holds 0.5. Levels are rounded to 12 decimals so a range gives 0.07,
// not 0.07000000000000001. Throws io::UsageError naming the bad item.
std::vector<double> ParseQuantiles(const std::string& text);

// The anchor levels to fit for `levels` (sorted, holding 0.5): all of them when there are at most
// max_models, else max_models of them (max_models >= 3): 0.5 and the levels nearest to
// max_models - 1 points spaced evenly in normal scores from the lowest level to the highest (so the
// extremes are anchors and the tails get more anchors than the middle). Returns indices into
// `levels`, increasing.
std::vector<size_t> ChooseQuantileAnchors(const std::vector<double>& levels, size_t max_models);

// Fills every level's value from the anchors' values: anchor_values[k] belongs to
// levels[anchors[k]]. The anchor values are sorted first, in place (rearrangement; no allocation,
// since this runs once per predicted row); a level between two anchors is interpolated linearly in
// tau. out has levels.size() values. A NaN anchor value makes every output NaN.
void InterpolateQuantiles(const std::vector<double>& levels, const std::vector<size_t>& anchors,
                          double* anchor_values, double* out);

// The mean of the distribution the quantiles describe: the integral over (0, 1) of the quantile
// function taken linear between levels and flat beyond the first and last (E[Y] = integral of Q(tau)
// d tau). values[i] belongs to levels[i] (sorted). With 99 levels from 0.01 it is within a few
// thousandths of the plain mean; with 0.1, 0.5, 0.9 it is 0.3 q10 + 0.4 q50 + 0.3 q90. The point
// forecast that minimises the squared error, as the median minimises the absolute error. NaN in, NaN out.
double QuantileFunctionMean(const std::vector<double>& levels, const double* values);

}  // namespace seed::kernels
