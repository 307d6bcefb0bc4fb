#include "render/artifact_access.h"

#include <string>

namespace seed::render {

using nlohmann::json;

ArtifactAccess RenderArtifactAccess(const api::S3ArtifactRepository& s3) {
  ArtifactAccess access;
  // Only the two keys seed-job reads, so a Secret holding more (e.g. MinIO's root user for the
  // server itself) exposes nothing else to the task. 0440: readable by the pod's group (fsGroup).
  access.volumes.push_back({{"name", "seed-s3-credentials"},
                            {"secret",
                             {{"secretName", s3.secret_name},
                              {"defaultMode", 0440},
                              {"items", json::array({{{"key", "accessKey"}, {"path", "accessKey"}},
                                                     {{"key", "secretKey"}, {"path", "secretKey"}}})}}}});
  access.mounts.push_back(
      {{"name", "seed-s3-credentials"}, {"mountPath", kS3CredentialsDir}, {"readOnly", true}});
  auto add = [&](const char* name, const std::string& value) {
    access.env.push_back({{"name", name}, {"value", value}});
  };
  add("SEED_S3_ENDPOINT", s3.endpoint);
  add("SEED_S3_CREDENTIALS_DIR", kS3CredentialsDir);
  add("AWS_REGION", s3.region.empty() ? "us-east-1" : s3.region);
  add("SEED_S3_INSECURE", s3.insecure ? "true" : "false");
  if (!s3.ca_secret_name.empty()) {
    access.volumes.push_back({{"name", "seed-s3-ca"},
                              {"secret",
                               {{"secretName", s3.ca_secret_name},
                                {"defaultMode", 0444},
                                {"items", json::array({{{"key", kS3CaKey}, {"path", kS3CaKey}}})}}}});
    access.mounts.push_back({{"name", "seed-s3-ca"}, {"mountPath", kS3CaDir}, {"readOnly", true}});
    add("SEED_S3_CA_FILE", std::string(kS3CaDir) + "/" + kS3CaKey);
  }
  return access;
}

}  // namespace seed::render
