#include "engine/expression.h"

#include <date/date.h>
#include <date/tz.h>

#include "api/template_expression.h"
#include "api/time_format.h"

namespace seed::engine {
namespace {

using api::ExpressionFilter;

Seconds AddLocalDays(Seconds time, long long days, const date::time_zone* zone) {
  if (zone == nullptr) return time + date::days(days);
  auto local = zone->to_local(time) + date::days(days);
  auto info = zone->get_info(date::local_seconds(local));
  if (info.result == date::local_info::nonexistent) return info.first.end;
  return Seconds(local.time_since_epoch()) - info.first.offset;
}

// Applies filters to an instant; returns the text or sets *error.
std::string ApplyTimeFilters(Seconds time, const std::vector<ExpressionFilter>& filters,
                             const date::time_zone* zone, std::string* error) {
  for (size_t i = 0; i < filters.size(); ++i) {
    const auto& filter = filters[i];
    switch (filter.kind) {
      case ExpressionFilter::Kind::kAddDays:
        time = AddLocalDays(time, filter.amount, zone);
        break;
      case ExpressionFilter::Kind::kAddMinutes:
        time += std::chrono::minutes(filter.amount);
        break;
      case ExpressionFilter::Kind::kDate: {
        if (i + 1 != filters.size()) {
          *error = "date must be the last filter";
          return "";
        }
        try {
          if (zone == nullptr) return date::format(filter.format, time);
          return date::format(filter.format, date::make_zoned(zone, time));
        } catch (const std::exception& e) {
          *error = "bad date format \"" + filter.format + "\": " + e.what();
          return "";
        }
      }
    }
  }
  return api::FormatRfc3339In(time, zone);
}

}  // namespace

std::string FormatScheduledTime(Seconds time, const date::time_zone* zone) {
  return api::FormatRfc3339In(time, zone);
}

Substitution Substitute(const std::string& text, const ExpressionScope& scope) {
  Substitution result;
  api::ParsedTemplate parsed = api::ParseTemplate(text);
  if (!parsed.error.empty()) {
    result.error = parsed.error;
    return result;
  }
  for (const auto& segment : parsed.segments) {
    if (!segment.reference) {
      result.value += segment.literal;
      continue;
    }
    const auto& ref = *segment.reference;
    const auto& p = ref.path;
    auto fail = [&](const std::string& message) {
      if (result.error.empty()) result.error = message;
    };
    auto lookup = [&](const std::map<std::string, std::string>& map, const std::string& key,
                      const char* what) {
      auto it = map.find(key);
      if (it == map.end()) {
        fail("unknown " + std::string(what) + " \"" + key + "\" in " + ref.text);
        return;
      }
      result.value += it->second;
    };
    if (!ref.filters.empty() && !(p.size() == 2 && p[0] == "run" && p[1] == "scheduledTime")) {
      fail("filters apply only to run.scheduledTime, not to " + api::JoinReference(p));
      continue;
    }
    if (p.size() == 3 && p[0] == "pipeline" && p[1] == "params") {
      lookup(scope.pipeline_params, p[2], "pipeline param");
    } else if (p.size() == 2 && p[0] == "params") {
      lookup(scope.params, p[1], "param");
    } else if (p.size() == 2 && p[0] == "outputs") {
      lookup(scope.outputs, p[1], "artifact output");
    } else if (p.size() == 4 && p[0] == "tasks" && p[2] == "outputs") {
      if (scope.skipped_tasks.count(p[1])) {
        result.skipped_tasks.push_back(p[1]);
        continue;
      }
      auto task = scope.task_outputs.find(p[1]);
      if (task == scope.task_outputs.end() || !task->second.count(p[3])) {
        if (scope.keep_unresolved_task_outputs) {
          result.value += ref.text;
          continue;
        }
        fail(task == scope.task_outputs.end()
                 ? "outputs of task \"" + p[1] + "\" are not available in " + ref.text
                 : "task \"" + p[1] + "\" reported no output \"" + p[3] + "\" for " + ref.text);
        continue;
      }
      result.value += task->second.at(p[3]);
    } else if (p[0] == "item") {
      if (scope.keep_unresolved_items) {
        result.value += ref.text;
        continue;
      }
      if (!scope.item) {
        fail(ref.text + " is only defined in a task with withItems or withParam");
        continue;
      }
      const nlohmann::json* value = &*scope.item;
      for (size_t k = 1; k < p.size() && value; ++k) {
        value = value->is_object() && value->contains(p[k]) ? &(*value)[p[k]] : nullptr;
      }
      if (!value) {
        fail("the item " + scope.item->dump() + " has no field for " + ref.text);
        continue;
      }
      result.value += value->is_string() ? value->get<std::string>() : value->dump();
    } else if (p.size() == 2 && p[0] == "run" && (p[1] == "status" || p[1] == "failures")) {
      const auto& value = p[1] == "status" ? scope.run_status : scope.run_failures;
      if (!value) {
        fail(ref.text + " is only defined in a finally task");
        continue;
      }
      result.value += *value;
    } else if (p.size() == 1 && p[0] == "workspace") {
      result.value += scope.workspace;
    } else if (p.size() == 2 && p[0] == "run" && p[1] == "name") {
      result.value += scope.run_name;
    } else if (p.size() == 2 && p[0] == "run" && p[1] == "namespace") {
      result.value += scope.run_namespace;
    } else if (p.size() == 2 && p[0] == "run" && p[1] == "scheduledTime") {
      if (!scope.scheduled_time) {
        fail("the run has no scheduled time for " + ref.text);
        continue;
      }
      std::string error;
      std::string value = ApplyTimeFilters(*scope.scheduled_time, ref.filters, scope.zone, &error);
      if (!error.empty()) fail(error + " in " + ref.text);
      result.value += value;
    } else {
      fail("unknown reference " + ref.text);
    }
  }
  return result;
}

}  // namespace seed::engine
