#pragma once
// The operator's default artifact repository (--artifact-repository-file): a YAML or JSON file
// holding `{s3: {endpoint, bucket, keyPrefix, region, secretRef: {name}, insecure, caSecretRef}}`,
// typically a ConfigMap key mounted from the Helm values (as Argo's artifact-repositories
// ConfigMap). Checked with the same rules as a Pipeline's spec.artifactRepository.
#include <nlohmann/json.hpp>
#include <string>

namespace seed::controllers {

// The repository as JSON (the shape a Pipeline spec carries), or an error naming the file, the
// field and what to set. An empty file, or one holding only `{}`, means no default (null).
struct ArtifactRepositoryFile {
  nlohmann::json repository;  // null: no default
  std::string error;          // non-empty: the file is unusable
};

ArtifactRepositoryFile ReadArtifactRepositoryFile(const std::string& path);

}  // namespace seed::controllers
