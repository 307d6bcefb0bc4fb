#pragma once
// Where a Pipeline's artifacts go when they do not go to a workspace volume: an S3-compatible
// bucket (MinIO, Ceph RGW, AWS S3). `spec.artifactRepository` of a Pipeline, or the operator's
// default (--artifact-repository-file, the same `{s3: {...}}` shape), which a Pipeline with
// neither a workspace nor a repository of its own receives when a run starts.
//
// With a repository, artifact outputs are s3://<bucket>/<keyPrefix>/<run>/<task>/<file> and
// {{workspace}} is s3://<bucket>/<keyPrefix> (ArtifactRoot), so pipelines written with workspace
// paths run unchanged with no volume. The Secret `secretRef.name` holds the keys `accessKey` and
// `secretKey` (the files seed-job reads from SEED_S3_CREDENTIALS_DIR).
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "api/validation.h"

namespace seed::api {

struct S3ArtifactRepository {
  std::string endpoint;  // http(s)://host[:port]
  std::string bucket;
  std::string key_prefix;      // without leading or trailing '/'; may be empty
  std::string region;          // empty: the client's default (us-east-1)
  std::string secret_name;     // Secret with accessKey and secretKey
  bool insecure = false;       // skip TLS verification (test servers only)
  std::string ca_secret_name;  // optional Secret whose key `ca.crt` verifies the endpoint
};

struct ArtifactRepository {
  std::optional<S3ArtifactRepository> s3;
};

// Parses `{s3: {...}}` at `path`; every missing or malformed field is an error naming what to set.
ArtifactRepository ParseArtifactRepository(const nlohmann::json& value, const std::string& path,
                                           ValidationErrors* errors);
nlohmann::json ArtifactRepositoryToJson(const ArtifactRepository& repository);

// s3://<bucket>/<keyPrefix> (s3://<bucket> without a prefix): the root of artifact paths.
std::string ArtifactRoot(const S3ArtifactRepository& s3);
// ArtifactRoot of an S3 repository when there is one, else `fallback` (the workspace root).
std::string ArtifactRootOr(const std::optional<ArtifactRepository>& repository, const std::string& fallback);

}  // namespace seed::api
