#pragma once

#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

namespace kubeemu {

using json = nlohmann::json;

// A label selector in the query-string syntax: `a=b`, `a==b`, `a!=b`, `a in (x,y)`, `a notin (x)`, `a`, `!a`,
// joined by commas (all must hold). Parse throws ApiError 400 on bad syntax.
class LabelSelector {
 public:
  static LabelSelector Parse(std::string_view text);
  bool Matches(const json& object) const;  // reads metadata.labels
  bool Empty() const { return requirements_.empty(); }

 private:
  enum class Op { kEquals, kNotEquals, kIn, kNotIn, kExists, kNotExists };
  struct Requirement {
    std::string key;
    Op op;
    std::vector<std::string> values;
  };
  std::vector<Requirement> requirements_;
};

// A field selector: `path=value`, `path==value`, `path!=value`, joined by commas. Any dotted path into the
// object is accepted (metadata.name, metadata.namespace, status.phase, spec.nodeName, ...); a missing field
// compares as the empty string. Parse throws ApiError 400 on bad syntax.
class FieldSelector {
 public:
  static FieldSelector Parse(std::string_view text);
  bool Matches(const json& object) const;
  bool Empty() const { return requirements_.empty(); }
  // The value required for `path` by an equality term, or nullptr.
  const std::string* RequiredValue(const std::string& path) const;

 private:
  struct Requirement {
    std::string path;
    bool equals;
    std::string value;
  };
  std::vector<Requirement> requirements_;
};

}  // namespace kubeemu
