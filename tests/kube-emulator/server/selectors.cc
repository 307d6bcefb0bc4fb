#include "kube-emulator/server/selectors.h"

#include <algorithm>
#include <cctype>

#include "kube-emulator/server/api_error.h"

namespace kubeemu {
namespace {

std::string Trim(std::string_view text) {
  size_t begin = 0;
  size_t end = text.size();
  while (begin < end && std::isspace(static_cast<unsigned char>(text[begin]))) ++begin;
  while (end > begin && std::isspace(static_cast<unsigned char>(text[end - 1]))) --end;
  return std::string(text.substr(begin, end - begin));
}

// Splits on commas that are not inside parentheses (the value lists of `in` and `notin`).
std::vector<std::string> SplitTerms(std::string_view text) {
  std::vector<std::string> terms;
  int depth = 0;
  std::string current;
  for (char c : text) {
    if (c == '(') ++depth;
    if (c == ')') --depth;
    if (c == ',' && depth == 0) {
      terms.push_back(Trim(current));
      current.clear();
    } else {
      current += c;
    }
  }
  if (!Trim(current).empty() || !terms.empty()) terms.push_back(Trim(current));
  return terms;
}

bool ValidKey(const std::string& key) {
  if (key.empty()) return false;
  return std::all_of(key.begin(), key.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.' || c == '/';
  });
}

ApiError SelectorError(const std::string& kind, std::string_view text, const std::string& why) {
  return BadRequest("unable to parse requirement: invalid " + kind + " selector \"" + std::string(text) +
                    "\": " + why);
}

}  // namespace

LabelSelector LabelSelector::Parse(std::string_view text) {
  LabelSelector selector;
  for (const std::string& term : SplitTerms(text)) {
    if (term.empty()) throw SelectorError("label", text, "empty requirement");
    Requirement req;
    if (term[0] == '!') {
      req.key = Trim(term.substr(1));
      req.op = Op::kNotExists;
    } else if (auto paren = term.find('('); paren != std::string::npos) {
      if (term.back() != ')') throw SelectorError("label", text, "missing ')' in \"" + term + "\"");
      std::string head = Trim(term.substr(0, paren));
      auto space = head.find_last_of(" \t");
      if (space == std::string::npos) throw SelectorError("label", text, "expected 'in' or 'notin' in \"" + term + "\"");
      std::string op = Trim(head.substr(space + 1));
      req.key = Trim(head.substr(0, space));
      if (op == "in") {
        req.op = Op::kIn;
      } else if (op == "notin") {
        req.op = Op::kNotIn;
      } else {
        throw SelectorError("label", text, "unknown operator \"" + op + "\"");
      }
      std::string inner = term.substr(paren + 1, term.size() - paren - 2);
      size_t start = 0;
      while (start <= inner.size()) {
        size_t comma = inner.find(',', start);
        if (comma == std::string::npos) comma = inner.size();
        req.values.push_back(Trim(std::string_view(inner).substr(start, comma - start)));
        start = comma + 1;
      }
    } else if (auto pos = term.find("!="); pos != std::string::npos) {
      req.key = Trim(term.substr(0, pos));
      req.op = Op::kNotEquals;
      req.values = {Trim(term.substr(pos + 2))};
    } else if (auto pos2 = term.find("=="); pos2 != std::string::npos) {
      req.key = Trim(term.substr(0, pos2));
      req.op = Op::kEquals;
      req.values = {Trim(term.substr(pos2 + 2))};
    } else if (auto pos3 = term.find('='); pos3 != std::string::npos) {
      req.key = Trim(term.substr(0, pos3));
      req.op = Op::kEquals;
      req.values = {Trim(term.substr(pos3 + 1))};
    } else {
      req.key = term;
      req.op = Op::kExists;
    }
    if (!ValidKey(req.key)) throw SelectorError("label", text, "invalid label key \"" + req.key + "\"");
    selector.requirements_.push_back(std::move(req));
  }
  return selector;
}

bool LabelSelector::Matches(const json& object) const {
  static const json kEmpty = json::object();
  const json* labels = &kEmpty;
  if (auto meta = object.find("metadata"); meta != object.end() && meta->is_object()) {
    if (auto it = meta->find("labels"); it != meta->end() && it->is_object()) labels = &*it;
  }
  for (const auto& req : requirements_) {
    auto it = labels->find(req.key);
    bool exists = it != labels->end() && it->is_string();
    std::string value = exists ? it->get<std::string>() : "";
    bool in_values = exists && std::find(req.values.begin(), req.values.end(), value) != req.values.end();
    bool ok = false;
    switch (req.op) {
      case Op::kEquals:
      case Op::kIn:
        ok = in_values;
        break;
      case Op::kNotEquals:
      case Op::kNotIn:
        ok = !in_values;
        break;
      case Op::kExists:
        ok = exists;
        break;
      case Op::kNotExists:
        ok = !exists;
        break;
    }
    if (!ok) return false;
  }
  return true;
}

FieldSelector FieldSelector::Parse(std::string_view text) {
  FieldSelector selector;
  for (const std::string& term : SplitTerms(text)) {
    Requirement req;
    if (auto pos = term.find("!="); pos != std::string::npos) {
      req = {Trim(term.substr(0, pos)), false, Trim(term.substr(pos + 2))};
    } else if (auto pos2 = term.find("=="); pos2 != std::string::npos) {
      req = {Trim(term.substr(0, pos2)), true, Trim(term.substr(pos2 + 2))};
    } else if (auto pos3 = term.find('='); pos3 != std::string::npos) {
      req = {Trim(term.substr(0, pos3)), true, Trim(term.substr(pos3 + 1))};
    } else {
      throw SelectorError("field", text, "\"" + term + "\" has no operator (use =, == or !=)");
    }
    if (!ValidKey(req.path)) throw SelectorError("field", text, "invalid field path \"" + req.path + "\"");
    selector.requirements_.push_back(std::move(req));
  }
  return selector;
}

bool FieldSelector::Matches(const json& object) const {
  for (const auto& req : requirements_) {
    const json* node = &object;
    size_t start = 0;
    while (node != nullptr && start <= req.path.size()) {
      size_t dot = req.path.find('.', start);
      if (dot == std::string::npos) dot = req.path.size();
      std::string part = req.path.substr(start, dot - start);
      auto it = node->is_object() ? node->find(part) : node->end();
      node = (node->is_object() && it != node->end()) ? &*it : nullptr;
      start = dot + 1;
    }
    std::string value;
    if (node != nullptr) value = node->is_string() ? node->get<std::string>() : node->dump();
    if ((value == req.value) != req.equals) return false;
  }
  return true;
}

const std::string* FieldSelector::RequiredValue(const std::string& path) const {
  for (const auto& req : requirements_) {
    if (req.equals && req.path == path) return &req.value;
  }
  return nullptr;
}

}  // namespace kubeemu
