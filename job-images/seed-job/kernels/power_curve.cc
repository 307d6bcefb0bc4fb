#include "kernels/power_curve.h"

#include <algorithm>
#include <map>
#include <numbers>
#include <stdexcept>
#include <string>

namespace seed::kernels {
namespace {

// Count-weighted isotonic regression (pool adjacent violators) of the bin powers.
void RepairMonotone(std::vector<PowerCurveBin>& bins) {
  struct Block {
    double value;
    double weight;
    size_t size;
  };
  std::vector<Block> blocks;
  for (const auto& bin : bins) {
    blocks.push_back({bin.power, static_cast<double>(bin.count), 1});
    while (blocks.size() >= 2 && blocks[blocks.size() - 2].value > blocks.back().value) {
      const Block last = blocks.back();
      blocks.pop_back();
      Block& prev = blocks.back();
      const double weight = prev.weight + last.weight;
      prev.value = (prev.value * prev.weight + last.value * last.weight) / weight;
      prev.weight = weight;
      prev.size += last.size;
    }
  }
  size_t index = 0;
  for (const auto& block : blocks) {
    for (size_t i = 0; i < block.size; ++i) bins[index++].monotone_power = block.value;
  }
}

double Finite(const nlohmann::json& json, const char* key, const std::string& where) {
  if (!json.contains(key) || !json.at(key).is_number()) {
    throw std::invalid_argument(where + ": '" + key + "' must be a number");
  }
  const double value = json.at(key).get<double>();
  if (!std::isfinite(value)) throw std::invalid_argument(where + ": '" + key + "' must be finite");
  return value;
}

}  // namespace

PowerCurve FitPowerCurveIec(const std::vector<double>& wind_speed, const std::vector<double>& power,
                            const std::vector<double>& air_density, double bin_width, int min_per_bin) {
  if (wind_speed.size() != power.size()) {
    throw std::invalid_argument("power curve fit: wind speed and power have different lengths");
  }
  if (!air_density.empty() && air_density.size() != wind_speed.size()) {
    throw std::invalid_argument("power curve fit: air density has a different length from wind speed");
  }
  if (!(bin_width > 0) || min_per_bin < 1) {
    throw std::invalid_argument("power curve fit: bin width must be > 0 and min records per bin >= 1");
  }
  struct Sum {
    double speed = 0;
    double power = 0;
    int count = 0;
  };
  std::map<long, Sum> sums;  // keyed by the bin index round(V_n / width)
  for (size_t i = 0; i < wind_speed.size(); ++i) {
    double v = wind_speed[i];
    const double p = power[i];
    if (std::isnan(v) || std::isnan(p) || v < 0) continue;
    if (!air_density.empty()) {
      const double rho = air_density[i];
      if (!(rho > 0)) continue;
      v *= std::cbrt(rho / kReferenceAirDensity);
    }
    Sum& sum = sums[std::lround(v / bin_width)];
    sum.speed += v;
    sum.power += p;
    ++sum.count;
  }
  PowerCurve curve;
  curve.bin_width = bin_width;
  curve.density_normalised = !air_density.empty();
  for (const auto& [index, sum] : sums) {
    if (sum.count < min_per_bin) continue;
    PowerCurveBin bin;
    bin.centre = static_cast<double>(index) * bin_width;
    bin.wind_speed = sum.speed / sum.count;
    bin.power = sum.power / sum.count;
    bin.count = sum.count;
    curve.bins.push_back(bin);
  }
  RepairMonotone(curve.bins);
  return curve;
}

double PowerCurve::CutOut() const { return bins.empty() ? 0.0 : bins.back().centre + bin_width / 2; }

double PowerCurve::RatedPower() const {
  double rated = 0;
  for (const auto& bin : bins) rated = std::max(rated, bin.monotone_power);
  return rated;
}

double PowerCurve::Predict(double wind_speed, double air_density) const {
  if (std::isnan(wind_speed) || std::isnan(air_density)) return std::numeric_limits<double>::quiet_NaN();
  if (bins.empty()) return 0;
  double v = wind_speed;
  if (air_density > 0) v *= std::cbrt(air_density / reference_density);
  if (v < bins.front().wind_speed || v > CutOut()) return 0;
  if (v >= bins.back().wind_speed) return bins.back().monotone_power;
  const auto upper = std::upper_bound(bins.begin(), bins.end(), v,
                                      [](double x, const PowerCurveBin& bin) { return x < bin.wind_speed; });
  const PowerCurveBin& hi = *upper;
  const PowerCurveBin& lo = *(upper - 1);
  const double span = hi.wind_speed - lo.wind_speed;
  if (span <= 0) return hi.monotone_power;
  const double t = (v - lo.wind_speed) / span;
  return lo.monotone_power + t * (hi.monotone_power - lo.monotone_power);
}

nlohmann::json PowerCurve::ToJson() const {
  nlohmann::json json;
  json["kind"] = "power_curve";
  json["method"] = "IEC 61400-12-1 method of bins";
  json["bin_width"] = bin_width;
  json["density_normalised"] = density_normalised;
  json["reference_density"] = reference_density;
  json["bins"] = nlohmann::json::array();
  for (const auto& bin : bins) {
    json["bins"].push_back({{"centre", bin.centre},
                            {"wind_speed", bin.wind_speed},
                            {"power", bin.power},
                            {"monotone_power", bin.monotone_power},
                            {"count", bin.count}});
  }
  return json;
}

PowerCurve PowerCurve::FromJson(const nlohmann::json& json) {
  if (!json.is_object()) throw std::invalid_argument("power curve: expected a JSON object");
  if (json.contains("kind") && json.at("kind") != "power_curve") {
    throw std::invalid_argument("power curve: 'kind' must be \"power_curve\"");
  }
  PowerCurve curve;
  curve.bin_width = Finite(json, "bin_width", "power curve");
  if (!(curve.bin_width > 0)) throw std::invalid_argument("power curve: 'bin_width' must be > 0");
  if (json.contains("density_normalised")) {
    if (!json.at("density_normalised").is_boolean()) {
      throw std::invalid_argument("power curve: 'density_normalised' must be true or false");
    }
    curve.density_normalised = json.at("density_normalised").get<bool>();
  }
  if (json.contains("reference_density"))
    curve.reference_density = Finite(json, "reference_density", "power curve");
  if (!(curve.reference_density > 0))
    throw std::invalid_argument("power curve: 'reference_density' must be > 0");
  if (!json.contains("bins") || !json.at("bins").is_array() || json.at("bins").empty()) {
    throw std::invalid_argument("power curve: 'bins' must be a non-empty array");
  }
  const auto& bins = json.at("bins");
  for (size_t i = 0; i < bins.size(); ++i) {
    const std::string where = "power curve: bins[" + std::to_string(i) + "]";
    if (!bins[i].is_object()) throw std::invalid_argument(where + " must be an object");
    PowerCurveBin bin;
    bin.centre = Finite(bins[i], "centre", where);
    bin.wind_speed = Finite(bins[i], "wind_speed", where);
    bin.power = Finite(bins[i], "power", where);
    bin.monotone_power =
        bins[i].contains("monotone_power") ? Finite(bins[i], "monotone_power", where) : bin.power;
    const double count = Finite(bins[i], "count", where);
    if (count < 1 || count != std::floor(count) || count > 2e9) {
      throw std::invalid_argument(where + ": 'count' must be a positive integer");
    }
    bin.count = static_cast<int>(count);
    if (bin.wind_speed < 0) throw std::invalid_argument(where + ": 'wind_speed' must be >= 0");
    if (!curve.bins.empty()) {
      const PowerCurveBin& prev = curve.bins.back();
      if (bin.centre <= prev.centre || bin.wind_speed < prev.wind_speed) {
        throw std::invalid_argument(where + ": bins must be in increasing wind speed order");
      }
      if (bin.monotone_power < prev.monotone_power) {
        throw std::invalid_argument(where + ": 'monotone_power' must not decrease");
      }
    }
    curve.bins.push_back(bin);
  }
  return curve;
}

double AirDensity(double temperature_c, double pressure_hpa, double relative_humidity_percent) {
  constexpr double kR0 = 287.05;  // J/(kg·K), dry air
  constexpr double kRw = 461.5;   // J/(kg·K), water vapour
  const double t = temperature_c + 273.15;
  const double b = pressure_hpa * 100.0;
  if (std::isnan(relative_humidity_percent)) return b / (kR0 * t);
  const double phi = relative_humidity_percent / 100.0;
  const double pw = 2.05e-5 * std::exp(0.0631846 * t);
  return (b / kR0 - phi * pw * (1.0 / kR0 - 1.0 / kRw)) / t;
}

double AnnualEnergyRayleigh(const PowerCurve& curve, double mean_wind_speed, double hours) {
  if (curve.bins.empty() || !(mean_wind_speed > 0)) return 0;
  const auto cdf = [&](double v) {
    const double x = v / mean_wind_speed;
    return 1.0 - std::exp(-std::numbers::pi / 4.0 * x * x);
  };
  double previous_speed = std::max(0.0, curve.bins.front().wind_speed - curve.bin_width);
  double previous_power = 0;
  double energy = 0;
  for (const auto& bin : curve.bins) {
    energy += (cdf(bin.wind_speed) - cdf(previous_speed)) * (previous_power + bin.monotone_power) / 2;
    previous_speed = bin.wind_speed;
    previous_power = bin.monotone_power;
  }
  return hours * energy;
}

}  // namespace seed::kernels
