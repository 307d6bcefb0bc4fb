#pragma once
// Loads YAML files and directories into documents that remember where they came from.
#include <string>
#include <vector>

#include "api/yaml_json.h"

namespace seed::local {

struct Manifest {
  std::string file;
  api::YamlDocument document;
};

struct LoadProblem {
  std::string file;
  int line = 0;
  std::string message;
};

// Each path is a file or a directory (every *.yaml and *.yml directly in it, sorted by name).
// Problems (unreadable file, YAML syntax, a duplicate key, a scalar YAML 1.1 reads differently)
// are collected; the other files still load.
std::vector<Manifest> LoadManifests(const std::vector<std::string>& paths,
                                    std::vector<LoadProblem>* problems);

}  // namespace seed::local
