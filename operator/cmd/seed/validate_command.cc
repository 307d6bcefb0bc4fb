#include <iostream>

#include "commands.h"
#include "local/manifest.h"
#include "local/resource_set.h"

namespace seed::cli {

int ValidateCommand(const std::vector<std::string>& paths) {
  std::vector<local::LoadProblem> problems;
  auto manifests = local::LoadManifests(paths, &problems);
  auto set = local::BuildResourceSet(manifests);
  for (const auto& problem : problems) {
    std::cerr << problem.file << (problem.line ? ":" + std::to_string(problem.line) : "") << ": "
              << problem.message << "\n";
  }
  for (const auto& finding : set.findings) std::cerr << local::FormatFinding(finding) << "\n";
  size_t errors = problems.size() + set.findings.size();
  if (errors > 0) {
    std::cerr << errors << (errors == 1 ? " error" : " errors") << "\n";
    return 2;
  }
  std::cout << "valid: " << set.templates.size() << " JobTemplate(s), " << set.pipelines.size()
            << " Pipeline(s), " << set.runs.size() << " PipelineRun(s)";
  if (!set.skipped.empty()) std::cout << "; not checked here: " << set.skipped.size() << " other object(s)";
  std::cout << "\n";
  return 0;
}

}  // namespace seed::cli
