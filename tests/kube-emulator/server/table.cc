#include "kube-emulator/server/table.h"

#include <cstdio>
#include <ctime>
#include <optional>
#include <vector>

namespace kubeemu {
namespace {

// One step of a printer-column JSONPath: a field, optionally followed by a filter on array items.
struct Step {
  std::string field;
  std::string filter_key;  // [?(@.key=="value")] applies to the array `field` holds
  std::string filter_value;
  bool has_filter = false;
};

std::vector<Step> ParsePath(const std::string& path) {
  std::vector<Step> steps;
  size_t i = 0;
  while (i < path.size()) {
    if (path[i] == '.') {
      ++i;
      size_t end = path.find_first_of(".[", i);
      if (end == std::string::npos) end = path.size();
      steps.push_back({path.substr(i, end - i), "", "", false});
      i = end;
    } else if (path.compare(i, 5, "[?(@.") == 0 && !steps.empty()) {
      size_t eq = path.find("==", i);
      size_t close = path.find(")]", i);
      if (eq == std::string::npos || close == std::string::npos) break;
      steps.back().filter_key = path.substr(i + 5, eq - (i + 5));
      std::string value = path.substr(eq + 2, close - (eq + 2));
      if (value.size() >= 2 && (value.front() == '"' || value.front() == '\''))
        value = value.substr(1, value.size() - 2);
      steps.back().filter_value = value;
      steps.back().has_filter = true;
      i = close + 2;
    } else {
      break;  // unsupported syntax: no value
    }
  }
  return steps;
}

std::optional<json> Evaluate(const json& object, const std::string& path) {
  const json* current = &object;
  for (const auto& step : ParsePath(path)) {
    if (!current->is_object() || !current->contains(step.field)) return std::nullopt;
    current = &(*current)[step.field];
    if (step.has_filter) {
      if (!current->is_array()) return std::nullopt;
      const json* match = nullptr;
      for (const auto& item : *current) {
        if (item.is_object() && item.contains(step.filter_key) && item[step.filter_key].is_string() &&
            item[step.filter_key].get<std::string>() == step.filter_value) {
          match = &item;
          break;
        }
      }
      if (!match) return std::nullopt;
      current = match;
    }
  }
  if (current->is_null()) return std::nullopt;
  return *current;
}

std::optional<std::chrono::system_clock::time_point> ParseTime(const std::string& text) {
  std::tm tm{};
  const char* end = strptime(text.c_str(), "%Y-%m-%dT%H:%M:%S", &tm);
  if (!end) return std::nullopt;
  if (*end == '.') {
    ++end;
    while (*end >= '0' && *end <= '9') ++end;
  }
  long offset = 0;
  if (*end == 'Z') {
    ++end;
  } else if (*end == '+' || *end == '-') {
    int hours = 0, minutes = 0;
    if (std::sscanf(end + 1, "%2d:%2d", &hours, &minutes) != 2) return std::nullopt;
    offset = (hours * 3600 + minutes * 60) * (*end == '-' ? -1 : 1);
    end += 6;
  } else {
    return std::nullopt;
  }
  if (*end != '\0') return std::nullopt;
  return std::chrono::system_clock::from_time_t(timegm(&tm) - offset);
}

json Cell(const std::string& type, const std::optional<json>& value,
          std::chrono::system_clock::time_point now) {
  if (!value) return nullptr;
  const json& v = *value;
  if (type == "integer") return v.is_number() ? json(v.get<int64_t>()) : json(nullptr);
  if (type == "number") return v.is_number() ? v : json(nullptr);
  if (type == "boolean") return v.is_boolean() ? v : json(nullptr);
  if (type == "date") {
    if (!v.is_string()) return nullptr;
    auto time = ParseTime(v.get<std::string>());
    if (!time) return "<invalid>";
    return HumanDuration(std::chrono::duration_cast<std::chrono::seconds>(now - *time));
  }
  // string: the value as the JSONPath printer prints it.
  return v.is_string() ? v.get<std::string>() : v.dump();
}

json Row(const json& columns, const json& object, std::chrono::system_clock::time_point now) {
  const json metadata = object.value("metadata", json::object());
  json cells = json::array({metadata.value("name", "")});
  for (const auto& column : columns) {
    cells.push_back(
        Cell(column.value("type", "string"), Evaluate(object, column.value("jsonPath", "")), now));
  }
  return {{"cells", cells},
          {"object",
           {{"kind", "PartialObjectMetadata"}, {"apiVersion", "meta.k8s.io/v1"}, {"metadata", metadata}}}};
}

}  // namespace

std::string HumanDuration(std::chrono::seconds elapsed) {
  const long long seconds = elapsed.count();
  if (seconds < -1) return "<invalid>";
  if (seconds < 0) return "0s";
  if (seconds < 120) return std::to_string(seconds) + "s";
  const long long minutes = seconds / 60;
  if (minutes < 10) {
    long long s = seconds % 60;
    return s == 0 ? std::to_string(minutes) + "m" : std::to_string(minutes) + "m" + std::to_string(s) + "s";
  }
  if (minutes < 180) return std::to_string(minutes) + "m";
  const long long hours = seconds / 3600;
  if (hours < 8) {
    long long m = minutes % 60;
    return m == 0 ? std::to_string(hours) + "h" : std::to_string(hours) + "h" + std::to_string(m) + "m";
  }
  if (hours < 48) return std::to_string(hours) + "h";
  if (hours < 24 * 8) {
    long long h = hours % 24;
    return h == 0 ? std::to_string(hours / 24) + "d"
                  : std::to_string(hours / 24) + "d" + std::to_string(h) + "h";
  }
  if (hours < 24 * 365 * 2) return std::to_string(hours / 24) + "d";
  if (hours < 24 * 365 * 8) {
    long long days = (hours / 24) % 365;
    return days == 0 ? std::to_string(hours / 24 / 365) + "y"
                     : std::to_string(hours / 24 / 365) + "y" + std::to_string(days) + "d";
  }
  return std::to_string(hours / 24 / 365) + "y";
}

bool WantsTable(const std::string& accept) { return accept.find("as=Table") != std::string::npos; }

json ToTable(const json& printer_columns, const json& object_or_list, bool is_list,
             std::chrono::system_clock::time_point now) {
  // A CRD without printer columns gets the default Age column, as the API server gives it.
  json columns =
      printer_columns.is_array() && !printer_columns.empty()
          ? printer_columns
          : json::array({{{"name", "Age"}, {"type", "date"}, {"jsonPath", ".metadata.creationTimestamp"}}});
  json definitions = json::array({{{"name", "Name"},
                                   {"type", "string"},
                                   {"format", "name"},
                                   {"description", "Name must be unique within a namespace."},
                                   {"priority", 0}}});
  for (const auto& column : columns) {
    definitions.push_back({{"name", column.value("name", "")},
                           {"type", column.value("type", "string")},
                           {"format", column.value("format", "")},
                           {"description", column.value("description", "")},
                           {"priority", column.value("priority", 0)}});
  }
  json rows = json::array();
  json metadata = json::object();
  if (is_list) {
    for (const auto& item : object_or_list.value("items", json::array()))
      rows.push_back(Row(columns, item, now));
    const json list_meta = object_or_list.value("metadata", json::object());
    for (const char* key : {"resourceVersion", "continue", "remainingItemCount"}) {
      if (list_meta.contains(key)) metadata[key] = list_meta[key];
    }
  } else {
    rows.push_back(Row(columns, object_or_list, now));
    metadata["resourceVersion"] =
        object_or_list.value("metadata", json::object()).value("resourceVersion", "");
  }
  return {{"kind", "Table"},
          {"apiVersion", "meta.k8s.io/v1"},
          {"metadata", metadata},
          {"columnDefinitions", definitions},
          {"rows", rows}};
}

}  // namespace kubeemu
