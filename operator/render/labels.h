#pragma once
// Labels and owner references every Seed child carries.
#include <nlohmann/json.hpp>
#include <string>

#include "api/object_meta.h"

namespace seed::render {

inline constexpr char kManagedByLabel[] = "app.kubernetes.io/managed-by";
inline constexpr char kManagedBy[] = "seed-operator";
inline constexpr char kPartOfLabel[] = "app.kubernetes.io/part-of";
inline constexpr char kPartOf[] = "seed";
inline constexpr char kPipelineRunLabel[] = "seed.dev/pipelinerun";
inline constexpr char kPipelineLabel[] = "seed.dev/pipeline";
inline constexpr char kTaskLabel[] = "seed.dev/task";
inline constexpr char kAttemptLabel[] = "seed.dev/attempt";
inline constexpr char kItemLabel[] = "seed.dev/item";  // only on the pods of a fanned-out task
inline constexpr char kSpecHashAnnotation[] = "seed.dev/spec-hash";

// managed-by, part-of and seed.dev/pipelinerun (+ seed.dev/pipeline when known).
nlohmann::json RunChildLabels(const std::string& run, const std::string& pipeline);
// A controller ownerReference (controller and blockOwnerDeletion true).
nlohmann::json ControllerReference(const std::string& kind, const api::ObjectMeta& owner);

}  // namespace seed::render
