#pragma once

#include <chrono>
#include <nlohmann/json.hpp>
#include <string>

namespace kubeemu {

using json = nlohmann::json;

// Server-side printing, as the API server answers `Accept: application/json;as=Table;g=meta.k8s.io`
// (what `kubectl get` asks for): a meta.k8s.io/v1 Table of a custom resource with the Name column and
// the version's additionalPrinterColumns, cells computed as apiextensions-apiserver's table convertor
// does (a `date` cell is a relative age such as 5m or 2d3h, and `<invalid>` for a time more than a
// second in the future; a missing value is null, which kubectl prints as <none>). JSONPath: dotted
// fields and one filter `[?(@.key=="value")]`, which is what printer columns use.
// `object_or_list` is one object or a list (its items become rows).
json ToTable(const json& printer_columns, const json& object_or_list, bool is_list,
             std::chrono::system_clock::time_point now);

// Whether the Accept header asks for a Table.
bool WantsTable(const std::string& accept);

// Kubernetes' duration.HumanDuration (the AGE column's text).
std::string HumanDuration(std::chrono::seconds elapsed);

}  // namespace kubeemu
