#pragma once
// Live progress of a local run: a task table redrawn in place on a terminal, one line per change
// otherwise (CI logs), and a final summary with value outputs, where the artifacts are (the HTML
// reports last, where the eye lands) and the log tail of failed tasks.
#include <chrono>
#include <functional>
#include <map>
#include <ostream>
#include <string>
#include <vector>

#include "api/pipelinerun.h"

namespace seed::cli {

// An artifact output a finished task wrote.
struct ArtifactFile {
  std::string task;
  std::string output;
  std::string path;
};

class ProgressView {
 public:
  ProgressView(std::ostream& out, bool redraw, std::vector<std::string> task_order);

  void Update(const api::PipelineRunStatus& status);
  // `log_tail(task, item, attempt)` gives the last lines of an attempt's log (item -1: a plain task).
  using LogLookup = std::function<std::string(const std::string&, int64_t, int64_t)>;
  void Summary(const api::PipelineRunStatus& status, const LogLookup& log_tail, const LogLookup& log_path,
               const std::vector<ArtifactFile>& artifacts = {});

 private:
  std::string Elapsed(const api::TaskStatus& task) const;

  std::ostream& out_;
  bool redraw_;
  std::vector<std::string> order_;
  size_t drawn_lines_ = 0;
  std::map<std::string, std::string> last_;
  std::chrono::steady_clock::time_point started_ = std::chrono::steady_clock::now();
};

}  // namespace seed::cli
