#include "controllers/artifact_repository_file.h"

#include <fstream>
#include <sstream>

#include "api/artifact_repository.h"
#include "api/yaml_json.h"

namespace seed::controllers {

ArtifactRepositoryFile ReadArtifactRepositoryFile(const std::string& path) {
  ArtifactRepositoryFile out;
  std::ifstream in(path);
  if (!in) {
    out.error = "--artifact-repository-file " + path + ": cannot read the file (is the ConfigMap mounted?)";
    return out;
  }
  std::stringstream text;
  text << in.rdbuf();
  std::vector<api::YamlDocument> documents;
  try {
    documents = api::ParseYamlDocuments(text.str());
  } catch (const api::YamlSyntaxError& error) {
    out.error = path + ":" + std::to_string(error.line()) + ": " + error.what();
    return out;
  }
  if (documents.empty() || (documents[0].value.is_object() && documents[0].value.empty())) return out;
  if (documents.size() > 1) {
    out.error = path + ": holds " + std::to_string(documents.size()) + " documents; give one: {s3: {...}}";
    return out;
  }
  api::ValidationErrors errors;
  api::ArtifactRepository repository = api::ParseArtifactRepository(documents[0].value, "", &errors);
  if (!errors.empty()) {
    out.error = path + ": ";
    for (size_t i = 0; i < errors.size(); ++i) out.error += (i ? "; " : "") + api::FormatError(errors[i]);
    return out;
  }
  out.repository = api::ArtifactRepositoryToJson(repository);
  return out;
}

}  // namespace seed::controllers
