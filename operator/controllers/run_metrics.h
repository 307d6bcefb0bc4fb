#pragma once
// Per-Pipeline run metrics (docs/operations.md lists them), in two parts:
//  - what happened, counted when it happens: RunMetrics observes each PipelineRun status write
//    (run and task durations as histograms, task retries as a counter); these restart from zero
//    with the process, as Prometheus counters do;
//  - what is, computed from the informer caches at every scrape (PipelineStateGauges, pure): live
//    runs by phase, the time of the last successful run, the schedule's next time and interval,
//    and the failed runs in a row; a deleted Pipeline's series simply stop.
// Labels: namespace and pipeline (plus phase, task). The names follow controller-runtime's style:
// seed_ prefix, base units (_seconds), _total on counters.
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "api/pipelinerun.h"
#include "kube/metrics.h"

namespace seed::controllers {

// What one status change of a run adds to the histograms and counters. Pure.
struct RunObservations {
  struct Finished {
    std::string task;   // empty for the run itself
    std::string phase;  // Succeeded | Failed | Cancelled
    double seconds = 0;
  };
  std::vector<Finished> finished;                        // runs and tasks that finished in this change
  std::vector<std::pair<std::string, int64_t>> retries;  // task, attempts started after the first
};
RunObservations ObserveRunStatusChange(const api::PipelineRunStatus& before,
                                       const api::PipelineRunStatus& after);

class RunMetrics {
 public:
  explicit RunMetrics(kube::Metrics& metrics) : metrics_(metrics) {}
  // Records a written status change of a run of Pipeline `pipeline` in `ns`.
  void Record(const std::string& ns, const std::string& pipeline, const api::PipelineRunStatus& before,
              const api::PipelineRunStatus& after);

 private:
  kube::Metrics& metrics_;
};

// Buckets of the run and task duration histograms: 1 s to 4 h (forecast jobs run from seconds to
// hours).
std::vector<double> RunDurationBuckets();

// The gauges of every Pipeline from the cached Pipelines and PipelineRuns at `now` (unix seconds).
std::vector<kube::Metrics::CollectedGauge> PipelineStateGauges(
    const std::vector<const nlohmann::json*>& pipelines, const std::vector<const nlohmann::json*>& runs,
    api::Seconds now);

}  // namespace seed::controllers
