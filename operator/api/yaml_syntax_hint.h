#pragma once
// The cause of a YAML syntax error, where the parser's own report comes a line late or names no
// cause: a tab in the indentation ("illegal map value"), a flow collection never closed or closed
// by the wrong bracket ("end of map flow not found", reported where the parser gave up), a quoted
// scalar never closed, a key without its ': ' (reported on the next line). Only called once the
// parser has failed at `error_line`; a text without such a cause gives nullopt and the parser's
// report stands.
#include <optional>
#include <string>
#include <string_view>

namespace seed::api {

struct YamlSyntaxHint {
  int line = 0;    // 1-based, where the cause is (the opening bracket, the tab)
  int column = 0;  // 1-based
  std::string message;
};

std::optional<YamlSyntaxHint> FindYamlSyntaxHint(std::string_view text, int error_line);

}  // namespace seed::api
