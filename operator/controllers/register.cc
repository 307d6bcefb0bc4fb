#include "controllers/register.h"

#include <algorithm>

#include "controllers/inference_service_reconciler.h"
#include "controllers/jobtemplate_reconciler.h"
#include "controllers/pipeline_reconciler.h"
#include "controllers/pipelinerun_reconciler.h"
#include "controllers/resources.h"
#include "controllers/run_metrics.h"
#include "kube/transforms.h"

namespace seed::controllers {
namespace {
constexpr int kMinPipelineWorkers = 8;
}  // namespace

void RegisterSeedControllers(kube::Manager& manager, const SeedControllerOptions& given) {
  RegisterSeedControllers(manager, given, InferenceServiceControllerOptions{});
}

void RegisterSeedControllers(kube::Manager& manager, const SeedControllerOptions& given,
                             const InferenceServiceControllerOptions& isvc_options) {
  SeedControllerOptions options = given;
  if (!options.clock) options.clock = &kube::RealClock::Instance();
  kube::Informer& templates = manager.GetInformer(JobTemplatesResource());
  kube::Informer& pipelines = manager.GetInformer(PipelinesResource());
  kube::Informer& runs = manager.GetInformer(PipelineRunsResource());
  kube::Informer& pods = manager.GetInformer(kube::PodsResource());
  pods.SetTransform(kube::TrimPod);  // the run controller reads only pod status: ~1 KB a pod in the cache
  kube::EventRecorder* events = &manager.events();

  // Each controller has a client of its own (its own --qps/--burst budget, as KCM does): the
  // Pipeline controller's burst at a scheduled time never delays the runs' pods, nor they it.
  auto& template_controller = manager.NewController(
      "jobtemplate", std::make_shared<JobTemplateReconciler>(manager.ControllerClient(), templates, options));
  template_controller.For(templates);

  // A scheduled time's creates are round trips to the API server: several in flight keep both its
  // cores and ours busy while each waits, so the Pipeline controller has at least
  // kMinPipelineWorkers. Due times go ahead of the status follow-ups the creates' events queue.
  auto& pipeline_controller =
      manager.NewController("pipeline",
                            std::make_shared<PipelineReconciler>(manager.ControllerClient(), pipelines, runs,
                                                                 templates, events, options),
                            std::max(manager.options().workers, kMinPipelineWorkers));
  pipeline_controller.queue().SetTimersFirst(true);
  pipeline_controller.For(pipelines);
  pipeline_controller.Owns(runs, "seed.dev", "Pipeline");
  // A Pipeline's Valid condition reads the JobTemplates of its namespace: a template added, changed
  // or deleted re-checks the Pipelines that use it or are not valid yet, so `kubectl apply` of a
  // Pipeline before its templates converges without a restart (level-triggered).
  kube::WorkQueue* pipeline_queue = &pipeline_controller.queue();
  auto wake_pipelines = [pipeline_queue, &pipelines](const kube::ObjectPtr& tmpl) {
    if (!tmpl) return;
    const auto& meta = (*tmpl)["metadata"];
    for (const auto& pipeline :
         pipelines.store().ByIndex(kube::kIndexNamespace, meta.value("namespace", ""))) {
      if (PipelineMayDependOn(*pipeline, meta.value("name", "")))
        pipeline_queue->Add(kube::ObjectKey(*pipeline));
    }
  };
  templates.AddEventHandler(
      {wake_pipelines,
       [wake_pipelines](const kube::ObjectPtr& old_object, const kube::ObjectPtr& new_object) {
         // Its own status writes (the template's Valid condition) change nothing here.
         if (old_object && new_object &&
             old_object->value("spec", nlohmann::json()) == new_object->value("spec", nlohmann::json()))
           return;
         wake_pipelines(new_object);
       },
       wake_pipelines});

  auto run_metrics = std::make_shared<RunMetrics>(manager.metrics());
  auto& run_controller = manager.NewController(
      "pipelinerun",
      std::make_shared<PipelineRunReconciler>(manager.ControllerClient(), runs, pods, pipelines, templates,
                                              events, options, run_metrics));
  run_controller.For(runs);
  run_controller.Owns(pods, "seed.dev", "PipelineRun");
  // A scheduled time's runs are created before anything else: the runs' reconciles (pods, status)
  // wait while the Pipeline controller has due times ready, but not for its status follow-ups
  // (those would hold every pod back until all Pipelines' statuses are written); the Events wait
  // for all of its keys (docs/operations.md).
  run_controller.YieldTo(pipeline_controller.queue(), std::chrono::seconds(5), /*timers_only=*/true);
  // And the other way round for everything but the due times: the Pipelines' status writes that
  // follow the creates wait while runs have pods to create, so on an API server or a machine that
  // is the bound the pods go first (docs/operations.md). At most 1 s per key: while the runs'
  // queue stays busy (a restart with thousands of runs to look at) each worker still takes a key a
  // second, so Pipeline updates are delayed, never starved.
  pipeline_controller.YieldTo(run_controller.queue(), std::chrono::seconds(1), /*timers_only=*/false,
                              /*keep_own_timers=*/true);
  kube::WorkQueue* urgent = &pipeline_controller.queue();
  events->SetWaitTurn([urgent] { urgent->WaitWhileReady(std::chrono::seconds(5)); });

  // The per-Pipeline gauges are read from the caches at each scrape, once they have synced (a
  // starting replica never reports a partial picture; a standby reports the same state).
  kube::Clock* clock = options.clock;
  manager.metrics().AddCollector([&pipelines, &runs, clock] {
    if (!pipelines.HasSynced() || !runs.HasSynced()) return std::vector<kube::Metrics::CollectedGauge>{};
    std::vector<kube::ObjectPtr> pipeline_objects = pipelines.store().List();
    std::vector<kube::ObjectPtr> run_objects = runs.store().List();
    std::vector<const nlohmann::json*> pipeline_ptrs, run_ptrs;
    for (const auto& p : pipeline_objects) pipeline_ptrs.push_back(p.get());
    for (const auto& r : run_objects) run_ptrs.push_back(r.get());
    return PipelineStateGauges(pipeline_ptrs, run_ptrs,
                               std::chrono::time_point_cast<std::chrono::seconds>(clock->WallNow()));
  });

  RegisterInferenceServiceController(manager, options, isvc_options);
}

}  // namespace seed::controllers
