#include "kernels/ensemble.h"

#include <cmath>
#include <functional>
#include <limits>
#include <stdexcept>

namespace seed::kernels {
namespace {

// Mean pinball loss over `rows` rows and every level of the combination with `weights`.
double CombinedLoss(const std::vector<std::vector<double>>& predictions, const std::vector<double>& y,
                    const std::vector<double>& levels, const std::vector<size_t>& rows, const std::vector<double>& weights) {
  const size_t nq = levels.size();
  double sum = 0;
  for (size_t r : rows) {
    for (size_t q = 0; q < nq; ++q) {
      double v = 0;
      for (size_t m = 0; m < predictions.size(); ++m) v += weights[m] * predictions[m][r * nq + q];
      const double d = y[r] - v;
      sum += d >= 0 ? levels[q] * d : (levels[q] - 1) * d;
    }
  }
  return rows.empty() ? 0 : sum / static_cast<double>(rows.size() * nq);
}

// Calls visit(weights) for every point of the simplex whose weights are multiples of 1/steps, in
// lexicographic order of the integer parts, largest first (so the corners of earlier members come first).
void ForEachSimplexPoint(size_t members, int steps, const std::function<void(const std::vector<double>&)>& visit) {
  std::vector<int> parts(members, 0);
  std::vector<double> weights(members, 0);
  std::function<void(size_t, int)> fill = [&](size_t m, int left) {
    if (m + 1 == members) {
      parts[m] = left;
      for (size_t k = 0; k < members; ++k) weights[k] = static_cast<double>(parts[k]) / steps;
      visit(weights);
      return;
    }
    for (int p = left; p >= 0; --p) {
      parts[m] = p;
      fill(m + 1, left - p);
    }
  };
  fill(0, steps);
}

}  // namespace

EnsembleWeights FitEnsembleWeights(const std::vector<std::vector<double>>& predictions, const std::vector<double>& y,
                                   const std::vector<double>& levels) {
  const size_t members = predictions.size();
  if (members == 0 || members > kMaxEnsembleMembers) {
    throw std::invalid_argument("an ensemble needs 1 to " + std::to_string(kMaxEnsembleMembers) + " members");
  }
  const size_t nq = levels.size();
  for (const auto& p : predictions) {
    if (p.size() != y.size() * nq) throw std::invalid_argument("ensemble: a member's predictions do not match the rows");
  }
  std::vector<size_t> rows;  // where every member predicts every level
  for (size_t r = 0; r < y.size(); ++r) {
    bool usable = !std::isnan(y[r]);
    for (const auto& p : predictions) {
      for (size_t q = 0; q < nq && usable; ++q) usable = !std::isnan(p[r * nq + q]);
    }
    if (usable) rows.push_back(r);
  }
  EnsembleWeights best;
  best.rows = rows.size();
  for (size_t m = 0; m < members; ++m) {
    std::vector<double> corner(members, 0.0);
    corner[m] = 1;
    best.member_loss.push_back(CombinedLoss(predictions, y, levels, rows, corner));
  }
  best.loss = std::numeric_limits<double>::infinity();
  ForEachSimplexPoint(members, members >= 4 ? 10 : 20, [&](const std::vector<double>& weights) {
    const double loss = CombinedLoss(predictions, y, levels, rows, weights);
    if (loss < best.loss) {
      best.loss = loss;
      best.weights = weights;
    }
  });
  return best;
}

void CombineQuantiles(const std::vector<const double*>& members, const std::vector<double>& weights, size_t levels,
                      double* out) {
  double total = 0;
  for (size_t m = 0; m < members.size(); ++m) {
    if (weights[m] > 0 && !std::isnan(members[m][0])) total += weights[m];
  }
  for (size_t q = 0; q < levels; ++q) out[q] = total > 0 ? 0.0 : std::nan("");
  if (!(total > 0)) return;
  for (size_t m = 0; m < members.size(); ++m) {
    if (!(weights[m] > 0) || std::isnan(members[m][0])) continue;
    const double w = weights[m] / total;
    for (size_t q = 0; q < levels; ++q) out[q] += w * members[m][q];
  }
}

}  // namespace seed::kernels
