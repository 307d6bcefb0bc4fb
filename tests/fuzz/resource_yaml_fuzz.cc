// Resource YAML as `seed validate` reads it: the YAML 1.2 reader (with its duplicate-key and
// YAML 1.1 checks), then every Seed kind parsed and validated, alone and together. A syntax error
// is an answer; any other exception, crash or sanitizer report is a bug.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "api/inference_service.h"
#include "api/yaml_json.h"
#include "local/resource_set.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  std::vector<seed::local::Manifest> manifests;
  try {
    for (auto& document : seed::api::ParseYamlDocuments(text)) {
      manifests.push_back({"fuzz.yaml", std::move(document)});
    }
  } catch (const seed::api::YamlSyntaxError&) {
    return 0;
  }
  auto set = seed::local::BuildResourceSet(manifests);
  for (const auto& finding : set.findings) (void)seed::local::FormatFinding(finding);
  std::string error;
  (void)seed::local::SelectPipeline(set, "", &error);
  for (const auto& manifest : manifests) {
    const auto& object = manifest.document.value;
    if (object.is_object() && object.value("kind", nlohmann::json()).is_string() &&
        object["kind"] == "InferenceService") {
      seed::api::ValidationErrors errors;
      (void)seed::api::ParseInferenceService(object, &errors);
    }
    (void)seed::api::JsonToYaml(object);
  }
  return 0;
}
