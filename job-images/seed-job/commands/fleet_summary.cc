// seed-job fleet-summary: the fan-in of a fleet pipeline. Takes the plants list and per-plant
// metrics as JSON lists in the same order (what {{tasks.T.outputs.X}} of a fanned-out task gives)
// and writes a summary JSON and a one-page HTML table, worst plant first.
#include <algorithm>
#include <cmath>
#include <memory>
#include <string>
#include <vector>

#include "commands/commands.h"
#include "commands/html_number.h"
#include "io/atomic_file.h"
#include "io/input_error.h"
#include "io/results.h"

namespace seed::commands {
namespace {

struct FleetSummaryFlags {
  std::string plants;
  std::vector<std::string> metrics;  // NAME=JSON list
  std::string sort_by = "accuracy";
  double threshold = 0.85;  // the grid's daily accuracy assessment line
  std::string out_path;
  std::string report_path;
  std::string title = "Fleet forecast summary";
};

std::string EscapeHtml(const std::string& text) {
  std::string out;
  for (char c : text) {
    if (c == '<')
      out += "&lt;";
    else if (c == '>')
      out += "&gt;";
    else if (c == '&')
      out += "&amp;";
    else if (c == '"')
      out += "&quot;";
    else
      out += c;
  }
  return out;
}

nlohmann::json ParseJsonList(const std::string& flag, const std::string& text) {
  nlohmann::json list = nlohmann::json::parse(text, nullptr, false);
  if (!list.is_array()) throw io::UsageError(flag + " must be a JSON list, got: " + text.substr(0, 80));
  return list;
}

std::string PlantName(const nlohmann::json& plant) {
  if (plant.is_string()) return plant.get<std::string>();
  if (plant.is_object() && plant.contains("id") && plant["id"].is_string())
    return plant["id"].get<std::string>();
  return plant.dump();
}

double MetricValue(const nlohmann::json& value) {
  if (value.is_number()) return value.get<double>();
  if (value.is_string()) {
    try {
      return std::stod(value.get<std::string>());
    } catch (const std::exception&) {
    }
  }
  return std::nan("");  // a skipped or failed plant has no value
}

void Run(const FleetSummaryFlags& f) {
  nlohmann::json plants = ParseJsonList("--plants", f.plants);
  std::vector<std::string> names;
  std::vector<std::vector<double>> columns;
  for (const auto& metric : f.metrics) {
    auto eq = metric.find('=');
    if (eq == std::string::npos || eq == 0)
      throw io::UsageError("--metric " + metric.substr(0, 40) +
                           ": use NAME=JSON_LIST, e.g. accuracy='[0.91, 0.88]'");
    nlohmann::json list = ParseJsonList("--metric " + metric.substr(0, eq), metric.substr(eq + 1));
    if (list.size() != plants.size())
      throw io::UsageError("--metric " + metric.substr(0, eq) + " has " + std::to_string(list.size()) +
                           " values for " + std::to_string(plants.size()) + " plants");
    names.push_back(metric.substr(0, eq));
    std::vector<double> column;
    for (const auto& value : list) column.push_back(MetricValue(value));
    columns.push_back(column);
  }
  auto sort_column = std::find(names.begin(), names.end(), f.sort_by);
  if (sort_column == names.end())
    throw io::UsageError("--sort-by " + f.sort_by + " is not one of the --metric names");
  const std::vector<double>& key = columns[sort_column - names.begin()];
  std::vector<size_t> order(plants.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  // Worst first: the lowest value, plants without one at the very top (they need a look most).
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) {
    if (std::isnan(key[a]) != std::isnan(key[b])) return std::isnan(key[a]);
    return key[a] < key[b];
  });
  nlohmann::json rows = nlohmann::json::array();
  double sum = 0;
  size_t counted = 0, below = 0, missing = 0;
  for (size_t i : order) {
    nlohmann::json row = {{"plant", PlantName(plants[i])}};
    for (size_t m = 0; m < names.size(); ++m)
      row[names[m]] = std::isnan(columns[m][i]) ? nlohmann::json(nullptr) : nlohmann::json(columns[m][i]);
    rows.push_back(row);
    if (std::isnan(key[i])) {
      ++missing;
      continue;
    }
    sum += key[i];
    ++counted;
    below += key[i] < f.threshold;
  }
  nlohmann::json summary = {{"plants", plants.size()},
                            {"metric", f.sort_by},
                            {"mean", counted ? nlohmann::json(sum / counted) : nlohmann::json(nullptr)},
                            {"worst_plant", rows.empty() ? "" : rows[0]["plant"].get<std::string>()},
                            {"below_threshold", below},
                            {"threshold", f.threshold},
                            {"missing", missing},
                            {"rows", rows}};
  io::WriteFileAtomic(f.out_path, summary.dump(2) + "\n");
  if (!f.report_path.empty()) {
    std::string html =
        "<!doctype html><html><head><meta charset=\"utf-8\"><title>" + EscapeHtml(f.title) +
        "</title><style>body{font-family:sans-serif;margin:2em}table{border-collapse:collapse}"
        "td,th{border:1px solid #ccc;padding:4px 10px;text-align:right}td:first-child{text-align:left}"
        ".low{background:#fde2e2}</style></head><body><h1>" +
        EscapeHtml(f.title) + "</h1><p>" + std::to_string(plants.size()) + " plants; mean " +
        EscapeHtml(f.sort_by) + " " + Fmt("%.3f", counted ? sum / counted : std::nan("")) + "; " +
        std::to_string(below) + " below " + Fmt("%.2f", f.threshold) + "; " + std::to_string(missing) +
        " without a value.</p><table><tr><th>plant</th>";
    for (const auto& name : names) html += "<th>" + EscapeHtml(name) + "</th>";
    html += "</tr>";
    for (size_t i : order) {
      bool low = std::isnan(key[i]) || key[i] < f.threshold;
      html += std::string("<tr") + (low ? " class=\"low\"" : "") + "><td>" +
              EscapeHtml(PlantName(plants[i])) + "</td>";
      for (const auto& column : columns) html += "<td>" + Fmt("%.4f", column[i]) + "</td>";
      html += "</tr>";
    }
    html += "</table></body></html>\n";
    io::WriteFileAtomic(f.report_path, html);
  }
  io::Results results;
  results.Set("mean", summary["mean"]);
  results.Set("worst_plant", summary["worst_plant"]);
  results.Set("below_threshold", below);
  results.Set("missing", missing);
  results.Flush();
}

}  // namespace

void AddFleetSummary(CLI::App& app) {
  auto flags = std::make_shared<FleetSummaryFlags>();
  CLI::App* cmd = app.add_subcommand(
      "fleet-summary",
      "Fan-in of a fleet pipeline: per-plant metrics (JSON lists) to a summary JSON and HTML table");
  cmd->add_option("--plants", flags->plants, "JSON list of plants (ids, or objects with an id)")->required();
  cmd->add_option("--metric", flags->metrics,
                  "NAME=JSON list, one value per plant in the same order (repeatable)")
      ->required();
  cmd->add_option("--sort-by", flags->sort_by, "Metric that ranks the plants, worst (lowest) first")
      ->capture_default_str();
  cmd->add_option("--threshold", flags->threshold, "Plants below this value are flagged")
      ->capture_default_str();
  cmd->add_option("--out", flags->out_path, "Summary JSON to write")->required();
  cmd->add_option("--report", flags->report_path, "HTML page to write");
  cmd->add_option("--title", flags->title, "Report title")->capture_default_str();
  cmd->callback([flags] { Run(*flags); });
}

}  // namespace seed::commands
