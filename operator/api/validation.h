#pragma once
// Validation results shared by every kind: each error names the field and says what is allowed.
#include <string>
#include <vector>

namespace seed::api {

struct ValidationError {
  std::string path;     // e.g. spec.tasks[2].templateRef.name
  std::string message;  // what is wrong and what is allowed

  bool operator==(const ValidationError&) const = default;
};

using ValidationErrors = std::vector<ValidationError>;

// "path: message", the form every command prints.
std::string FormatError(const ValidationError& error);

// Joins a parent path and a child key ("spec" + "tasks" -> "spec.tasks").
std::string JoinPath(const std::string& parent, const std::string& key);
std::string IndexPath(const std::string& parent, size_t index);

// DNS-1123 label: lower-case alphanumerics and '-', starts and ends alphanumeric, at most max_length.
bool IsDnsLabel(const std::string& value, size_t max_length = 63);
// DNS-1123 subdomain: labels joined by '.', at most 253 characters.
bool IsDnsSubdomain(const std::string& value);
// Kubernetes resource quantity such as 500m, 1.5, 256Mi, 1e3.
bool IsQuantity(const std::string& value);
// C identifier style name used for params and outputs: [A-Za-z_][A-Za-z0-9_-]*.
bool IsParamName(const std::string& value);

}  // namespace seed::api
