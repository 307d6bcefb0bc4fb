#include "local/manifest.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace seed::local {

namespace fs = std::filesystem;

namespace {

void LoadFile(const std::string& file, std::vector<Manifest>* manifests, std::vector<LoadProblem>* problems) {
  std::ifstream in(file);
  if (!in) {
    problems->push_back({file, 0, "cannot read the file"});
    return;
  }
  std::stringstream text;
  text << in.rdbuf();
  try {
    for (auto& document : api::ParseYamlDocuments(text.str())) {
      // The cluster reads YAML 1.1: a scalar it reads differently would not be what was validated.
      for (const auto& note : document.yaml11)
        problems->push_back({file, note.line, (note.path.empty() ? "" : note.path + ": ") + note.message});
      manifests->push_back({file, std::move(document)});
    }
  } catch (const api::YamlSyntaxError& error) {
    problems->push_back({file, error.line(), std::string("YAML syntax error: ") + error.what()});
  }
}

}  // namespace

std::vector<Manifest> LoadManifests(const std::vector<std::string>& paths,
                                    std::vector<LoadProblem>* problems) {
  std::vector<Manifest> manifests;
  for (const auto& path : paths) {
    std::error_code error;
    if (fs::is_directory(path, error)) {
      std::vector<std::string> files;
      for (const auto& entry : fs::directory_iterator(path, error)) {
        auto extension = entry.path().extension().string();
        if (entry.is_regular_file() && (extension == ".yaml" || extension == ".yml"))
          files.push_back(entry.path().string());
      }
      std::sort(files.begin(), files.end());
      if (files.empty()) problems->push_back({path, 0, "the directory has no .yaml or .yml files"});
      for (const auto& file : files) LoadFile(file, &manifests, problems);
    } else if (fs::exists(path, error)) {
      LoadFile(path, &manifests, problems);
    } else {
      problems->push_back({path, 0, "no such file or directory"});
    }
  }
  return manifests;
}

}  // namespace seed::local
