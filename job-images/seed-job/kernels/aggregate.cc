#include "kernels/aggregate.h"

#include <cctype>
#include <cmath>
#include <stdexcept>

#include "io/input_error.h"

namespace seed::kernels {

std::vector<std::string> TurbineColumns(const io::Frame& frame) {
  std::vector<std::string> columns;
  for (const auto& name : frame.names) {
    if (name.size() <= 5 || name.rfind("wt", 0) != 0 || name.compare(name.size() - 3, 3, "_mw") != 0)
      continue;
    const std::string id = name.substr(2, name.size() - 5);
    bool ok = !id.empty();
    for (char c : id) ok = ok && (std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_');
    if (ok) columns.push_back(name);
  }
  return columns;
}

AggregateResult AggregateTurbines(const io::Frame& turbines, const AggregateOptions& options) {
  if (!(options.min_available > 0 && options.min_available <= 1)) {
    throw std::invalid_argument("min available must be in (0, 1]");
  }
  const bool with_capacity = !std::isnan(options.capacity_per_turbine);
  if (with_capacity && !(options.capacity_per_turbine > 0)) {
    throw std::invalid_argument("capacity per turbine must be > 0 MW");
  }
  const auto names = TurbineColumns(turbines);
  if (names.empty()) {
    std::string have;
    for (const auto& n : turbines.names) have += (have.empty() ? "" : ", ") + n;
    throw io::InputError(
        turbines.source, 1, 0,
        "no turbine power columns: expected one column per turbine named wt<id>_mw, like wt1_mw "
        "(the header has: time" +
            (have.empty() ? std::string() : ", " + have) + ")");
  }
  std::vector<const std::vector<double>*> columns;
  for (const auto& name : names) columns.push_back(&turbines.Column(name));

  AggregateResult result;
  result.turbines = static_cast<int>(names.size());
  const size_t n = turbines.Rows();
  const double total = static_cast<double>(names.size());
  std::vector<double> power(n), reporting(n), available(n);
  for (size_t r = 0; r < n; ++r) {
    double sum = 0;
    int m = 0;
    for (const auto* column : columns) {
      const double v = (*column)[r];
      if (std::isnan(v)) continue;
      sum += v;
      ++m;
    }
    reporting[r] = m;
    available[r] = m * options.capacity_per_turbine;
    // A small epsilon so that e.g. 32 of 40 counts as 0.8 despite rounding.
    if (m > 0 && m / total >= options.min_available - 1e-12) {
      power[r] = sum * total / m;
      result.filled_points += static_cast<long>(names.size()) - m;
    } else {
      power[r] = std::nan("");
      ++result.missing_rows;
    }
  }
  result.station = io::MakeFrame(turbines.time, turbines.utc_offset_minutes);
  result.station.source = turbines.source;
  result.station.Set("power_mw", std::move(power));
  result.station.Set("reporting", std::move(reporting));
  if (with_capacity) result.station.Set("available_mw", std::move(available));
  return result;
}

}  // namespace seed::kernels
