#include "io/feature_export.h"

#include <charconv>
#include <cmath>
#include <stdexcept>

#include "io/atomic_file.h"
#include "io/time.h"

namespace seed::io {
namespace {

void AppendNumber(std::string& out, double value) {
  if (std::isnan(value)) return;  // an empty cell
  char buffer[32];
  const auto end = std::to_chars(buffer, buffer + sizeof buffer, value).ptr;
  out.append(buffer, end);
}

// A header cell: a feature name such as speed(u100,v100) holds commas, so it is quoted (RFC 4180,
// as pandas and spreadsheets read it), with any '"' doubled.
std::string HeaderCell(const std::string& name) {
  if (name.find_first_of(",\"\n") == std::string::npos) return name;
  std::string quoted = "\"";
  for (char c : name) quoted += c == '"' ? std::string("\"\"") : std::string(1, c);
  return quoted + "\"";
}

}  // namespace

void WriteFeatureMatrix(const std::string& path, const std::vector<int64_t>& times,
                        const std::vector<std::pair<std::string, std::vector<double>>>& extra,
                        const std::vector<std::string>& names, const std::vector<double>& x) {
  const size_t rows = times.size(), cols = names.size();
  if (x.size() != rows * cols) throw std::invalid_argument("WriteFeatureMatrix: x is not rows x names");
  for (const auto& [name, values] : extra) {
    if (values.size() != rows) throw std::invalid_argument("WriteFeatureMatrix: column " + name + " has the wrong length");
  }
  std::string text = "time";
  for (const auto& [name, values] : extra) text += "," + name;
  for (const auto& name : names) text += "," + HeaderCell(name);
  text += '\n';
  for (size_t r = 0; r < rows; ++r) {
    text += FormatRfc3339(times[r], 0, true);
    for (const auto& [name, values] : extra) {
      text += ',';
      AppendNumber(text, values[r]);
    }
    for (size_t c = 0; c < cols; ++c) {
      text += ',';
      AppendNumber(text, x[r * cols + c]);
    }
    text += '\n';
  }
  WriteFileAtomic(path, text);
}

}  // namespace seed::io
