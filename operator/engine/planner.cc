#include "engine/planner.h"

#include <date/tz.h>

#include <algorithm>
#include <set>
#include <tuple>

#include "api/field_reader.h"
#include "engine/depends.h"
#include "engine/expression.h"
#include "engine/sweep.h"
#include "engine/when.h"

namespace seed::engine {
namespace {

using api::TaskPhase;
using api::TaskStatus;
using nlohmann::json;
using std::chrono::seconds;
using State = ObservedAttempt::State;

constexpr size_t kMaxMessage = 200;  // status stays a summary, never a log
constexpr size_t kMaxOutputValue = 1024;
constexpr size_t kMaxListOutput = 32 * 1024;  // a JSON list output (withParam reads it whole)
// Bytes of the whole status (the pinned snapshot included) before finished tasks are compacted;
// below the 64 KiB a run's status is meant to stay under, with room for the other fields.
constexpr size_t kStatusBudget = 60 * 1024;
constexpr size_t kMinTaskBudget = 16 * 1024;  // what status.tasks may use however large the snapshot

std::string Truncate(std::string text, size_t limit = kMaxMessage) {
  for (char& c : text) {
    if (c == '\n' || c == '\r') c = ' ';
  }
  if (text.size() > limit) text = text.substr(0, limit - 3) + "...";
  return text;
}

// One schedulable thing: a task, or one item of a fanned-out task.
struct Unit {
  std::string task;
  int64_t item = -1;
  auto operator<=>(const Unit&) const = default;
};

// The observed attempts by (task, item, attempt): a look finds each unit's attempt in O(log n)
// instead of scanning every pod of the task (which made a look at a 1,000-item task cost 10^6).
class AttemptIndex {
 public:
  explicit AttemptIndex(const ObservedTasks& observed) {
    for (const auto& [task, attempts] : observed) {
      for (const auto& attempt : attempts)
        index_.try_emplace({task, attempt.item, attempt.attempt}, &attempt);
    }
  }
  const ObservedAttempt* Find(const Unit& unit, int64_t attempt) const {
    auto found = index_.find({unit.task, unit.item, attempt});
    return found == index_.end() ? nullptr : found->second;
  }

 private:
  std::map<std::tuple<std::string, int64_t, int64_t>, const ObservedAttempt*> index_;
};

bool IsLive(const ObservedAttempt& attempt) {
  return attempt.state == State::kPending || attempt.state == State::kRunning;
}

int64_t Retries(const api::PipelineTask& task, const api::JobTemplateSpec& tmpl) {
  return task.retries.value_or(tmpl.retries.value_or(0));
}

std::optional<int64_t> Timeout(const api::PipelineTask& task, const api::JobTemplateSpec& tmpl) {
  return task.timeout_seconds ? task.timeout_seconds : tmpl.timeout_seconds;
}

// Times here are whole seconds, rounded down: a task recorded as started at S started somewhere in
// [S, S + 1 s). Its timeout is due at S + timeout + 1 s, so it never fires before timeoutSeconds
// have passed (it may fire up to a second late).
Seconds TimeoutDue(Seconds start, int64_t timeout) { return start + seconds(timeout) + seconds(1); }

class Planner {
 public:
  explicit Planner(const PlanInput& input)
      : in_(input), spec_(input.snapshot.pipeline), attempts_(input.observed) {
    plan_.status = input.run.status;
    if (plan_.status.pipeline_spec.is_null() && input.resume_from && input.snapshot_errors.empty()) {
      // The first look at a run that resumes another: start from what that run reused and left.
      plan_.status = ResumeFromRun(*input.resume_from);
    }
  }

  Plan Run() {
    auto& status = plan_.status;
    status.observed_generation = in_.run.metadata.generation;
    if (status.pipeline_spec.is_null()) status.pipeline_spec = in_.snapshot.raw;
    if (api::IsTerminal(status.phase)) {
      StopStragglers();
      return plan_;
    }
    if (!status.start_time) status.start_time = in_.now;
    for (const auto& task : spec_.tasks) {
      if (!status.tasks.count(task.name)) status.tasks[task.name] = TaskStatus{};
    }
    api::ValidationErrors errors = in_.snapshot_errors;
    ResolveScope(&errors);
    if (!errors.empty()) {
      FailRun("InvalidSpec", errors);
      SetDuration();
      return plan_;
    }
    order_ = TopologicalOrder(spec_);
    if (in_.options.preview) {
      for (const auto& name : order_) Preview(name);
      Summarize();
      return plan_;
    }
    for (const auto& name : order_) Unpack(name);
    for (const auto& name : order_) Observe(name);
    for (const auto& name : order_) {
      // A cancelled run still runs its finally tasks (as Argo runs onExit on `argo stop`).
      if (!in_.run.spec.cancel || TaskSpec(name).is_finally) {
        StartIfReady(name);
      } else {
        Settle(name);
      }
    }
    for (const auto& name : order_) Pack(name);
    Summarize();
    Compact();
    SetDuration();
    return plan_;
  }

 private:
  // Keeps the status a summary at any size (Argo's runs hit etcd's request limit with per-node
  // status): past the budget left beside the snapshot, finished tasks keep only phase, attempt, reason and
  // outputs.
  void Compact() {
    auto size = [&] {
      nlohmann::json tasks = nlohmann::json::object();
      for (const auto& [name, ts] : plan_.status.tasks) tasks[name] = api::TaskStatusToJson(ts);
      return tasks.dump().size();
    };
    const size_t used = size();
    if (used <= kMinTaskBudget) return;
    const size_t snapshot = plan_.status.pipeline_spec.dump().size();
    const size_t budget = std::max(kMinTaskBudget, kStatusBudget > snapshot ? kStatusBudget - snapshot : 0);
    if (used <= budget) return;
    for (auto& [name, ts] : plan_.status.tasks) {
      if (ts.phase == TaskPhase::kSucceeded || ts.phase == TaskPhase::kSkipped ||
          ts.phase == TaskPhase::kOmitted) {
        ts.start_time.reset();
        ts.completion_time.reset();
        ts.exit_code.reset();
        ts.message.clear();
      }
    }
    if (size() <= budget) return;
    for (auto& [name, ts] : plan_.status.tasks) {
      if (api::IsTerminal(ts.phase)) {
        ts.start_time.reset();
        ts.completion_time.reset();
        ts.message = Truncate(ts.message, 40);
      }
    }
  }

  const api::PipelineTask& TaskSpec(const std::string& name) { return *spec_.FindTask(name); }
  const api::JobTemplateSpec& Template(const std::string& name) {
    return in_.snapshot.templates.at(TaskSpec(name).template_ref);
  }
  TaskStatus& Status(const std::string& name) { return plan_.status.tasks[name]; }
  TaskStatus& Status(const Unit& unit) {
    return unit.item < 0 ? plan_.status.tasks[unit.task] : items_.at(unit.task)[unit.item];
  }

  // The items of a fanned-out task: its literal list, or its withParam expression as a JSON list.
  std::optional<json> ResolveItems(const api::PipelineTask& task, std::string* error) {
    if (task.with_items) return *task.with_items;
    if (task.sweep) return SweepTrials(*task.sweep);
    Substitution substitution = Substitute(task.with_param, TaskScope());
    if (!substitution.skipped_tasks.empty()) return json::array();  // nothing to fan out over
    if (!substitution.error.empty()) {
      *error = "withParam: " + substitution.error;
      return std::nullopt;
    }
    json list = json::parse(substitution.value, nullptr, false);
    if (!list.is_array()) {
      *error = "withParam \"" + task.with_param + "\" gave " + Truncate(substitution.value, 80) +
               ", not a JSON list such as [\"wf01\", \"wf02\"] or [{\"plant\": \"wf01\"}]";
      return std::nullopt;
    }
    if (list.size() > api::kMaxItems) {
      *error = "withParam gave " + std::to_string(list.size()) + " items; at most " +
               std::to_string(api::kMaxItems) + " per task";
      return std::nullopt;
    }
    return list;
  }

  // Expands a running fanned-out task's compact item status into one TaskStatus per item.
  void Unpack(const std::string& name) {
    const TaskStatus& ts = Status(name);
    if (!ts.items || api::IsTerminal(ts.phase)) return;
    std::string error;
    auto list = ResolveItems(TaskSpec(name), &error);
    if (!list || list->size() != ts.items->phases.size()) {
      // The list comes from the snapshot or a finished task's output, so it cannot change.
      Finish(Status(name), TaskPhase::kFailed, "InvalidItems",
             error.empty() ? "the items changed while the task ran" : error);
      return;
    }
    item_values_[name] = *list;
    auto& items = items_[name];
    items.assign(list->size(), TaskStatus{});
    for (size_t i = 0; i < items.size(); ++i) {
      items[i].phase = api::ItemPhaseFromLetter(ts.items->phases[i]).value_or(TaskPhase::kPending);
      auto live = ts.items->live.find(static_cast<int64_t>(i));
      if (live != ts.items->live.end()) {
        items[i].attempt = live->second.attempt;
        items[i].start_time = live->second.start_time;
        items[i].next_retry_time = live->second.next_retry_time;
        items[i].message = live->second.message;
      }
    }
    for (const auto& failure : ts.items->failures) {
      if (failure.item < 0 || failure.item >= static_cast<int64_t>(items.size())) continue;
      auto& item = items[failure.item];
      item.attempt = failure.attempt;
      item.reason = failure.reason;
      item.message = failure.message;
    }
    for (const auto& [output, values] : ts.items->outputs) item_outputs_[name][output] = values;
  }

  // Folds the items back into the compact form (the inverse of Unpack).
  void Pack(const std::string& name) {
    auto found = items_.find(name);
    if (found == items_.end()) return;
    TaskStatus& ts = Status(name);
    const auto& items = found->second;
    api::FanOutStatus packed;
    if (ts.items) packed.reused_from = ts.items->reused_from;
    for (size_t i = 0; i < items.size(); ++i) {
      const TaskStatus& item = items[i];
      packed.phases += api::ItemPhaseLetter(item.phase);
      if (item.phase == TaskPhase::kRunning || item.phase == TaskPhase::kRetrying) {
        packed.live[static_cast<int64_t>(i)] = {item.attempt, item.start_time, item.next_retry_time,
                                                item.message};
      }
      if (item.phase == TaskPhase::kFailed && packed.failures.size() < api::kMaxListedItemFailures) {
        packed.failures.push_back({static_cast<int64_t>(i), item.attempt, item.reason, item.message});
      }
    }
    // While it runs, and after it failed (a resumed run reuses the succeeded items' values); a
    // succeeded task has them as its outputs.
    if (!api::IsTerminal(ts.phase) || ts.phase == TaskPhase::kFailed) {
      for (const auto& output : Template(name).outputs) {
        if (output.kind == api::OutputKind::kValue) packed.outputs[output.name] = ItemOutputs(name, output.name);
      }
    }
    ts.items = std::move(packed);
  }

  // The items' values of one output, one per item (null where an item has none).
  json ItemOutputs(const std::string& name, const std::string& output) {
    json list = json::array();
    if (auto task = item_outputs_.find(name); task != item_outputs_.end()) {
      if (auto values = task->second.find(output); values != task->second.end()) list = values->second;
    }
    list.get_ref<json::array_t&>().resize(items_.count(name) ? items_.at(name).size() : 0);
    return list;
  }

  json ItemOutput(const std::string& name, size_t item, const std::string& output) {
    auto task = item_outputs_.find(name);
    if (task == item_outputs_.end()) return nullptr;
    auto values = task->second.find(output);
    if (values == task->second.end() || item >= values->second.size()) return nullptr;
    return values->second[item];
  }

  void SetItemOutput(const std::string& name, size_t item, const std::string& output, json value) {
    json& list = item_outputs_[name][output];
    if (!list.is_array()) list = json::array();
    auto& values = list.get_ref<json::array_t&>();
    if (values.size() <= item) values.resize(item + 1);
    values[item] = std::move(value);
  }

  // A fanned-out task's phase from its items', once every item ended; its outputs are then the
  // items' outputs as JSON lists in item order (null for an item that has none).
  void Settle(const std::string& name) {
    SettleItems(name);
    Pack(name);  // at once: finally tasks and depends conditions read the packed items this pass
  }

  void SettleItems(const std::string& name) {
    TaskStatus& ts = Status(name);
    auto found = items_.find(name);
    if (found == items_.end() || api::IsTerminal(ts.phase)) return;
    const auto& items = found->second;
    std::map<TaskPhase, size_t> counts;
    for (const auto& item : items) ++counts[item.phase];
    size_t done = 0;
    for (const auto& [phase, count] : counts) done += api::IsTerminal(phase) ? count : 0;
    if (done < items.size()) {
      ts.message = std::to_string(done) + "/" + std::to_string(items.size()) + " items done";
      return;
    }
    std::string summary = std::to_string(items.size()) +
                          " items: " + std::to_string(counts[TaskPhase::kSucceeded]) + " succeeded";
    for (auto phase : {TaskPhase::kFailed, TaskPhase::kSkipped, TaskPhase::kOmitted, TaskPhase::kCancelled}) {
      if (!counts[phase]) continue;
      std::string word = api::TaskPhaseName(phase);
      word[0] = static_cast<char>(std::tolower(static_cast<unsigned char>(word[0])));
      summary += ", " + std::to_string(counts[phase]) + " " + word;
    }
    for (size_t i = 0; i < items.size(); ++i) {
      if (items[i].phase == TaskPhase::kFailed) {
        summary += "; first failure item " + std::to_string(i) + ": " + items[i].message;
        break;
      }
    }
    Seconds completed = ts.start_time.value_or(in_.now);
    for (const auto& item : items) {
      if (item.completion_time && *item.completion_time > completed) completed = *item.completion_time;
    }
    if (const auto& sweep = TaskSpec(name).sweep) {
      SettleSweep(name, *sweep, summary);
      ts.completion_time = completed;
      return;
    }
    if (counts[TaskPhase::kFailed] || counts[TaskPhase::kOmitted]) {
      Finish(ts, TaskPhase::kFailed, "ItemsFailed", summary);
    } else if (counts[TaskPhase::kCancelled]) {
      Finish(ts, TaskPhase::kCancelled, "Cancelled", summary);
    } else {
      ts.outputs.clear();
      for (const auto& output : Template(name).outputs) {
        if (output.kind != api::OutputKind::kValue) continue;
        ts.outputs[output.name] = ItemOutputs(name, output.name).dump();
      }
      bool all_skipped = counts[TaskPhase::kSkipped] == items.size();
      Finish(ts, all_skipped ? TaskPhase::kSkipped : TaskPhase::kSucceeded, all_skipped ? "WhenFalse" : "",
             summary);
    }
    ts.completion_time = completed;
  }

  // A sweep ends with the best trial's outputs and params, `best_trial` and every trial's objective
  // (`objectives`, a JSON list in trial order, null for a trial without one). Failed trials are
  // listed but do not fail the sweep; a sweep with no trial to choose fails.
  void SettleSweep(const std::string& name, const api::Sweep& sweep, const std::string& summary) {
    TaskStatus& ts = Status(name);
    const auto& items = items_.at(name);
    json objectives = json::array();
    for (size_t i = 0; i < items.size(); ++i) {
      objectives.push_back(items[i].phase == TaskPhase::kSucceeded ? ItemOutput(name, i, sweep.objective)
                                                                   : json());
    }
    auto best = BestTrial(objectives, sweep.minimize);
    ts.outputs.clear();
    ts.outputs["objectives"] = objectives.dump();
    if (!best) {
      Finish(ts, TaskPhase::kFailed, "NoTrialSucceeded",
             "no trial reported a numeric " + sweep.objective + " (" + summary + ")");
      return;
    }
    for (const auto& output : Template(name).outputs) {
      if (output.kind != api::OutputKind::kValue) continue;
      json value = ItemOutput(name, *best, output.name);
      ts.outputs[output.name] = api::ScalarText(value).value_or(value.dump());
    }
    const json& trial = item_values_.at(name).at(*best);
    for (const auto& [param, value] : trial.items())
      ts.outputs[param] = api::ScalarText(value).value_or(value.dump());
    ts.outputs["best_trial"] = std::to_string(*best);
    Finish(ts, TaskPhase::kSucceeded, "",
           "best trial " + std::to_string(*best) + " (" + sweep.objective + " " +
               api::ScalarText(objectives[*best]).value_or(objectives[*best].dump()) + "); " + summary);
  }

  // `seed render`: every item's first pod (one placeholder pod when the items are known only at
  // run time).
  void Preview(const std::string& name) {
    const auto& task = TaskSpec(name);
    if (!task.FansOut()) {
      Launch(Unit{name}, 1);
      return;
    }
    json list = task.with_items ? *task.with_items
                : task.sweep    ? SweepTrials(*task.sweep)
                                : json::array({"{{item}}"});
    item_values_[name] = list;
    items_[name].assign(list.size(), TaskStatus{});
    for (size_t i = 0; i < list.size(); ++i) Launch(Unit{name, static_cast<int64_t>(i)}, 1);
  }

  void StopStragglers() {
    for (const auto& [task, attempts] : in_.observed) {
      for (const auto& attempt : attempts) {
        if (IsLive(attempt)) plan_.remove.push_back({task, attempt.attempt, "Cancelled"});
      }
    }
  }

  void SetDuration() {
    auto& status = plan_.status;
    if (!status.completion_time || !status.start_time) return;
    long long seconds_total = std::max<long long>(0, (*status.completion_time - *status.start_time).count());
    std::string text;
    if (seconds_total >= 3600) text += std::to_string(seconds_total / 3600) + "h";
    if (seconds_total >= 60) text += std::to_string(seconds_total % 3600 / 60) + "m";
    text += std::to_string(seconds_total % 60) + "s";
    status.duration = text;
  }

  void FailRun(const std::string& reason, const api::ValidationErrors& errors) {
    auto& status = plan_.status;
    std::string message;
    for (const auto& error : errors) message += (message.empty() ? "" : "; ") + api::FormatError(error);
    status.phase = api::RunPhase::kFailed;
    status.completion_time = in_.now;
    status.message = Truncate(message, 2000);
    for (auto& [name, task] : status.tasks) {
      if (!api::IsTerminal(task.phase)) {
        task.phase = TaskPhase::kOmitted;
        task.reason = reason;
      }
    }
    status.progress = std::to_string(status.tasks.size()) + "/" + std::to_string(status.tasks.size());
    api::SetCondition(&status.conditions,
                      {"Succeeded", "False", reason, status.message, in_.now, in_.run.metadata.generation});
  }

  void ResolveScope(api::ValidationErrors* errors) {
    time_zone_ = in_.options.time_zone;
    if (time_zone_.empty() && spec_.schedule) time_zone_ = spec_.schedule->time_zone;
    if (!time_zone_.empty()) {
      try {
        scope_.zone = date::locate_zone(time_zone_);
      } catch (const std::exception&) {
        errors->push_back({"spec.schedule.timeZone", "unknown time zone \"" + time_zone_ + "\""});
      }
    }
    scope_.run_name = in_.run.metadata.name;
    scope_.run_namespace = in_.run.metadata.namespace_;
    scope_.workspace = in_.options.workspace_root;
    // A resumed run runs with the params and scheduled time of the run it resumed.
    const auto& resumed = plan_.status.resumed_from;
    const auto& run_params = resumed ? resumed->params : in_.run.spec.params;
    scheduled_time_ = resumed && resumed->scheduled_time
                          ? *resumed->scheduled_time
                          : RunScheduledTime(in_.run, plan_.status.start_time.value_or(in_.now));
    scope_.scheduled_time = scheduled_time_;
    auto params = ResolveRunParams(spec_, run_params, "spec.params", errors);
    for (const auto& [name, value] : params) {
      ExpressionScope run_scope = scope_;  // run params may use {{run.*}} and {{workspace}}
      Substitution substituted = Substitute(value, run_scope);
      if (!substituted.error.empty()) {
        errors->push_back({"spec.params." + name, substituted.error});
        continue;
      }
      const api::ParamSpec* param = spec_.FindParam(name);
      if (param && value.find("{{") != std::string::npos) {
        if (auto problem = api::CheckParamValue(*param, substituted.value)) {
          errors->push_back({"spec.params." + name, *problem});
        }
      }
      scope_.pipeline_params[name] = substituted.value;
    }
    // A run's value that reaches a typed template param fails the run now, before any task starts.
    std::map<std::string, std::string> given;
    for (const auto& [name, unused] : run_params) {
      auto found = scope_.pipeline_params.find(name);
      if (found != scope_.pipeline_params.end()) given[name] = found->second;
    }
    CheckParamsReachingTemplates(spec_, in_.snapshot.templates, given, "spec.params", errors);
    for (const auto& task : spec_.tasks) {
      if (errors->empty() && !in_.snapshot.templates.count(task.template_ref)) {
        errors->push_back({"spec.pipelineRef", "task " + task.name + ": JobTemplate \"" + task.template_ref +
                                                   "\" is missing from the snapshot"});
      }
    }
  }

  // Folds what was observed of the current attempt into the task's (or its items') status.
  void Observe(const std::string& name) {
    auto items = items_.find(name);
    if (items == items_.end()) {
      ObserveUnit(Unit{name});
      return;
    }
    for (size_t i = 0; i < items->second.size(); ++i) ObserveUnit(Unit{name, static_cast<int64_t>(i)});
  }

  void ObserveUnit(const Unit& unit) {
    const std::string& name = unit.task;
    TaskStatus& ts = Status(unit);
    const auto& task = TaskSpec(name);
    const auto& tmpl = Template(name);
    bool cancel = in_.run.spec.cancel && !task.is_finally;
    auto timeout = EffectiveTimeout(task, tmpl);
    auto deadline = [&]() -> std::optional<Seconds> {
      if (!timeout || !ts.start_time) return std::nullopt;
      return TimeoutDue(*ts.start_time, *timeout);
    };
    switch (ts.phase) {
      case TaskPhase::kPending:
        if (cancel)
          Finish(ts, TaskPhase::kCancelled, "Cancelled", "the run was cancelled before the task started");
        return;
      case TaskPhase::kRetrying:
        if (cancel) {
          Finish(ts, TaskPhase::kCancelled, "Cancelled", "the run was cancelled while waiting to retry");
        } else if (deadline() && *deadline() <= in_.now) {
          Finish(ts, TaskPhase::kFailed, "Timeout",
                 "timeoutSeconds (" + std::to_string(*timeout) + ") passed before the next attempt");
        } else if (ts.next_retry_time && *ts.next_retry_time > in_.now) {
          Requeue(*ts.next_retry_time);
        } else {
          retry_due_.insert(unit);
        }
        return;
      case TaskPhase::kRunning:
        break;
      default:
        return;
    }
    const ObservedAttempt* attempt = attempts_.Find(unit, ts.attempt);
    if (cancel) {
      if (!attempt || IsLive(*attempt)) plan_.remove.push_back({name, ts.attempt, "Cancelled", unit.item});
      if (!attempt || IsLive(*attempt)) {
        Finish(ts, TaskPhase::kCancelled, "Cancelled", "the run was cancelled");
        return;
      }
    }
    if (!attempt || IsLive(*attempt)) {
      if (deadline() && *deadline() <= in_.now) {
        plan_.remove.push_back({name, ts.attempt, "Timeout", unit.item});
        Finish(ts, TaskPhase::kFailed, "Timeout",
               "exceeded timeoutSeconds (" + std::to_string(*timeout) + ")");
        return;
      }
      if (!attempt) recreate_.insert(unit);  // not visible yet (or lost): creating again is idempotent
      ++running_;
      if (deadline()) Requeue(*deadline());
      return;
    }
    ts.exit_code = attempt->exit_code;
    if (attempt->state == State::kSucceeded) {
      ReadOutputs(unit, ts, tmpl, *attempt);
      return;
    }
    // Failed attempt.
    std::string detail =
        attempt->exit_code ? "exit code " + std::to_string(*attempt->exit_code) : "no exit code";
    if (!attempt->reason.empty()) detail += " (" + attempt->reason + ")";
    if (!attempt->message.empty()) {
      detail += ": " + attempt->message;
    } else if (std::string line = FailureLine(attempt->results); !line.empty()) {
      detail += ": " + line;
    }
    bool timed_out = attempt->reason == "DeadlineExceeded" || (deadline() && *deadline() <= in_.now);
    if (timed_out) {
      Finish(ts, TaskPhase::kFailed, "Timeout",
             "exceeded timeoutSeconds (" + std::to_string(timeout.value_or(0)) + "); attempt " +
                 std::to_string(ts.attempt) + ": " + detail);
      ts.completion_time = attempt->finish_time.value_or(in_.now);
      return;
    }
    auto retry_on = task.retry_on ? task.retry_on : tmpl.retry_on;
    int64_t retries = Retries(task, tmpl);
    if (cancel) {
      Finish(ts, TaskPhase::kCancelled, "Cancelled", "the run was cancelled; last attempt: " + detail);
      return;
    }
    if (ts.attempt <= retries && IsRetryableExit(attempt->exit_code, retry_on)) {
      Seconds failed_at = attempt->finish_time.value_or(in_.now);
      ts.phase = TaskPhase::kRetrying;
      ts.reason = "Retrying";
      ts.next_retry_time = failed_at + RetryDelay(ts.attempt, in_.options.backoff);
      ts.message = Truncate("attempt " + std::to_string(ts.attempt) + " of " + std::to_string(retries + 1) +
                            " failed: " + detail);
      if (*ts.next_retry_time > in_.now) {
        Requeue(*ts.next_retry_time);
      } else {
        retry_due_.insert(unit);
      }
      return;
    }
    std::string why = ts.attempt > retries
                          ? (retries > 0 ? " (after " + std::to_string(retries + 1) + " attempts)" : "")
                          : " (not retried: exit code not in retryOn)";
    if (ts.attempt <= retries && !retry_on && attempt->exit_code == 2)
      why = " (not retried: exit code 2 means bad input)";
    // The detail comes first so that it survives truncation.
    Finish(ts, TaskPhase::kFailed, "", detail + why);
    ts.completion_time = attempt->finish_time.value_or(in_.now);
  }

  void ReadOutputs(const Unit& unit, TaskStatus& ts, const api::JobTemplateSpec& tmpl,
                   const ObservedAttempt& attempt) {
    json results = json::object();
    bool wants_values = std::any_of(tmpl.outputs.begin(), tmpl.outputs.end(),
                                    [](const auto& o) { return o.kind == api::OutputKind::kValue; });
    if (!attempt.results.empty()) {
      results = json::parse(attempt.results, nullptr, false);
      if (!results.is_object()) {
        if (wants_values) {
          Finish(ts, TaskPhase::kFailed, "OutputMissing", "the results file is not a JSON object");
          ts.completion_time = attempt.finish_time.value_or(in_.now);
          return;
        }
        results = json::object();
      }
    }
    ts.outputs.clear();
    for (const auto& output : tmpl.outputs) {
      if (output.kind != api::OutputKind::kValue) continue;
      if (!results.contains(output.name)) {
        Finish(ts, TaskPhase::kFailed, "OutputMissing",
               "the task succeeded but did not report the value output \"" + output.name +
                   "\" in $SEED_RESULTS_FILE");
        ts.completion_time = attempt.finish_time.value_or(in_.now);
        return;
      }
      const json& value = results[output.name];
      if (unit.item >= 0) {
        // An item's value joins the task's list as reported (a number stays a number).
        std::string text = value.dump();
        SetItemOutput(unit.task, unit.item, output.name,
                      text.size() <= kMaxOutputValue ? value : json(Truncate(text, kMaxOutputValue)));
        continue;
      }
      if (value.is_array()) {  // a list another task may fan out over: kept whole or refused
        std::string text = value.dump();
        if (text.size() > kMaxListOutput) {
          Finish(ts, TaskPhase::kFailed, "OutputTooLarge",
                 "the value output \"" + output.name + "\" is a list of " + std::to_string(text.size()) +
                     " bytes; a list output may have at most " + std::to_string(kMaxListOutput) +
                     " (the run's status holds it): report fewer or shorter items");
          ts.completion_time = attempt.finish_time.value_or(in_.now);
          return;
        }
        ts.outputs[output.name] = text;
        continue;
      }
      ts.outputs[output.name] = Truncate(api::ScalarText(value).value_or(value.dump()), kMaxOutputValue);
    }
    Finish(ts, TaskPhase::kSucceeded, "", "");
    ts.exit_code = 0;
    ts.completion_time = attempt.finish_time.value_or(in_.now);
  }

  void Finish(TaskStatus& ts, TaskPhase phase, const std::string& reason, const std::string& message) {
    ts.phase = phase;
    ts.reason = reason;
    ts.message = Truncate(message);
    ts.next_retry_time.reset();
    ts.completion_time = in_.now;
  }

  void Requeue(Seconds at) {
    if (!plan_.requeue_at || at < *plan_.requeue_at) plan_.requeue_at = at;
  }

  // The directory of a unit's artifacts under the run: <task>, or <task>/<item> for an item.
  static std::string ItemDir(const Unit& unit) {
    return unit.item < 0 ? unit.task : unit.task + "/" + std::to_string(unit.item);
  }

  // The run whose pod made a task's (or an item's) outputs: this run, or the one it was reused
  // from (spec.resumeFrom), whose directory in the shared workspace holds its artifacts.
  const std::string& Origin(const TaskStatus& ts, int64_t item = -1) const {
    if (item >= 0 && ts.items) {
      auto found = ts.items->reused_from.find(item);
      if (found != ts.items->reused_from.end()) return found->second;
    }
    return ts.reused_from.empty() ? scope_.run_name : ts.reused_from;
  }

  bool SlotFree() const { return spec_.parallelism == 0 || running_ < spec_.parallelism; }

  // The scope of a task's own expressions (params, when): finished tasks' outputs.
  ExpressionScope TaskScope() {
    ExpressionScope scope = scope_;
    scope.keep_unresolved_task_outputs = in_.options.preview;
    if (!in_.options.preview && MainTasksEnded()) {
      scope.run_status = MainOutcome();
      scope.run_failures = MainFailures().dump();
    } else if (in_.options.preview) {
      scope.run_status = "{{run.status}}";
      scope.run_failures = "{{run.failures}}";
    }
    for (const auto& task : spec_.tasks) {
      const TaskStatus& ts = Status(task.name);
      if (in_.options.preview) {
        for (const auto& output : in_.snapshot.templates.at(task.template_ref).outputs) {
          if (output.kind == api::OutputKind::kArtifact) {
            scope.task_outputs[task.name][output.name] =
                ArtifactPath(scope_.workspace, scope_.run_name, task.name, output.FileName());
          }
        }
        continue;
      }
      // A fan-out that ended Skipped (no items, or `when` false for all) still has outputs: lists.
      bool fanned_out = task.FansOut() && ts.items.has_value();
      // A failed task that lets the run go on has no outputs: its readers are skipped, as a skipped task's.
      bool failed_on = ts.phase == TaskPhase::kFailed && task.continue_on_failed;
      if ((ts.phase == TaskPhase::kSkipped && !fanned_out) || failed_on) {
        scope.skipped_tasks.insert(task.name);
        continue;
      }
      if (ts.phase != TaskPhase::kSucceeded && ts.phase != TaskPhase::kSkipped) continue;
      auto& outputs = scope.task_outputs[task.name];
      for (const auto& output : in_.snapshot.templates.at(task.template_ref).outputs) {
        if (output.kind != api::OutputKind::kArtifact) continue;
        if (!fanned_out) {
          outputs[output.name] = ArtifactPath(scope_.workspace, Origin(ts), task.name, output.FileName());
          continue;
        }
        if (task.sweep) {  // the best trial's file
          auto best = ts.outputs.find("best_trial");
          if (best == ts.outputs.end()) continue;
          int64_t trial = std::stoll(best->second);
          outputs[output.name] = ArtifactPath(scope_.workspace, Origin(ts, trial),
                                              ItemDir(Unit{task.name, trial}), output.FileName());
          continue;
        }
        json paths = json::array();
        for (size_t i = 0; i < ts.items->phases.size(); ++i) {
          paths.push_back(ArtifactPath(scope_.workspace, Origin(ts, int64_t(i)),
                                       ItemDir(Unit{task.name, int64_t(i)}), output.FileName()));
        }
        outputs[output.name] = paths.dump();
      }
      for (const auto& [key, value] : ts.outputs) outputs[key] = value;
    }
    return scope;
  }

  void StartIfReady(const std::string& name) {
    const auto& task = TaskSpec(name);
    if (!task.FansOut()) {
      StartUnitIfReady(Unit{name});
      return;
    }
    TaskStatus& ts = Status(name);
    if (ts.phase == TaskPhase::kPending) {
      if (!DependenciesDone(name, ts)) return;
      std::string error;
      auto list = ResolveItems(task, &error);
      if (!list) {
        Finish(ts, TaskPhase::kFailed, "InvalidItems", error);
        return;
      }
      ts.items = api::FanOutStatus{};
      if (list->empty()) {
        ts.outputs.clear();
        for (const auto& output : Template(name).outputs) {
          if (output.kind == api::OutputKind::kValue) ts.outputs[output.name] = "[]";
        }
        Finish(ts, TaskPhase::kSkipped, "NoItems", "withParam gave an empty list: nothing to run");
        return;
      }
      item_values_[name] = *list;
      items_[name].assign(list->size(), TaskStatus{});
      ts.phase = TaskPhase::kRunning;
      ts.start_time = in_.now;
      ts.reason.clear();
    }
    auto items = items_.find(name);
    if (ts.phase != TaskPhase::kRunning || items == items_.end()) return;
    for (size_t i = 0; i < items->second.size(); ++i) StartUnitIfReady(Unit{name, static_cast<int64_t>(i)});
    Settle(name);
  }

  // Whether every dependency ended so that the task may start; settles it as Omitted when one
  // failed or did not run.
  bool DependenciesDone(const std::string& name, TaskStatus& ts) {
    const auto& task = TaskSpec(name);
    if (task.is_finally && !MainTasksEnded()) return false;
    if (task.condition) {
      for (const auto& dep : task.dependencies) {
        if (!api::IsTerminal(Status(dep).phase)) return false;  // the condition needs every outcome
      }
      if (!EvaluateDepends(*task.condition, plan_.status.tasks)) {
        Finish(ts, TaskPhase::kOmitted, "DependsFalse",
               "not run: depends \"" + api::FormatDepends(*task.condition) + "\" is false (" +
                   DescribeDependsTasks(*task.condition, plan_.status.tasks) + ")");
        return false;
      }
    }
    for (const auto& dep : task.dependencies) {
      const TaskStatus& dep_status = Status(dep);
      bool named = std::find(task.depends_on.begin(), task.depends_on.end(), dep) != task.depends_on.end();
      if (task.condition && named) continue;  // its outcome was the condition's to judge
      if (dep_status.phase == TaskPhase::kFailed && TaskSpec(dep).continue_on_failed) continue;
      if (dep_status.phase == TaskPhase::kFailed || dep_status.phase == TaskPhase::kOmitted ||
          dep_status.phase == TaskPhase::kCancelled) {
        Finish(ts, TaskPhase::kOmitted, "UpstreamFailed",
               "not run: dependency \"" + dep + "\" " +
                   (dep_status.phase == TaskPhase::kFailed ? "failed" : "did not run"));
        return false;
      }
    }
    for (const auto& dep : task.dependencies) {
      auto phase = Status(dep).phase;
      if (!api::IsTerminal(phase)) return false;  // still waiting
    }
    return true;
  }

  bool MainTasksEnded() {
    for (const auto& task : spec_.tasks) {
      if (!task.is_finally && !api::IsTerminal(Status(task.name).phase)) return false;
    }
    return true;
  }

  // A failed main task fails the run unless it has continueOn: failed.
  bool MainTasksFailed() {
    for (const auto& task : spec_.tasks) {
      if (!task.is_finally && Status(task.name).phase == TaskPhase::kFailed && !task.continue_on_failed)
        return true;
    }
    return false;
  }

  // The main tasks' outcome, as {{run.status}} gives it to finally tasks.
  std::string MainOutcome() {
    if (in_.run.spec.cancel) return "Cancelled";
    return MainTasksFailed() ? "Failed" : "Succeeded";
  }

  // {{run.failures}}: every failed main task (and listed failed item) with its reason and message.
  json MainFailures() {
    json failures = json::array();
    for (const auto& name : order_) {
      const auto& task = TaskSpec(name);
      const TaskStatus& ts = Status(name);
      if (task.is_finally || ts.phase != TaskPhase::kFailed) continue;
      if (!ts.items || ts.items->failures.empty()) {
        failures.push_back({{"task", name}, {"reason", ts.reason}, {"message", ts.message}});
        continue;
      }
      for (const auto& failure : ts.items->failures) {
        failures.push_back({{"task", name},
                            {"item", failure.item},
                            {"reason", failure.reason},
                            {"message", failure.message}});
      }
      size_t failed = std::count(ts.items->phases.begin(), ts.items->phases.end(), 'F');
      if (failed > ts.items->failures.size()) {
        failures.push_back({{"task", name},
                            {"reason", "MoreItemsFailed"},
                            {"message", std::to_string(failed - ts.items->failures.size()) +
                                            " more failed items are not listed"}});
      }
    }
    return failures;
  }

  // A finally task of a cancelled run without a timeout of its own gets this much: cancelling
  // must end (the pods of a cluster get their grace period too).
  static constexpr int64_t kFinallyAfterCancelTimeout = 600;

  std::optional<int64_t> EffectiveTimeout(const api::PipelineTask& task, const api::JobTemplateSpec& tmpl) {
    auto timeout = Timeout(task, tmpl);
    if (!timeout && task.is_finally && in_.run.spec.cancel) return kFinallyAfterCancelTimeout;
    return timeout;
  }

  void StartUnitIfReady(const Unit& unit) {
    const std::string& name = unit.task;
    TaskStatus& ts = Status(unit);
    bool retry = retry_due_.count(unit) > 0;
    bool recreate = recreate_.count(unit) > 0;
    if (recreate) {
      Launch(unit, ts.attempt);
      return;
    }
    if (!retry && ts.phase != TaskPhase::kPending) return;
    if (!retry && unit.item < 0) {
      if (!DependenciesDone(name, ts)) return;
    }
    if (!SlotFree()) {
      if (ts.phase == TaskPhase::kPending && unit.item < 0)
        ts.message = "waiting for a free slot (parallelism " + std::to_string(spec_.parallelism) + ")";
      return;
    }
    Launch(unit, retry ? ts.attempt + 1 : 1);
  }

  // Resolves params, `when` and argv; either launches the attempt or settles the task.
  void Launch(const Unit& unit, int64_t attempt_number) {
    const std::string& name = unit.task;
    TaskStatus& ts = Status(unit);
    const auto& task = TaskSpec(name);
    const auto& tmpl = Template(name);
    ExpressionScope scope = TaskScope();
    if (unit.item >= 0) {
      scope.item = item_values_.at(name).at(unit.item);
      scope.keep_unresolved_items = in_.options.preview && !task.with_items;
    }
    std::map<std::string, std::string> params;
    std::set<std::string> skipped;
    std::vector<std::string> problems;
    for (const auto& param : tmpl.params) {
      auto given = task.params.find(param.name);
      std::string value;
      if (task.sweep && unit.item >= 0 && task.sweep->params.count(param.name)) {
        const json& tried = (*scope.item)[param.name];  // this trial's value
        value = api::ScalarText(tried).value_or(tried.dump());
        if (auto problem = api::CheckParamValue(param, value))
          problems.push_back("param " + param.name + ": " + *problem);
        params[param.name] = value;
        continue;
      } else if (given != task.params.end()) {
        Substitution substitution = Substitute(given->second, scope);
        skipped.insert(substitution.skipped_tasks.begin(), substitution.skipped_tasks.end());
        if (!substitution.error.empty()) {
          problems.push_back("param " + param.name + ": " + substitution.error);
          continue;
        }
        value = substitution.value;
      } else if (param.default_value) {
        value = *param.default_value;
      } else if (param.required) {
        problems.push_back("missing required param " + param.name);
        continue;
      }
      bool placeholder = in_.options.preview && value.find("{{") != std::string::npos;
      if ((given != task.params.end() || param.default_value) && !placeholder) {
        if (auto problem = api::CheckParamValue(param, value))
          problems.push_back("param " + param.name + ": " + *problem);
      }
      params[param.name] = value;
    }
    WhenResult when;
    if (!task.when.empty() && !in_.options.preview) {
      when = EvaluateWhen(task.when, scope);
      skipped.insert(when.skipped_tasks.begin(), when.skipped_tasks.end());
    }
    if (!skipped.empty()) {
      Finish(ts, TaskPhase::kSkipped, "UpstreamSkipped",
             "skipped: uses the outputs of skipped task \"" + *skipped.begin() + "\"");
      return;
    }
    if (!when.error.empty()) {
      Finish(ts, TaskPhase::kFailed, "InvalidWhen", "when: " + when.error);
      return;
    }
    if (!task.when.empty() && !in_.options.preview && !when.value) {
      Finish(ts, TaskPhase::kSkipped, "WhenFalse", "when was false: " + when.evaluated);
      return;
    }
    // Template argv: its params, its artifact outputs, the run and the workspace.
    ExpressionScope argv_scope = scope_;
    argv_scope.params = params;
    for (const auto& output : tmpl.outputs) {
      if (output.kind == api::OutputKind::kArtifact) {
        argv_scope.outputs[output.name] =
            ArtifactPath(scope_.workspace, scope_.run_name, ItemDir(unit), output.FileName());
      }
    }
    TaskLaunch launch;
    launch.task = name;
    launch.item = unit.item;
    launch.attempt = attempt_number;
    launch.spec = tmpl;
    launch.params = params;
    launch.scheduled_time = scheduled_time_;
    auto substitute_all = [&](std::vector<std::string>* argv, const char* field) {
      for (auto& arg : *argv) {
        Substitution substitution = Substitute(arg, argv_scope);
        if (!substitution.error.empty()) problems.push_back(std::string(field) + ": " + substitution.error);
        arg = substitution.value;
      }
    };
    substitute_all(&launch.spec.command, "command");
    substitute_all(&launch.spec.args, "args");
    if (!problems.empty()) {
      std::string message;
      for (const auto& problem : problems) message += (message.empty() ? "" : "; ") + problem;
      Finish(ts, TaskPhase::kFailed, "InvalidParams", message);
      return;
    }
    launch.spec.retries = Retries(task, tmpl);
    launch.spec.timeout_seconds = EffectiveTimeout(task, tmpl);
    if (task.retry_on) launch.spec.retry_on = task.retry_on;
    if (!ts.start_time || ts.attempt == 0) ts.start_time = in_.now;
    if (launch.spec.timeout_seconds) {
      // The kubelet counts activeDeadlineSeconds from the pod's own start, never early; a later
      // attempt gets what is left of the task's timeout, rounded up.
      Seconds due = TimeoutDue(*ts.start_time, *launch.spec.timeout_seconds);
      auto remaining = *ts.start_time == in_.now ? seconds(*launch.spec.timeout_seconds) : due - in_.now;
      launch.active_deadline_seconds = std::max<int64_t>(1, remaining.count());
      Requeue(due);
    }
    bool already_counted = ts.phase == TaskPhase::kRunning;
    ts.phase = TaskPhase::kRunning;
    ts.attempt = attempt_number;
    ts.reason.clear();
    ts.message.clear();
    ts.next_retry_time.reset();
    ts.completion_time.reset();
    ts.exit_code.reset();
    if (!already_counted) ++running_;
    plan_.create.push_back(std::move(launch));
  }

  // The run's phase comes from its main tasks; finally tasks only keep it running until they end,
  // and a failed finally task is reported beside the main outcome, never instead of it.
  void Summarize() {
    auto& status = plan_.status;
    size_t done = 0;
    for (const auto& [name, ts] : status.tasks) {
      if (api::IsTerminal(ts.phase)) ++done;
    }
    status.progress = std::to_string(done) + "/" + std::to_string(status.tasks.size());
    std::string finally_failed;
    for (const auto& name : order_) {
      const TaskStatus& ts = status.tasks[name];
      if (!TaskSpec(name).is_finally || ts.phase != TaskPhase::kFailed) continue;
      finally_failed += (finally_failed.empty() ? "" : ", ") + name;
      if (!ts.message.empty()) finally_failed += " (" + ts.message + ")";
    }
    if (in_.run.spec.cancel) {
      if (done < status.tasks.size()) {  // only finally tasks are left
        status.phase = api::RunPhase::kRunning;
        status.message = "cancelled; running the finally tasks";
        api::SetCondition(&status.conditions, {"Succeeded", "Unknown", "Cancelling", status.message, in_.now,
                                               in_.run.metadata.generation});
        return;
      }
      status.phase = api::RunPhase::kCancelled;
      status.completion_time = in_.now;
      status.message = "cancelled";
      if (!finally_failed.empty())
        status.message = Truncate("cancelled; failed finally tasks: " + finally_failed, 2000);
      api::SetCondition(&status.conditions, {"Succeeded", "False", "Cancelled", "spec.cancel was set",
                                             in_.now, in_.run.metadata.generation});
      plan_.requeue_at.reset();
      return;
    }
    if (done < status.tasks.size()) {
      status.phase = api::RunPhase::kRunning;
      api::SetCondition(&status.conditions,
                        {"Succeeded", "Unknown", "Running", status.progress + " tasks done", in_.now,
                         in_.run.metadata.generation});
      return;
    }
    status.completion_time = in_.now;
    plan_.requeue_at.reset();
    std::string finally_note = finally_failed.empty() ? "" : "; failed finally tasks: " + finally_failed;
    if (MainTasksFailed()) {
      std::vector<std::string> names;
      for (const auto& name : order_) {
        const auto& task = TaskSpec(name);
        if (!task.is_finally && !task.continue_on_failed && status.tasks[name].phase == TaskPhase::kFailed)
          names.push_back(name);
      }
      // Each failed task with its own message (its exit code and error line), so the run's status
      // says why without a look at the task.
      std::string list;
      for (const auto& name : names) {
        list += (list.empty() ? "" : ", ") + name;
        if (!status.tasks[name].message.empty()) list += " (" + status.tasks[name].message + ")";
      }
      status.phase = api::RunPhase::kFailed;
      status.message = Truncate("failed tasks: " + list + finally_note, 2000);
      api::SetCondition(&status.conditions, {"Succeeded", "False", "TasksFailed", status.message, in_.now,
                                             in_.run.metadata.generation});
    } else {
      status.phase = api::RunPhase::kSucceeded;
      status.message = Truncate(finally_note.empty() ? "" : finally_note.substr(2), 2000);
      api::SetCondition(&status.conditions,
                        {"Succeeded", "True", "Succeeded",
                         finally_note.empty() ? "all tasks finished" : "all tasks finished" + finally_note,
                         in_.now, in_.run.metadata.generation});
    }
  }

  const PlanInput& in_;
  const api::PipelineSpec& spec_;
  AttemptIndex attempts_;
  Plan plan_;
  ExpressionScope scope_;
  std::string time_zone_;
  Seconds scheduled_time_;
  std::vector<std::string> order_;
  std::set<Unit> retry_due_;
  std::set<Unit> recreate_;
  // Fanned-out tasks while they run: one status per item, the items, and the items' value outputs.
  std::map<std::string, std::vector<TaskStatus>> items_;
  std::map<std::string, json> item_values_;
  std::map<std::string, std::map<std::string, json>> item_outputs_;  // task -> output -> list by item
  int64_t running_ = 0;
};

}  // namespace

Plan PlanRun(const PlanInput& input) { return Planner(input).Run(); }

std::string FailureLine(const std::string& termination_message) {
  json results = json::parse(termination_message, nullptr, false);
  if (results.is_object()) {  // a results file written before failing: its "error", if any
    auto error = results.find("error");
    return error != results.end() && error->is_string() ? Truncate(error->get<std::string>(), 300) : "";
  }
  // The log's tail (FallbackToLogsOnError): its last non-blank line.
  size_t end = termination_message.find_last_not_of(" \t\r\n");
  if (end == std::string::npos) return "";
  size_t start = termination_message.find_last_of('\n', end);
  start = start == std::string::npos ? 0 : start + 1;
  return Truncate(termination_message.substr(start, end - start + 1), 300);
}

std::string ArtifactPath(const std::string& root, const std::string& run, const std::string& task,
                         const std::string& file) {
  return root + "/" + run + "/" + task + "/" + file;
}

Seconds RunScheduledTime(const api::PipelineRun& run, Seconds fallback) {
  if (run.spec.scheduled_time) return *run.spec.scheduled_time;
  if (run.metadata.creation_timestamp) return *run.metadata.creation_timestamp;
  return fallback;
}

std::vector<std::string> TopologicalOrder(const api::PipelineSpec& spec) {
  std::vector<std::string> order;
  std::set<std::string> placed;
  size_t main_tasks =
      std::count_if(spec.tasks.begin(), spec.tasks.end(), [](const auto& t) { return !t.is_finally; });
  // Repeatedly take the first task (in declaration order) whose dependencies are placed, finally
  // tasks after every main task: stable and O(n^2), which is nothing at the sizes a pipeline has.
  while (order.size() < spec.tasks.size()) {
    bool progressed = false;
    for (const auto& task : spec.tasks) {
      if (placed.count(task.name)) continue;
      if (task.is_finally && order.size() < main_tasks) continue;
      bool ready = std::all_of(task.dependencies.begin(), task.dependencies.end(),
                               [&](const std::string& dep) { return placed.count(dep) > 0; });
      if (!ready) continue;
      order.push_back(task.name);
      placed.insert(task.name);
      progressed = true;
      break;
    }
    if (!progressed) break;  // a cycle; validation reports it
  }
  return order;
}

}  // namespace seed::engine
