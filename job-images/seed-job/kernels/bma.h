#pragma once
// Bayesian Model Averaging of several forecasts (Raftery, Gneiting, Balabdaoui & Polakowski 2005):
// p(y | f_1..f_K) = Σ_k w_k N(y; a_k + b_k f_k, σ²), with a_k, b_k from a per-member least-squares
// bias correction and w_k, σ fitted by EM on a training set.
#include <string>
#include <vector>

namespace seed::kernels {

struct BmaOptions {
  double tolerance = 1e-7;  // stop when the log-likelihood gains less than tolerance·(1 + |LL|)
  int max_iterations = 1000;
  double min_sigma = 1e-3;  // a floor: a member that matched the training data exactly must not make σ → 0
};

struct BmaModel {
  std::vector<double> intercept;  // a_k
  std::vector<double> slope;      // b_k
  std::vector<double> weight;     // w_k, sum 1
  double sigma = 0;
  int iterations = 0;
  bool converged = false;
  double log_likelihood = 0;                 // at the final parameters
  std::vector<double> log_likelihood_trace;  // after each EM iteration (non-decreasing)
  long training_rows = 0;
};

struct BmaPrediction {
  double mean = 0;
  double sd = 0;
  std::vector<double> quantiles;  // for the requested probabilities, clipped at 0, non-decreasing
};

// forecasts[k][t] for member k, observed[t]. Rows with a NaN in any member or the observation are
// left out. Throws std::invalid_argument for no members, mismatched lengths, fewer than 10 rows.
BmaModel FitBma(const std::vector<std::vector<double>>& forecasts, const std::vector<double>& observed,
                const BmaOptions& options = {});

// The mixture for one time. A member with a NaN forecast is left out and the remaining weights
// renormalised; with no member left every field is NaN. Quantiles by bisection on the mixture
// CDF (to 1e-9 of the spread), then clipped at 0 (a wind speed cannot be negative).
BmaPrediction PredictBma(const BmaModel& model, const std::vector<double>& member_forecasts,
                         const std::vector<double>& probabilities);

}  // namespace seed::kernels
