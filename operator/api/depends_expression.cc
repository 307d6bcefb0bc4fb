#include "api/depends_expression.h"

#include <algorithm>
#include <cctype>

namespace seed::api {
namespace {

class Parser {
 public:
  explicit Parser(std::string_view text) : text_(text) {}

  ParsedDepends Parse() {
    ParsedDepends parsed;
    SkipSpace();
    if (pos_ == text_.size()) {
      parsed.error = "is empty: write a condition such as \"train.Failed || train.Skipped\"";
      return parsed;
    }
    parsed.expression = Or();
    if (error_.empty() && pos_ < text_.size()) {
      char c = text_[pos_];
      Fail(c == '|' || c == '&' ? "a single \"" + std::string(1, c) + "\" is not an operator: use || or &&"
                                : "unexpected \"" + std::string(1, c) + "\"");
    }
    parsed.error = error_;
    parsed.tasks = tasks_;
    return parsed;
  }

 private:
  void SkipSpace() {
    while (pos_ < text_.size() && std::isspace(static_cast<unsigned char>(text_[pos_]))) ++pos_;
  }
  bool Accept(std::string_view token) {
    SkipSpace();
    if (text_.substr(pos_, token.size()) != token) return false;
    pos_ += token.size();
    return true;
  }
  void Fail(const std::string& what) {
    if (error_.empty()) error_ = what + " at column " + std::to_string(pos_ + 1);
  }

  DependsExpression Or() {
    DependsExpression left = And();
    if (!Peek("||")) return left;
    DependsExpression node{DependsExpression::Kind::kOr, "", "", {left}};
    while (error_.empty() && Accept("||")) node.operands.push_back(And());
    return node;
  }
  DependsExpression And() {
    DependsExpression left = Unary();
    if (!Peek("&&")) return left;
    DependsExpression node{DependsExpression::Kind::kAnd, "", "", {left}};
    while (error_.empty() && Accept("&&")) node.operands.push_back(Unary());
    return node;
  }
  bool Peek(std::string_view token) {
    SkipSpace();
    return error_.empty() && text_.substr(pos_, token.size()) == token;
  }
  DependsExpression Unary() {
    if (!error_.empty()) return {};
    if (Accept("!")) return {DependsExpression::Kind::kNot, "", "", {Unary()}};
    if (Accept("(")) {
      DependsExpression inner = Or();
      if (error_.empty() && !Accept(")")) Fail("missing \")\"");
      return inner;
    }
    return Term();
  }
  DependsExpression Term() {
    SkipSpace();
    size_t start = pos_;
    while (pos_ < text_.size() &&
           (std::islower(static_cast<unsigned char>(text_[pos_])) ||
            std::isdigit(static_cast<unsigned char>(text_[pos_])) || text_[pos_] == '-'))
      ++pos_;
    if (pos_ == start) {
      if (pos_ == text_.size()) {
        Fail("expected a task name after the operator but the text ended");
      } else if (text_.substr(pos_, 1) == "|" || text_.substr(pos_, 1) == "&") {
        Fail("a single \"" + std::string(1, text_[pos_]) + "\" is not an operator: use || or &&");
      } else {
        Fail("expected a task name (lower-case letters, digits and '-'), found \"" +
             std::string(1, text_[pos_]) + "\"");
      }
      return {};
    }
    DependsExpression term;
    term.task = std::string(text_.substr(start, pos_ - start));
    if (std::find(tasks_.begin(), tasks_.end(), term.task) == tasks_.end()) tasks_.push_back(term.task);
    if (pos_ < text_.size() && text_[pos_] == '.') {
      ++pos_;
      size_t state_start = pos_;
      while (pos_ < text_.size() && std::isalpha(static_cast<unsigned char>(text_[pos_]))) ++pos_;
      term.state = std::string(text_.substr(state_start, pos_ - state_start));
      bool known = std::any_of(std::begin(kDependsStates), std::end(kDependsStates),
                               [&](const char* state) { return term.state == state; });
      if (!known) {
        pos_ = state_start;
        std::string list;
        for (const char* state : kDependsStates) list += (list.empty() ? "" : ", ") + std::string(state);
        Fail("unknown state \"" + term.state + "\" of task " + term.task + " (use " + list + ")");
      }
    }
    return term;
  }

  std::string_view text_;
  size_t pos_ = 0;
  std::string error_;
  std::vector<std::string> tasks_;
};

std::string Format(const DependsExpression& e, int parent) {
  switch (e.kind) {
    case DependsExpression::Kind::kTerm:
      return e.state.empty() ? e.task : e.task + "." + e.state;
    case DependsExpression::Kind::kNot:
      return "!" + Format(e.operands.front(), 3);
    case DependsExpression::Kind::kAnd:
    case DependsExpression::Kind::kOr: {
      int own = e.kind == DependsExpression::Kind::kAnd ? 2 : 1;
      std::string text;
      for (const auto& operand : e.operands)
        text += (text.empty() ? "" : (own == 2 ? " && " : " || ")) + Format(operand, own);
      return own < parent ? "(" + text + ")" : text;
    }
  }
  return "";
}

}  // namespace

ParsedDepends ParseDepends(std::string_view text) { return Parser(text).Parse(); }

std::string FormatDepends(const DependsExpression& expression) { return Format(expression, 0); }

}  // namespace seed::api
