#pragma once
// Reads one JSON object field by field, recording a ValidationError for every wrong type and,
// on Finish(), for every field it does not know (a typo like `dependOn` is an error, not ignored).
#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "api/validation.h"

namespace seed::api {

class FieldReader {
 public:
  // `object` must outlive the reader. A non-object records an error and reads as empty.
  FieldReader(const nlohmann::json& object, std::string path, ValidationErrors* errors);

  const std::string& path() const { return path_; }
  std::string PathOf(const std::string& key) const { return JoinPath(path_, key); }
  bool Has(const std::string& key);

  std::optional<std::string> String(const std::string& key, bool required = false);
  std::optional<int64_t> Integer(const std::string& key, bool required = false);
  std::optional<double> Number(const std::string& key);
  std::optional<bool> Bool(const std::string& key);
  // A scalar (string, number or boolean) read as text: params accept `96`, `"96"` and `true`.
  std::optional<std::string> Scalar(const std::string& key, bool required = false);
  // Kubernetes int-or-string: a string or an integer, read as text (params). Booleans and
  // decimals must be quoted, as the API server would insist.
  std::optional<std::string> IntOrString(const std::string& key);
  std::map<std::string, std::string> IntOrStringMap(const std::string& key);
  std::vector<std::string> StringList(const std::string& key);
  std::map<std::string, std::string> StringMap(const std::string& key);
  // Returns nullptr when absent or of the wrong type (the error is recorded).
  const nlohmann::json* Object(const std::string& key, bool required = false);
  const nlohmann::json* Array(const std::string& key, bool required = false);
  // Any JSON value, unchecked (for embedded Kubernetes types such as affinity).
  const nlohmann::json* Raw(const std::string& key);

  void Error(const std::string& key, const std::string& message);
  // Reports fields that were never read.
  void Finish();

 private:
  const nlohmann::json* Get(const std::string& key, bool required);

  const nlohmann::json& object_;
  std::string path_;
  ValidationErrors* errors_;
  std::set<std::string> seen_;
  bool valid_ = true;
};

// The text of a JSON scalar: strings as is, numbers as written, booleans as true/false.
std::optional<std::string> ScalarText(const nlohmann::json& value);
std::string TypeName(const nlohmann::json& value);
// nullopt unless `value` is a string or an integer; then its text.
std::optional<std::string> IntOrStringText(const nlohmann::json& value);
inline constexpr char kQuoteHint[] =
    "must be a string or an integer; write booleans and decimals in quotes, e.g. \"true\" or \"0.5\"";

}  // namespace seed::api
