#pragma once
// The syntax of a task's status-conditioned dependencies (Argo's "enhanced depends"), e.g.
//   depends: "train.Failed || (train.Succeeded && !evaluate.Skipped)"
// A term is `task` or `task.State`; combine with !, &&, || and parentheses (! binds tightest, then
// &&, then ||). A bare `task` means `task.Succeeded || task.Skipped`, as a plain dependsOn entry.
// States: Succeeded, Failed, Skipped, Omitted, Cancelled, and for a fanned-out task AnySucceeded
// (at least one item succeeded) and AllFailed (every item failed). Parsing is part of the API
// (validation needs it); evaluation is in engine/depends.h.
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace seed::api {

struct DependsExpression {
  enum class Kind { kTerm, kNot, kAnd, kOr };
  Kind kind = Kind::kTerm;
  std::string task;                         // kTerm
  std::string state;                        // kTerm: one of kDependsStates, or "" for a bare task
  std::vector<DependsExpression> operands;  // kNot: one; kAnd / kOr: two or more
};

inline constexpr const char* kDependsStates[] = {"Succeeded", "Failed",       "Skipped",  "Omitted",
                                                 "Cancelled", "AnySucceeded", "AllFailed"};

struct ParsedDepends {
  DependsExpression expression;
  std::vector<std::string> tasks;  // every task named, in order of first appearance
  std::string error;               // empty when it parsed: what is wrong, at which column, and how to fix it
};

ParsedDepends ParseDepends(std::string_view text);
// The expression as text with minimal parentheses (for messages).
std::string FormatDepends(const DependsExpression& expression);

}  // namespace seed::api
