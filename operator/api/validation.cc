#include "api/validation.h"

#include <regex>

namespace seed::api {

std::string FormatError(const ValidationError& error) {
  return error.path.empty() ? error.message : error.path + ": " + error.message;
}

std::string JoinPath(const std::string& parent, const std::string& key) {
  return parent.empty() ? key : parent + "." + key;
}

std::string IndexPath(const std::string& parent, size_t index) {
  return parent + "[" + std::to_string(index) + "]";
}

bool IsDnsLabel(const std::string& value, size_t max_length) {
  static const std::regex kLabel("[a-z0-9]([-a-z0-9]*[a-z0-9])?");
  return !value.empty() && value.size() <= max_length && std::regex_match(value, kLabel);
}

bool IsDnsSubdomain(const std::string& value) {
  static const std::regex kSubdomain("[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*");
  return !value.empty() && value.size() <= 253 && std::regex_match(value, kSubdomain);
}

bool IsQuantity(const std::string& value) {
  static const std::regex kQuantity(
      "[+-]?([0-9]+(\\.[0-9]*)?|\\.[0-9]+)(([KMGTPE]i)|[numkMGTPE]|([eE][+-]?[0-9]+))?");
  return std::regex_match(value, kQuantity);
}

bool IsParamName(const std::string& value) {
  static const std::regex kName("[A-Za-z_][A-Za-z0-9_-]{0,62}");
  return std::regex_match(value, kName);
}

}  // namespace seed::api
