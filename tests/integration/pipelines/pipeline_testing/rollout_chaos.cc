#include "pipeline_testing/rollout_chaos.h"

#include <algorithm>
#include <fstream>
#include <map>
#include <set>
#include <stdexcept>
#include <thread>

#include "pipeline_testing/deployment_status.h"
#include "pipeline_testing/model_metrics_server.h"
#include "pipeline_testing/serving_replay.h"
#include "render/inference_service.h"

namespace seed::pipeline_testing {
namespace {

using nlohmann::json;
using Clock = std::chrono::steady_clock;

constexpr char kParentGateway[] = "gateway-system/seed-gateway";
constexpr std::chrono::milliseconds kPoll{100};

std::string Version(int k) { return "v" + std::to_string(k); }

json IsvcObject(const std::string& model, int interval_seconds) {
  return {{"apiVersion", "seed.dev/v1alpha1"},
          {"kind", "InferenceService"},
          {"metadata", {{"name", model}}},
          {"spec",
           {{"model", {{"name", model}, {"version", Version(1)}, {"uri", "pvc://models/" + model}}},
            {"resources", {{"requests", {{"cpu", "500m"}, {"memory", "256Mi"}}}}},
            {"host", model + ".models.example.com"},
            {"rollout",
             {{"steps", {10, 50, 100}}, {"intervalSeconds", interval_seconds}, {"maxErrorRatio", 0.05}}}}}};
}

bool IsFailure(const json& response) {
  return response.is_object() && response.value("kind", "") == "Status" &&
         response.value("status", "") == "Failure";
}

// One InferenceService's upgrades as the driver sees them.
struct Upgrades {
  std::string model;
  int version = 1;        // the target now
  bool broken = false;    // the target never becomes ready
  bool ended = false;     // the current target's rollout ended
  int64_t bumped_at = 0;  // the write log's sequence when the target was set
  std::string serving;    // the Deployment that served when the target was set
};

class Driver {
 public:
  Driver(SeedCluster& cluster, const RolloutChaosSettings& settings, RolloutChaosReport& report,
         std::ostream& log)
      : cluster_(cluster), settings_(settings), report_(report), log_(log) {}

  // The deployment controller's stand-in: every Deployment whose spec it has not observed yet becomes
  // Available with all its replicas, or stalls when its version is broken.
  void ReportDeployments() {
    json list = cluster_.emulator().Request("GET", SeedCluster::PathFor("deployments"));
    if (IsFailure(list)) throw std::runtime_error("chaos: listing deployments: " + list.dump());
    for (const auto& deployment : list.value("items", json::array())) {
      const json& meta = deployment["metadata"];
      const int64_t generation = meta.value("generation", int64_t{1});
      if (deployment.value("status", json::object()).value("observedGeneration", int64_t{0}) == generation)
        continue;
      const std::string version =
          meta.value("annotations", json::object()).value(render::kModelVersionAnnotation, "");
      const std::string isvc = meta.value("labels", json::object()).value(render::kInferenceServiceLabel, "");
      const json status = broken_.count(isvc + "/" + version) ? StalledDeploymentStatus(deployment)
                                                              : DeploymentStatus(deployment, true);
      cluster_.emulator().Request(
          "PATCH",
          SeedCluster::PathFor("deployments", meta["name"]) + "/status?fieldManager=deployment-controller",
          status, "application/merge-patch+json");
    }
  }

  // Whether the service's current target has ended; counts it once.
  bool Ended(Upgrades& service) {
    if (service.ended) return true;
    const json isvc = cluster_.Get("inferenceservices", service.model);
    const json status = isvc.value("status", json::object());
    const json rollout = status.value("rollout", json::object());
    const std::string target = Version(service.version);
    const std::string phase = rollout.value("phase", "");
    if (status.value("servingVersion", "") == target && (phase == "Complete" || service.version == 1)) {
      service.ended = service.version == 1 || rollout.value("toVersion", "") == target;
    } else if (phase == "RolledBack" && rollout.value("toVersion", "") == target) {
      service.ended = true;
      if (service.broken) {
        ++report_.rollbacks;
        rolled_back_.push_back({service.serving, service.bumped_at, LastSeq()});
      } else {
        report_.unexpected.push_back(service.model + " " + target +
                                     ": rolled back: " + rollout.value("message", ""));
      }
    }
    if (service.ended && service.version > 1 && !service.broken) ++report_.upgrades_completed;
    return service.ended;
  }

  void Bump(Upgrades& service) {
    const json isvc = cluster_.Get("inferenceservices", service.model);
    for (const auto& traffic : isvc["status"].value("traffic", json::array())) {
      if (traffic.value("version", "") == isvc["status"].value("servingVersion", ""))
        service.serving = traffic["deployment"];
    }
    ++service.version;
    service.broken =
        settings_.broken_every > 0 && (report_.upgrades_started + 1) % settings_.broken_every == 0;
    if (service.broken) {
      broken_.insert(service.model + "/" + Version(service.version));
      ++report_.rollbacks_expected;
    }
    service.ended = false;
    service.bumped_at = LastSeq();
    cluster_.MergePatch("inferenceservices", service.model,
                        {{"spec", {{"model", {{"version", Version(service.version)}}}}}});
    ++report_.upgrades_started;
    log_ << "chaos: " << service.model << " -> " << Version(service.version)
         << (service.broken ? " (broken)" : "") << std::endl;
  }

  // The operator's writes to the serving Deployment while an upgrade that was rolled back ran.
  void JudgeRollbacks(const std::vector<json>& writes, const std::set<std::string>& operator_users) {
    for (const auto& window : rolled_back_) {
      for (const auto& write : writes) {
        const int64_t seq = write.value("seq", int64_t{0});
        if (seq <= window.from || seq > window.to || !operator_users.count(write.value("user", ""))) continue;
        if (write.value("resource", "") == "deployments" && write.value("name", "") == window.deployment &&
            WriteSucceeded(write)) {
          report_.touched_on_rollback.push_back(write.value("verb", "") + " " + window.deployment + " (seq " +
                                                std::to_string(seq) + ")");
        }
      }
    }
  }

 private:
  int64_t LastSeq() const {
    const auto writes = cluster_.Writes();
    return writes.empty() ? 0 : writes.back().value("seq", int64_t{0});
  }

  struct Window {
    std::string deployment;
    int64_t from, to;
  };
  SeedCluster& cluster_;
  const RolloutChaosSettings& settings_;
  RolloutChaosReport& report_;
  std::ostream& log_;
  std::set<std::string> broken_;  // "<InferenceService>/<version>"
  std::vector<Window> rolled_back_;
};

// An HTTPRoute's backends as "name=weight" pairs; a canary step or a single backend are the only shapes.
void JudgeRoute(const json& event, RolloutChaosReport& report) {
  if (event["type"] == "DELETED") return;
  const json& route = event["object"];
  ++report.route_states;
  std::multiset<int64_t> weights;
  std::string shown;
  for (const auto& rule : route["spec"].value("rules", json::array())) {
    for (const auto& backend : rule.value("backendRefs", json::array())) {
      weights.insert(backend.value("weight", int64_t{1}));
      shown += backend.value("name", "") + "=" + std::to_string(backend.value("weight", int64_t{1})) + " ";
    }
  }
  const bool ok = weights == std::multiset<int64_t>{100} || weights == std::multiset<int64_t>{10, 90} ||
                  weights == std::multiset<int64_t>{50, 50};
  if (!ok) {
    report.bad_route_weights.push_back(route["metadata"].value("name", "") + " at resourceVersion " +
                                       route["metadata"].value("resourceVersion", "") + ": " + shown);
  }
}

// The stable Services: created once, never deleted, one cluster IP for life.
void JudgeStableServices(const std::vector<json>& events, const std::set<std::string>& stable,
                         RolloutChaosReport& report) {
  std::map<std::string, std::string> cluster_ip;
  std::map<std::string, int> added;
  for (const auto& event : events) {
    const json& object = event["object"];
    const std::string name = object["metadata"].value("name", "");
    if (object.value("kind", "") != "Service" || !stable.count(name)) continue;
    if (event["type"] == "DELETED") report.stable_changes.push_back(name + " deleted");
    if (event["type"] == "ADDED" && ++added[name] > 1) report.stable_changes.push_back(name + " re-created");
    const std::string ip = object["spec"].value("clusterIP", "");
    auto [it, first] = cluster_ip.emplace(name, ip);
    if (!first && it->second != ip)
      report.stable_changes.push_back(name + " moved from " + it->second + " to " + ip);
  }
}

}  // namespace

RolloutChaosReport RunRolloutChaos(const RolloutChaosSettings& settings, std::ostream& log) {
  RolloutChaosReport report;
  const auto began = Clock::now();
  ClusterOptions cluster_options;
  cluster_options.operator_replicas = OperatorChaos::kReplicas;
  SeedCluster cluster(cluster_options);
  cluster.ApplyFile(SourceDir() + "/tests/integration/inference/testdata/gateway_api_httproutes_crd.yaml");
  cluster.emulator().Admin("POST", "/audit", {{"resources", {"services", "deployments", "httproutes"}}});
  auto now = std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now());
  cluster.SetClock(now);
  ModelMetricsServer metrics;
  metrics.Set(1000, 1);  // 0.1 % of every version's requests fail: under the 5 % limit

  OperatorChaos chaos(
      cluster, settings.faults,
      {"--gateway-parent-ref", kParentGateway, "--retire-delay", "1", "--canary-metrics-url", metrics.Url()},
      /*test_clock=*/true, log);
  Driver driver(cluster, settings, report, log);
  std::vector<Upgrades> services;
  std::set<std::string> stable;
  for (int i = 0; i < settings.services; ++i) {
    const std::string model = "m" + std::to_string(i);
    cluster.emulator().Request("POST", SeedCluster::PathFor("inferenceservices"),
                               IsvcObject(model, settings.interval_seconds));
    services.push_back({model});
    stable.insert("serving-" + model);
  }
  // Every first version serves before the faults begin.
  const bool serving = WaitUntil(
      [&] {
        driver.ReportDeployments();
        bool all = true;
        for (auto& service : services) all = driver.Ended(service) && all;
        return all;
      },
      std::chrono::seconds(60), kPoll);
  if (!serving) throw std::runtime_error("chaos: the first versions never served");

  chaos.StartFaults();
  // Upgrades follow one another on every service while the killer runs (and at least min_upgrades);
  // then the faults stop and the last ones must end within `settle`.
  auto next_interval = Clock::now() + settings.interval_every;
  std::map<std::string, int> started;
  bool faults_on = true;
  auto deadline = Clock::now() + settings.faults.kill_every * (settings.faults.leader_kills + 2) +
                  std::chrono::minutes(5);
  Clock::time_point faults_stopped;
  while (Clock::now() < deadline) {
    driver.ReportDeployments();
    if (Clock::now() >= next_interval) {
      now += std::chrono::seconds(settings.interval_seconds);
      cluster.SetClock(now);
      next_interval += settings.interval_every;
    }
    bool all_ended = true;
    for (auto& service : services) {
      if (!driver.Ended(service)) {
        all_ended = false;
        continue;
      }
      if (faults_on && (!chaos.KillsDone() || started[service.model] < settings.min_upgrades)) {
        driver.Bump(service);
        ++started[service.model];
        all_ended = false;
      }
    }
    if (faults_on && chaos.KillsDone() &&
        std::all_of(services.begin(), services.end(),
                    [&](const Upgrades& s) { return started[s.model] >= settings.min_upgrades; })) {
      chaos.WaitForKills();
      chaos.StopFaults();
      faults_on = false;
      faults_stopped = Clock::now();
      deadline = faults_stopped + settings.settle;
      log << "chaos: faults stopped after " << report.upgrades_started << " upgrades" << std::endl;
    }
    if (!faults_on && all_ended) break;
    std::this_thread::sleep_for(kPoll);  // the stand-in's poll period
  }
  for (auto& service : services) {
    if (driver.Ended(service)) continue;
    ++report.upgrades_stuck;
    // What a person needs to tell why: the object as stored and what each replica said of it.
    log << "chaos: " << service.model << " stuck at " << Version(service.version) << ": "
        << cluster.Get("inferenceservices", service.model).value("status", json::object()).dump() << std::endl;
    for (int i = 0; i < OperatorChaos::kReplicas; ++i) {
      std::ifstream replica_log(chaos.log_path(i));
      std::vector<std::string> lines;
      for (std::string line; std::getline(replica_log, line);) {
        if (line.find("default/" + service.model + " ") != std::string::npos) lines.push_back(line);
      }
      for (size_t l = lines.size() > 40 ? lines.size() - 40 : 0; l < lines.size(); ++l)
        log << "  replica " << i << ": " << lines[l] << "\n";
    }
    log << std::flush;
  }
  if (faults_on) report.upgrades_stuck = static_cast<int>(services.size());  // never got past the faults
  log << "chaos: " << report.upgrades_started << " upgrades, "
      << (faults_on ? std::string("the faults never stopped")
                    : std::to_string(std::chrono::duration<double>(Clock::now() - faults_stopped).count()) +
                          " s from the faults stopping to the last upgrade's end")
      << std::endl;

  // The audit trail and the write log decide.
  const json audit = cluster.emulator().Admin("GET", "/audit");
  std::vector<json> serving_events;
  for (const auto& event : audit) {
    if (event["object"].value("kind", "") == "HTTPRoute") {
      JudgeRoute(event, report);
    } else {
      serving_events.push_back(event);
    }
  }
  report.states_checked = ReplayBackends(serving_events, stable, &report.without_backend);
  JudgeStableServices(serving_events, stable, report);
  const auto writes = cluster.Writes();
  const auto operator_users = chaos.operator_users();
  driver.JudgeRollbacks(writes, operator_users);
  const LeaseTermAudit terms = AuditLeaseTerms(writes, operator_users);
  report.operator_writes = terms.operator_writes;
  report.writes_outside_term = terms.writes_outside_term;
  report.faults_injected = terms.faults_injected;
  report.leader_kills = chaos.leader_kills();
  report.failover_seconds = chaos.failover_seconds();
  report.wall_seconds = std::chrono::duration<double>(Clock::now() - began).count();
  log << "chaos: " << report.upgrades_completed << " upgrades completed, " << report.rollbacks << " of "
      << report.rollbacks_expected << " broken versions rolled back, " << report.states_checked
      << " serving states and " << report.route_states << " route states replayed" << std::endl;
  return report;
}

}  // namespace seed::pipeline_testing
