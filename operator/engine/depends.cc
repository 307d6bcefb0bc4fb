#include "engine/depends.h"

#include <algorithm>
#include <vector>

namespace seed::engine {
namespace {

using api::DependsExpression;
using api::TaskPhase;

bool Term(const DependsExpression& term, const std::map<std::string, api::TaskStatus>& tasks) {
  auto found = tasks.find(term.task);
  if (found == tasks.end()) return false;
  const api::TaskStatus& ts = found->second;
  const std::string& state = term.state;
  if (state.empty()) return ts.phase == TaskPhase::kSucceeded || ts.phase == TaskPhase::kSkipped;
  if (state == "AnySucceeded") {
    if (!ts.items) return ts.phase == TaskPhase::kSucceeded;
    return ts.items->phases.find(api::ItemPhaseLetter(TaskPhase::kSucceeded)) != std::string::npos;
  }
  if (state == "AllFailed") {
    if (!ts.items) return ts.phase == TaskPhase::kFailed;
    const std::string& phases = ts.items->phases;
    return !phases.empty() && std::all_of(phases.begin(), phases.end(), [](char letter) {
      return letter == api::ItemPhaseLetter(TaskPhase::kFailed);
    });
  }
  auto phase = api::ParseTaskPhase(state);
  return phase && ts.phase == *phase;
}

void CollectTasks(const DependsExpression& expression, std::vector<std::string>* names) {
  if (expression.kind == DependsExpression::Kind::kTerm) {
    if (std::find(names->begin(), names->end(), expression.task) == names->end())
      names->push_back(expression.task);
    return;
  }
  for (const auto& operand : expression.operands) CollectTasks(operand, names);
}

}  // namespace

bool EvaluateDepends(const DependsExpression& expression,
                     const std::map<std::string, api::TaskStatus>& tasks) {
  switch (expression.kind) {
    case DependsExpression::Kind::kTerm:
      return Term(expression, tasks);
    case DependsExpression::Kind::kNot:
      return !EvaluateDepends(expression.operands.front(), tasks);
    case DependsExpression::Kind::kAnd:
      return std::all_of(expression.operands.begin(), expression.operands.end(),
                         [&](const auto& operand) { return EvaluateDepends(operand, tasks); });
    case DependsExpression::Kind::kOr:
      return std::any_of(expression.operands.begin(), expression.operands.end(),
                         [&](const auto& operand) { return EvaluateDepends(operand, tasks); });
  }
  return false;
}

std::string DescribeDependsTasks(const DependsExpression& expression,
                                 const std::map<std::string, api::TaskStatus>& tasks) {
  std::vector<std::string> names;
  CollectTasks(expression, &names);
  std::string text;
  for (const auto& name : names) {
    auto found = tasks.find(name);
    text += (text.empty() ? "" : ", ") + name + " " +
            api::TaskPhaseName(found == tasks.end() ? TaskPhase::kPending : found->second.phase);
  }
  return text;
}

}  // namespace seed::engine
