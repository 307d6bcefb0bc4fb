#pragma once
// `when` conditions: a small boolean language evaluated after substitution.
//   operand:    {{expression}}, 'quoted', "quoted", or a bare word/number (may mix text and {{...}})
//   comparison: operand (== | != | < | <= | > | >=) operand  (numeric when both sides are numbers)
//   a lone operand must be true or false; combine with !, &&, || and parentheses.
#include <string>
#include <vector>

#include "engine/expression.h"

namespace seed::engine {

struct WhenResult {
  bool value = true;
  std::string error;                       // syntax or substitution problem
  std::vector<std::string> skipped_tasks;  // outputs of skipped tasks referenced
  std::string evaluated;                   // the condition after substitution, for messages
};

WhenResult EvaluateWhen(const std::string& condition, const ExpressionScope& scope);
// Syntax only (no substitution): "" when it parses.
std::string CheckWhenSyntax(const std::string& condition);

}  // namespace seed::engine
