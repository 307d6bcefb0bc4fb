#pragma once
// Evaluates a task's status-conditioned dependencies (api/depends_expression.h) once every task it
// names has ended.
#include <map>
#include <string>

#include "api/depends_expression.h"
#include "api/pipelinerun.h"

namespace seed::engine {

// True when the condition holds for the tasks' current statuses. A task missing from `tasks`
// reads as Pending (no state holds for it).
bool EvaluateDepends(const api::DependsExpression& expression,
                     const std::map<std::string, api::TaskStatus>& tasks);
// "train Failed, evaluate Skipped": the states of the tasks an expression names, for messages.
std::string DescribeDependsTasks(const api::DependsExpression& expression,
                                 const std::map<std::string, api::TaskStatus>& tasks);

}  // namespace seed::engine
