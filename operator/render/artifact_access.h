#pragma once
// What a task pod needs to reach its Pipeline's artifact repository instead of a workspace volume:
// the repository Secret mounted read-only as the credentials directory seed-job reads, and the
// SEED_S3_* / AWS_REGION settings. Pure: the repository in, volumes, mounts and env out.
#include <nlohmann/json.hpp>

#include "api/artifact_repository.h"

namespace seed::render {

inline constexpr char kS3CredentialsDir[] = "/seed/s3-credentials";
inline constexpr char kS3CaDir[] = "/seed/s3-ca";
inline constexpr char kS3CaKey[] = "ca.crt";

struct ArtifactAccess {
  nlohmann::json volumes = nlohmann::json::array();
  nlohmann::json mounts = nlohmann::json::array();
  nlohmann::json env = nlohmann::json::array();
};

ArtifactAccess RenderArtifactAccess(const api::S3ArtifactRepository& s3);

}  // namespace seed::render
