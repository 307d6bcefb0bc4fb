#include "kernels/residual_quantiles.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace seed::kernels {
namespace {

size_t BinOf(double point, double capacity, size_t bins) {
  const double level = std::clamp(point / capacity, 0.0, 1.0);
  if (!(level > 0)) return 0;  // also a NaN point (a missing input): its quantiles stay NaN
  return std::min(bins - 1, static_cast<size_t>(level * static_cast<double>(bins)));
}

}  // namespace

double EmpiricalQuantile(std::vector<double>& values, double tau) {
  if (values.empty()) return 0;
  std::sort(values.begin(), values.end());
  const double pos = tau * static_cast<double>(values.size() - 1);
  const size_t lo = static_cast<size_t>(std::floor(pos));
  const size_t hi = std::min(values.size() - 1, lo + 1);
  return values[lo] + (pos - static_cast<double>(lo)) * (values[hi] - values[lo]);
}

std::vector<double> ResidualQuantiles::Apply(double point) const {
  const auto& row = offsets[BinOf(point, capacity, offsets.size())];
  std::vector<double> out(row.size());
  for (size_t i = 0; i < row.size(); ++i) out[i] = point + row[i];
  return out;
}

nlohmann::json ResidualQuantiles::ToJson() const {
  return {{"capacity", capacity}, {"taus", taus}, {"offsets", offsets}};
}

ResidualQuantiles ResidualQuantiles::FromJson(const nlohmann::json& json) {
  ResidualQuantiles q;
  try {
    q.capacity = json.at("capacity").get<double>();
    q.taus = json.at("taus").get<std::vector<double>>();
    q.offsets = json.at("offsets").get<std::vector<std::vector<double>>>();
  } catch (const nlohmann::json::exception& e) {
    throw std::invalid_argument(std::string("residual quantiles: ") + e.what());
  }
  if (!(q.capacity > 0) || q.offsets.empty()) throw std::invalid_argument("residual quantiles: empty or bad capacity");
  for (const auto& row : q.offsets) {
    if (row.size() != q.taus.size()) throw std::invalid_argument("residual quantiles: one offset per quantile per bin");
  }
  return q;
}

ResidualQuantiles FitResidualQuantiles(const std::vector<double>& point, const std::vector<double>& actual,
                                       const std::vector<double>& taus, double capacity, int bins,
                                       size_t min_per_bin) {
  ResidualQuantiles q;
  q.capacity = capacity;
  q.taus = taus;
  const size_t nbins = static_cast<size_t>(std::max(1, bins));
  std::vector<std::vector<double>> residuals(nbins);
  std::vector<double> all;
  for (size_t i = 0; i < point.size(); ++i) {
    if (std::isnan(point[i]) || std::isnan(actual[i])) continue;
    const double r = actual[i] - point[i];
    residuals[BinOf(point[i], capacity, nbins)].push_back(r);
    all.push_back(r);
  }
  q.offsets.assign(nbins, std::vector<double>(taus.size(), 0.0));
  for (size_t b = 0; b < nbins; ++b) {
    auto& source = residuals[b].size() >= min_per_bin ? residuals[b] : all;
    for (size_t t = 0; t < taus.size(); ++t) q.offsets[b][t] = EmpiricalQuantile(source, taus[t]);
  }
  return q;
}

}  // namespace seed::kernels
