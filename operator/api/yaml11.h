#pragma once
// Plain scalars whose meaning differs between YAML 1.1 and YAML 1.2.
//
// Seed reads YAML 1.2 (core schema); the Kubernetes API server and kubectl read YAML 1.1, where
// `y`, `n`, `yes`, `no`, `on`, `off` are booleans, `0777` is octal (511), `1_000` is 1000, `1:20` is
// sexagesimal (80) and `0o17` or `1e3` read differently. A scalar that the two read differently
// would pass `seed validate` and be stored as something else by the cluster, so it is flagged with
// the fix: quote it. The rules are the YAML 1.1 type repository's (yaml.org/type/bool, int, float,
// null), plus exponent floats without a dot, which the Kubernetes YAML reader also accepts.
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

namespace seed::api {

// How YAML 1.1 resolves the plain scalar `text`: null, a boolean, an integer, a float, or the text.
nlohmann::json ResolveYaml11(const std::string& text);

// nullopt when YAML 1.1 and `yaml12` (Seed's reading of the same plain scalar) agree; otherwise a
// message saying what each reads and how to fix it. A mapping key is compared as the JSON key the
// cluster would store (`n:` becomes "false").
std::optional<std::string> Yaml11Difference(const std::string& text, const nlohmann::json& yaml12, bool key);

}  // namespace seed::api
