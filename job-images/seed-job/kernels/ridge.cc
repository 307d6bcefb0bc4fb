#include "kernels/ridge.h"

#include <Eigen/Dense>
#include <cmath>
#include <stdexcept>

namespace seed::kernels {

double RidgeModel::Predict(const double* row) const {
  double sum = intercept;
  for (size_t c = 0; c < coef.size(); ++c) {
    const double v = std::isnan(row[c]) ? mean[c] : row[c];
    sum += coef[c] * (v - mean[c]) / scale[c];
  }
  return sum;
}

nlohmann::json RidgeModel::ToJson() const {
  return {{"mean", mean}, {"scale", scale}, {"coef", coef}, {"intercept", intercept}};
}

RidgeModel RidgeModel::FromJson(const nlohmann::json& json) {
  RidgeModel model;
  try {
    model.mean = json.at("mean").get<std::vector<double>>();
    model.scale = json.at("scale").get<std::vector<double>>();
    model.coef = json.at("coef").get<std::vector<double>>();
    model.intercept = json.at("intercept").get<double>();
  } catch (const nlohmann::json::exception& e) {
    throw std::invalid_argument(std::string("linear model: ") + e.what());
  }
  if (model.mean.size() != model.coef.size() || model.scale.size() != model.coef.size()) {
    throw std::invalid_argument("linear model: mean, scale and coef must have one entry per feature");
  }
  for (double s : model.scale) {
    if (!(s > 0)) throw std::invalid_argument("linear model: every scale must be positive");
  }
  return model;
}

RidgeModel FitRidge(const std::vector<double>& x, size_t cols, const std::vector<double>& y, double alpha) {
  const size_t rows = y.size();
  if (rows == 0 || x.size() != rows * cols) throw std::invalid_argument("ridge: empty or misshapen training data");
  RidgeModel model;
  model.mean.assign(cols, 0);
  model.scale.assign(cols, 1);
  for (size_t c = 0; c < cols; ++c) {
    double sum = 0, sum2 = 0;
    size_t n = 0;
    for (size_t r = 0; r < rows; ++r) {
      const double v = x[r * cols + c];
      if (std::isnan(v)) continue;
      sum += v;
      sum2 += v * v;
      ++n;
    }
    if (n > 0) {
      model.mean[c] = sum / static_cast<double>(n);
      const double var = sum2 / static_cast<double>(n) - model.mean[c] * model.mean[c];
      model.scale[c] = var > 1e-24 ? std::sqrt(var) : 1.0;
    }
  }
  Eigen::MatrixXd z(rows, cols);
  for (size_t r = 0; r < rows; ++r) {
    for (size_t c = 0; c < cols; ++c) {
      const double v = x[r * cols + c];
      z(static_cast<Eigen::Index>(r), static_cast<Eigen::Index>(c)) =
          std::isnan(v) ? 0.0 : (v - model.mean[c]) / model.scale[c];
    }
  }
  const Eigen::Map<const Eigen::VectorXd> target(y.data(), static_cast<Eigen::Index>(rows));
  model.intercept = target.mean();
  Eigen::MatrixXd gram = z.transpose() * z;
  gram.diagonal().array() += alpha;
  const Eigen::VectorXd beta = gram.ldlt().solve(z.transpose() * (target.array() - model.intercept).matrix());
  model.coef.assign(beta.data(), beta.data() + beta.size());
  return model;
}

}  // namespace seed::kernels
