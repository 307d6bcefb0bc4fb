#pragma once
// The malformed examples (tests/unit/api/malformed): each file's first line names the message
// `seed validate` must give, "# expect: <substring of file:line: Kind/name: path: message>".
// Shared by the tests that check who refuses each one and with which words.
#include <algorithm>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "local/manifest.h"

namespace seed::testing {

struct MalformedExample {
  std::string file;                          // name only, e.g. pipeline-cycle.yaml
  std::string path;                          // full path
  std::string expected;                      // the "# expect:" text
  std::vector<local::LoadProblem> problems;  // YAML-level problems seed validate reports on load
  std::vector<local::Manifest> manifests;

  // seed validate's text without its "file:line: " prefix, which a server cannot know.
  std::string ExpectedWithoutLocation() const {
    if (expected.rfind(file + ":", 0) != 0) return expected;
    return expected.substr(expected.find(": ") + 2);
  }
  // A YAML-level problem (syntax, a duplicate key, a scalar YAML 1.1 reads differently): only
  // `seed validate` reads the text; kubectl parses it its own way (refusing some, silently taking the
  // last duplicate key) and an API server or webhook only ever sees the result.
  bool YamlLevel() const { return !problems.empty(); }
  // Refused by the API server itself before any admission webhook: a kind or version no CRD serves,
  // and object names (metadata.name), which every API server validates.
  bool RefusedBeforeAdmission() const {
    return file == "unknown-kind.yaml" || file == "wrong-api-version.yaml" ||
           expected.find("metadata.name:") != std::string::npos;
  }
  // Needs an object the cluster may not hold yet (a missing JobTemplate): left to the status conditions.
  bool NeedsAMissingObject() const {
    return expected.find("not found; known templates") != std::string::npos;
  }
};

// One example; `expected` is empty when the first line is not "# expect: ...".
inline MalformedExample LoadMalformedExample(const std::filesystem::path& path) {
  MalformedExample example;
  example.file = path.filename().string();
  example.path = path.string();
  std::ifstream in(path);
  std::string first;
  std::getline(in, first);
  const std::string prefix = "# expect: ";
  example.expected = first.rfind(prefix, 0) == 0 ? first.substr(prefix.size()) : "";
  example.manifests = local::LoadManifests({example.path}, &example.problems);
  return example;
}

inline std::vector<MalformedExample> MalformedExamples(const std::string& dir) {
  std::vector<MalformedExample> examples;
  for (const auto& entry : std::filesystem::directory_iterator(dir))
    examples.push_back(LoadMalformedExample(entry.path()));
  std::sort(examples.begin(), examples.end(), [](const auto& a, const auto& b) { return a.file < b.file; });
  return examples;
}

}  // namespace seed::testing
