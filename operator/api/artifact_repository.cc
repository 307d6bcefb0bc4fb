#include "api/artifact_repository.h"

#include <regex>

#include "api/field_reader.h"

namespace seed::api {

using nlohmann::json;

namespace {

// S3's bucket naming rule (3-63 lowercase letters, digits, dots and hyphens, starting and ending
// with a letter or digit); MinIO and Ceph enforce the same.
bool IsBucketName(const std::string& name) {
  static const std::regex pattern("^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$");
  return std::regex_match(name, pattern);
}

std::string TrimSlashes(std::string text) {
  while (!text.empty() && text.front() == '/') text.erase(text.begin());
  while (!text.empty() && text.back() == '/') text.pop_back();
  return text;
}

std::string SecretName(FieldReader& parent, const char* key, ValidationErrors* errors, bool required) {
  const json* ref = parent.Object(key);
  if (!ref) {
    if (required && !parent.Has(key))
      parent.Error(key, std::string("is required: {name: <Secret>} with the keys accessKey and secretKey "
                                    "(kubectl create secret generic NAME --from-literal=accessKey=... "
                                    "--from-literal=secretKey=...)"));
    return "";
  }
  FieldReader reader(*ref, parent.PathOf(key), errors);
  std::string name = reader.String("name", true).value_or("");
  if (!name.empty() && !IsDnsSubdomain(name))
    reader.Error("name",
                 "\"" + name + "\" is not a valid Secret name (lowercase letters, digits, '-' and '.')");
  reader.Finish();
  return name;
}

}  // namespace

ArtifactRepository ParseArtifactRepository(const json& value, const std::string& path,
                                           ValidationErrors* errors) {
  ArtifactRepository repository;
  FieldReader reader(value, path, errors);
  const json* s3 = reader.Object("s3");
  if (!s3 && !reader.Has("s3")) {
    errors->push_back({path, "set s3: {endpoint, bucket, secretRef: {name}} (the only repository kind)"});
  }
  reader.Finish();
  if (!s3) return repository;
  S3ArtifactRepository out;
  FieldReader fields(*s3, reader.PathOf("s3"), errors);
  out.endpoint = fields.String("endpoint").value_or("");
  if (!fields.Has("endpoint")) {
    fields.Error("endpoint",
                 "is required: the server's URL, e.g. http://minio.storage:9000 or "
                 "https://s3.eu-west-1.amazonaws.com");
  } else if (out.endpoint.rfind("http://", 0) != 0 && out.endpoint.rfind("https://", 0) != 0) {
    fields.Error("endpoint", "\"" + out.endpoint + "\" must start with http:// or https://");
  }
  out.bucket = fields.String("bucket").value_or("");
  if (!fields.Has("bucket")) {
    fields.Error("bucket", "is required: the bucket artifacts go to, e.g. seed-artifacts");
  } else if (!IsBucketName(out.bucket)) {
    fields.Error("bucket", "\"" + out.bucket +
                               "\" is not a bucket name: 3-63 lowercase letters, digits, '.' and '-', "
                               "starting and ending with a letter or digit");
  }
  out.key_prefix = TrimSlashes(fields.String("keyPrefix").value_or(""));
  if (out.key_prefix.find("//") != std::string::npos || out.key_prefix.find("{{") != std::string::npos)
    fields.Error("keyPrefix", "\"" + out.key_prefix +
                                  "\" must be a plain key prefix such as seed/artifacts "
                                  "(no empty segments, no expressions)");
  out.region = fields.String("region").value_or("");
  out.insecure = fields.Bool("insecure").value_or(false);
  out.secret_name = SecretName(fields, "secretRef", errors, true);
  out.ca_secret_name = SecretName(fields, "caSecretRef", errors, false);
  fields.Finish();
  repository.s3 = out;
  return repository;
}

json ArtifactRepositoryToJson(const ArtifactRepository& repository) {
  json out = json::object();
  if (!repository.s3) return out;
  const S3ArtifactRepository& s3 = *repository.s3;
  json fields = {{"endpoint", s3.endpoint}, {"bucket", s3.bucket}, {"secretRef", {{"name", s3.secret_name}}}};
  if (!s3.key_prefix.empty()) fields["keyPrefix"] = s3.key_prefix;
  if (!s3.region.empty()) fields["region"] = s3.region;
  if (s3.insecure) fields["insecure"] = true;
  if (!s3.ca_secret_name.empty()) fields["caSecretRef"] = {{"name", s3.ca_secret_name}};
  out["s3"] = fields;
  return out;
}

std::string ArtifactRoot(const S3ArtifactRepository& s3) {
  return "s3://" + s3.bucket + (s3.key_prefix.empty() ? "" : "/" + s3.key_prefix);
}

std::string ArtifactRootOr(const std::optional<ArtifactRepository>& repository, const std::string& fallback) {
  return repository && repository->s3 ? ArtifactRoot(*repository->s3) : fallback;
}

}  // namespace seed::api
