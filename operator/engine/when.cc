#include "engine/when.h"

#include <cstdlib>
#include <regex>

namespace seed::engine {
namespace {

struct Token {
  enum class Kind { kOperand, kOperator, kEnd } kind;
  std::string text;
  bool quoted = false;
};

// Splits the raw condition; `{{...}}` stays inside its operand even when it holds spaces.
std::string Tokenize(const std::string& text, std::vector<Token>* tokens) {
  size_t i = 0;
  while (i < text.size()) {
    char c = text[i];
    if (c == ' ' || c == '\t') {
      ++i;
      continue;
    }
    std::string two = text.substr(i, 2);
    if (two == "==" || two == "!=" || two == "<=" || two == ">=" || two == "&&" || two == "||") {
      tokens->push_back({Token::Kind::kOperator, two});
      i += 2;
      continue;
    }
    if (c == '<' || c == '>' || c == '!' || c == '(' || c == ')') {
      tokens->push_back({Token::Kind::kOperator, std::string(1, c)});
      ++i;
      continue;
    }
    if (c == '\'' || c == '"') {
      size_t close = text.find(c, i + 1);
      if (close == std::string::npos) return "unclosed quote in when: " + text;
      tokens->push_back({Token::Kind::kOperand, text.substr(i + 1, close - i - 1), true});
      i = close + 1;
      continue;
    }
    std::string operand;
    while (i < text.size()) {
      if (text.compare(i, 2, "{{") == 0) {
        size_t close = text.find("}}", i);
        if (close == std::string::npos) return "unclosed \"{{\" in when: " + text;
        operand += text.substr(i, close + 2 - i);
        i = close + 2;
        continue;
      }
      char d = text[i];
      if (d == ' ' || d == '\t' || d == '=' || d == '!' || d == '<' || d == '>' || d == '&' || d == '|' ||
          d == '(' || d == ')' || d == '\'' || d == '"') {
        break;
      }
      operand += d;
      ++i;
    }
    if (operand.empty()) return "unexpected \"" + std::string(1, text[i]) + "\" in when: " + text;
    tokens->push_back({Token::Kind::kOperand, operand});
  }
  tokens->push_back({Token::Kind::kEnd, ""});
  return "";
}

class Parser {
 public:
  Parser(std::vector<Token> tokens, const ExpressionScope* scope, WhenResult* result)
      : tokens_(std::move(tokens)), scope_(scope), result_(result) {}

  bool Run() {
    bool value = Or();
    if (result_->error.empty() && Peek().kind != Token::Kind::kEnd)
      Fail("unexpected \"" + Peek().text + "\"");
    return value;
  }

 private:
  const Token& Peek() const { return tokens_[position_]; }
  const Token& Take() { return tokens_[position_ < tokens_.size() - 1 ? position_++ : position_]; }
  bool IsOperator(const char* text) const {
    return Peek().kind == Token::Kind::kOperator && Peek().text == text;
  }
  void Fail(const std::string& message) {
    if (result_->error.empty()) result_->error = message;
  }

  bool Or() {
    bool value = And();
    while (IsOperator("||")) {
      Take();
      value = And() || value;
    }
    return value;
  }
  bool And() {
    bool value = Unary();
    while (IsOperator("&&")) {
      Take();
      value = Unary() && value;
    }
    return value;
  }
  bool Unary() {
    if (IsOperator("!")) {
      Take();
      return !Unary();
    }
    if (IsOperator("(")) {
      Take();
      bool value = Or();
      if (!IsOperator(")")) Fail("missing \")\"");
      Take();
      return value;
    }
    return Comparison();
  }
  std::string Operand() {
    if (Peek().kind != Token::Kind::kOperand) {
      Fail(Peek().kind == Token::Kind::kEnd ? "missing operand at the end"
                                            : "expected a value, got \"" + Peek().text + "\"");
      Take();
      return "";
    }
    Token token = Take();
    if (scope_ == nullptr) return token.text;
    Substitution substitution = Substitute(token.text, *scope_);
    if (!substitution.error.empty()) Fail(substitution.error);
    for (auto& task : substitution.skipped_tasks) result_->skipped_tasks.push_back(task);
    return substitution.value;
  }
  bool Comparison() {
    std::string left = Operand();
    static const char* kOps[] = {"==", "!=", "<", "<=", ">", ">="};
    for (const char* op : kOps) {
      if (!IsOperator(op)) continue;
      Take();
      std::string right = Operand();
      Describe(left + " " + op + " " + right);
      return Compare(left, op, right);
    }
    Describe(left);
    if (scope_ == nullptr) return true;
    if (left == "true") return true;
    if (left == "false") return false;
    Fail("\"" + left + "\" is not true or false; compare it, e.g. " + left + " == yes");
    return false;
  }
  void Describe(const std::string& text) {
    result_->evaluated += (result_->evaluated.empty() ? "" : "; ") + text;
  }
  static bool Compare(const std::string& left, const std::string& op, const std::string& right) {
    static const std::regex kNumber("[-+]?(\\.[0-9]+|[0-9]+(\\.[0-9]*)?)([eE][-+]?[0-9]+)?");
    int order;
    if (std::regex_match(left, kNumber) && std::regex_match(right, kNumber)) {
      double a = std::strtod(left.c_str(), nullptr);
      double b = std::strtod(right.c_str(), nullptr);
      order = a < b ? -1 : (a > b ? 1 : 0);
    } else {
      order = left.compare(right) < 0 ? -1 : (left == right ? 0 : 1);
    }
    if (op == "==") return order == 0;
    if (op == "!=") return order != 0;
    if (op == "<") return order < 0;
    if (op == "<=") return order <= 0;
    if (op == ">") return order > 0;
    return order >= 0;
  }

  std::vector<Token> tokens_;
  size_t position_ = 0;
  const ExpressionScope* scope_;
  WhenResult* result_;
};

}  // namespace

WhenResult EvaluateWhen(const std::string& condition, const ExpressionScope& scope) {
  WhenResult result;
  std::vector<Token> tokens;
  result.error = Tokenize(condition, &tokens);
  if (!result.error.empty()) return result;
  Parser parser(std::move(tokens), &scope, &result);
  result.value = parser.Run();
  return result;
}

std::string CheckWhenSyntax(const std::string& condition) {
  WhenResult result;
  std::vector<Token> tokens;
  result.error = Tokenize(condition, &tokens);
  if (!result.error.empty()) return result.error;
  Parser parser(std::move(tokens), nullptr, &result);
  parser.Run();
  return result.error;
}

}  // namespace seed::engine
