#include "api/yaml11.h"

#include <algorithm>
#include <cmath>
#include <regex>

namespace seed::api {
namespace {

using nlohmann::json;

std::string WithoutUnderscores(std::string text) {
  std::erase(text, '_');
  return text;
}

// `digits` in base 60, most significant first ("1:20" -> 80); nullopt on overflow.
std::optional<double> Sexagesimal(const std::string& text) {
  double value = 0;
  size_t start = 0;
  while (start <= text.size()) {
    size_t colon = text.find(':', start);
    std::string part = text.substr(start, colon == std::string::npos ? std::string::npos : colon - start);
    value = value * 60 + std::stod(part.empty() ? "0" : part);
    if (colon == std::string::npos) break;
    start = colon + 1;
  }
  return value;
}

// The JSON key a YAML 1.1 reader stores for a resolved key (sigs.k8s.io/yaml writes booleans,
// numbers and null as their text).
std::string KeyText(const json& value) {
  if (value.is_string()) return value.get<std::string>();
  if (value.is_null()) return "null";
  return value.dump();
}

std::string Describe(const json& value) {
  if (value.is_null()) return "null";
  if (value.is_boolean()) return std::string("the boolean ") + (value.get<bool>() ? "true" : "false");
  if (value.is_number_integer()) return "the integer " + value.dump();
  if (value.is_number() && std::isnan(value.get<double>())) return "the number NaN";
  if (value.is_number() && std::isinf(value.get<double>()))
    return std::string("the number ") + (value.get<double>() < 0 ? "minus " : "") + "infinity";
  if (value.is_number()) return "the number " + value.dump();
  return "the string \"" + value.get<std::string>() + "\"";
}

// How to write `value` so that both readers agree.
std::string Yaml11Spelling(const json& value) {
  if (value.is_number() && !std::isfinite(value.get<double>())) return "a number in range";
  return value.dump();
}

bool SameValue(const json& a, const json& b) {
  if (a.is_number() && b.is_number()) {
    double x = a.get<double>(), y = b.get<double>();
    return x == y || (std::isnan(x) && std::isnan(y));
  }
  return a == b;
}

}  // namespace

json ResolveYaml11(const std::string& text) {
  static const std::regex kNull("~|null|Null|NULL|");
  static const std::regex kTrue("y|Y|yes|Yes|YES|true|True|TRUE|on|On|ON");
  static const std::regex kFalse("n|N|no|No|NO|false|False|FALSE|off|Off|OFF");
  static const std::regex kBinary("([-+]?)0b([01_]+)");
  static const std::regex kOctal("([-+]?)0([0-7_]+)");
  static const std::regex kDecimal("[-+]?(0|[1-9][0-9_]*)");
  static const std::regex kHex("([-+]?)0x([0-9a-fA-F_]+)");
  static const std::regex kSexagesimalInt("([-+]?)([1-9][0-9_]*(:[0-5]?[0-9])+)");
  static const std::regex kFloat("[-+]?([0-9][0-9_]*)?\\.[0-9_.]*([eE][-+]?[0-9]+)?");
  static const std::regex kExponentFloat("[-+]?[0-9][0-9_]*[eE][-+]?[0-9]+");
  static const std::regex kSexagesimalFloat("([-+]?)([0-9][0-9_]*(:[0-5]?[0-9])+\\.[0-9_]*)");
  static const std::regex kInfinity("([-+]?)\\.(inf|Inf|INF)");
  static const std::regex kNan("\\.(nan|NaN|NAN)");
  std::smatch match;
  if (std::regex_match(text, kNull)) return nullptr;
  if (std::regex_match(text, kTrue)) return true;
  if (std::regex_match(text, kFalse)) return false;
  try {
    auto sign = [&match] { return match[1].str() == "-" ? -1 : 1; };
    if (std::regex_match(text, match, kBinary))
      return sign() * std::stoll(WithoutUnderscores(match[2]), nullptr, 2);
    if (std::regex_match(text, match, kOctal))
      return sign() * std::stoll(WithoutUnderscores(match[2]), nullptr, 8);
    if (std::regex_match(text, kDecimal)) return std::stoll(WithoutUnderscores(text));
    if (std::regex_match(text, match, kHex))
      return sign() * std::stoll(WithoutUnderscores(match[2]), nullptr, 16);
    if (std::regex_match(text, match, kSexagesimalInt))
      return sign() * static_cast<int64_t>(*Sexagesimal(WithoutUnderscores(match[2])));
    if (std::regex_match(text, match, kSexagesimalFloat))
      return sign() * *Sexagesimal(WithoutUnderscores(match[2]));
    if (std::regex_match(text, kFloat) && text.find_first_of("0123456789") != std::string::npos) {
      std::string digits = WithoutUnderscores(text);
      if (std::count(digits.begin(), digits.end(), '.') == 1) return std::stod(digits);
      return text;  // "1.2.3": the regular expression allows it, no number reads it
    }
    if (std::regex_match(text, kExponentFloat)) return std::stod(WithoutUnderscores(text));
    if (std::regex_match(text, match, kInfinity)) return sign() * HUGE_VAL;
    if (std::regex_match(text, kNan)) return NAN;
  } catch (const std::out_of_range&) {
    return text;  // too large for a number here; both readers keep something other than a string
  }
  return text;
}

std::optional<std::string> Yaml11Difference(const std::string& text, const json& yaml12, bool key) {
  json yaml11 = ResolveYaml11(text);
  if (key && text == "<<") {
    return std::string(
        "<< is the merge key in YAML 1.1 (the cluster would merge the value's map into this one); "
        "write it in quotes: \"<<\":");
  }
  if (key) {
    // Seed keeps a key's text; a YAML 1.1 reader turns a non-string key into its value's text.
    std::string stored = KeyText(yaml11);
    if (stored == text) return std::nullopt;
    return "the key " + text + " is " + Describe(yaml11) +
           " in YAML 1.1, which the Kubernetes API server and kubectl read, so the cluster would store the "
           "key \"" +
           stored + "\"; write it in quotes: \"" + text + "\":";
  }
  if (SameValue(yaml11, yaml12)) return std::nullopt;
  return text + " is " + Describe(yaml11) +
         " in YAML 1.1, which the Kubernetes API server and kubectl read, but " + Describe(yaml12) +
         " in YAML 1.2, which seed reads; write it in quotes (\"" + text + "\") for a string, or as " +
         Yaml11Spelling(yaml11) + " for the YAML 1.1 value";
}

}  // namespace seed::api
