#include <iostream>

#include "commands.h"
#include "loading.h"

namespace seed::cli {

int ValidateCommand(const std::vector<std::string>& paths) {
  size_t errors = 0;
  std::vector<LoadedInferenceService> isvcs;
  auto set = LoadAndReport(paths, &errors, &isvcs);
  if (errors > 0) {
    std::cerr << errors << (errors == 1 ? " error" : " errors") << "\n";
    return 2;
  }
  std::cout << "valid: " << set.templates.size() << " JobTemplate(s), " << set.pipelines.size()
            << " Pipeline(s), " << set.runs.size() << " PipelineRun(s), " << isvcs.size()
            << " InferenceService(s)";
  if (!set.skipped.empty()) std::cout << "; not checked here: " << set.skipped.size() << " other object(s)";
  std::cout << "\n";
  return 0;
}

}  // namespace seed::cli
