#include "inference_fixture.h"

#include <curl/curl.h>
#include <httplib.h>

#include <fstream>
#include <sstream>

#include "api/yaml_json.h"
#include "pipeline_testing/deployment_status.h"

namespace seed::inference_testing {

using nlohmann::json;

namespace {

bool IsFailure(const json& response) {
  return response.is_object() && response.value("kind", "") == "Status" &&
         response.value("status", "") == "Failure";
}

std::string ReadAll(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// The value of the first sample of `metric` whose labels contain every one of `labels`.
int64_t SumSamples(const std::string& text, const std::string& metric,
                   const std::vector<std::string>& labels) {
  int64_t sum = 0;
  std::istringstream lines(text);
  for (std::string line; std::getline(lines, line);) {
    if (line.rfind(metric + "{", 0) != 0) continue;
    bool match = true;
    for (const auto& label : labels) match = match && line.find(label) != std::string::npos;
    if (!match) continue;
    sum += static_cast<int64_t>(std::stod(line.substr(line.rfind(' ') + 1)));
  }
  return sum;
}

}  // namespace

void InferenceTest::Start(bool gateway_api, const std::vector<std::string>& extra_args, bool test_clock) {
  cluster_ = std::make_unique<pipeline_testing::SeedCluster>();
  if (gateway_api)
    cluster_->ApplyFile(std::string(SEED_INFERENCE_TESTDATA) + "/gateway_api_httproutes_crd.yaml");
  log_path_ = cluster_->Dir() + "/operator.log";
  pipeline_testing::OperatorOptions options;
  options.kubeconfig = cluster_->operator_kubeconfig();
  options.log_path = log_path_;
  options.extra_args = {"--gateway-parent-ref", kParentGateway};
  options.extra_args.insert(options.extra_args.end(), extra_args.begin(), extra_args.end());
  if (test_clock) options.clock_file = cluster_->clock_file();
  operator_ = std::make_unique<pipeline_testing::OperatorProcess>(options);
  // The metrics port is any free one; the operator logs it.
  const std::string marker = "serving port=";
  ASSERT_TRUE(Eventually([&] {
    const std::string log = ReadAll(log_path_);
    for (size_t at = log.find(marker); at != std::string::npos; at = log.find(marker, at + 1)) {
      const size_t end = log.find('\n', at);
      const std::string line = log.substr(at, end == std::string::npos ? std::string::npos : end - at);
      if (line.find("endpoints=metrics") == std::string::npos) continue;
      metrics_port_ = std::stoi(line.substr(marker.size()));
      return true;
    }
    return false;
  })) << "the operator never logged its metrics port:\n"
      << ReadAll(log_path_);
}

void InferenceTest::TearDown() {
  if (operator_) {
    EXPECT_EQ(operator_->Stop(), 0) << ReadAll(log_path_);
    if (HasFailure()) std::cerr << "operator log:\n" << ReadAll(log_path_) << "\n";
  }
  operator_.reset();
  cluster_.reset();
}

json InferenceTest::CreateIsvc(const std::string& yaml) {
  json object = api::ParseYamlDocuments(yaml).at(0).value;
  json created = cluster_->emulator().Request(
      "POST", "/apis/seed.dev/v1alpha1/namespaces/default/inferenceservices", object);
  EXPECT_FALSE(IsFailure(created)) << created.dump();
  return created;
}

json InferenceTest::Isvc(const std::string& name) const { return cluster_->Get("inferenceservices", name); }

json InferenceTest::PatchIsvc(const std::string& name, const json& patch) const {
  return cluster_->MergePatch("inferenceservices", name, patch);
}

std::string InferenceTest::ChildPath(const std::string& plural, const std::string& name) {
  // Events about an InferenceService are events.k8s.io/v1 (the cluster's helper reads core events).
  if (plural == "events")
    return "/apis/events.k8s.io/v1/namespaces/default/events" + (name.empty() ? "" : "/" + name);
  return pipeline_testing::SeedCluster::PathFor(plural, name);
}

json InferenceTest::Child(const std::string& plural, const std::string& name) const {
  json object = cluster_->emulator().Request("GET", ChildPath(plural, name));
  if (IsFailure(object)) {
    EXPECT_EQ(object.value("code", 0), 404) << object.dump();
    return nullptr;
  }
  return object;
}

json InferenceTest::PatchChild(const std::string& plural, const std::string& name, const json& patch,
                               const std::string& subresource, const std::string& manager) const {
  std::string path = ChildPath(plural, name) + (subresource.empty() ? "" : "/" + subresource);
  json result = cluster_->emulator().Request("PATCH", path + "?fieldManager=" + manager, patch,
                                             "application/merge-patch+json");
  EXPECT_FALSE(IsFailure(result)) << result.dump();
  return result;
}

void InferenceTest::SetDeploymentAvailable(const std::string& name, bool available) {
  const json deployment = Child("deployments", name);
  ASSERT_TRUE(deployment.is_object()) << name;
  PatchChild("deployments", name, pipeline_testing::DeploymentStatus(deployment, available), "status",
             "deployment-controller");
}

std::vector<json> InferenceTest::WatchHistory(const std::string& plural, const std::string& from) const {
  // The history replays at once; timeoutSeconds ends the stream after it.
  const std::string url = cluster_->emulator().Url() + ChildPath(plural, "") +
                          "?watch=true&allowWatchBookmarks=false&timeoutSeconds=1&resourceVersion=" + from;
  // A read with a token the emulator knows (a watcher's identity does not matter to the test).
  const std::string auth = "Authorization: Bearer " + pipeline_testing::ClusterOptions{}.operator_token;
  curl_slist* headers = curl_slist_append(nullptr, auth.c_str());
  std::string body;
  CURL* curl = curl_easy_init();
  curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl, CURLOPT_CAINFO, cluster_->emulator().CaFile().c_str());
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
  curl_easy_setopt(curl, CURLOPT_TIMEOUT, 10L);
  curl_easy_setopt(
      curl, CURLOPT_WRITEFUNCTION, +[](char* data, size_t size, size_t count, void* out) {
        static_cast<std::string*>(out)->append(data, size * count);
        return size * count;
      });
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &body);
  const CURLcode code = curl_easy_perform(curl);
  curl_easy_cleanup(curl);
  curl_slist_free_all(headers);
  EXPECT_EQ(code, CURLE_OK) << curl_easy_strerror(code);
  std::vector<json> events;
  std::istringstream lines(body);
  for (std::string line; std::getline(lines, line);) {
    if (line.empty()) continue;
    json event = json::parse(line, nullptr, false);
    EXPECT_FALSE(event.is_discarded()) << line;
    EXPECT_TRUE(event.contains("type") && event.contains("object")) << line;
    EXPECT_NE(event.value("type", ""), "ERROR") << line;
    if (!event.contains("object")) continue;
    if (event.value("type", "") == "BOOKMARK") continue;
    events.push_back(std::move(event));
  }
  return events;
}

bool InferenceTest::Eventually(const std::function<bool()>& check) const {
  return pipeline_testing::WaitUntil(check, kTimeout);
}

bool InferenceTest::WaitChild(const std::string& plural, const std::string& name) {
  return Eventually([&] { return !Child(plural, name).is_null(); });
}

bool InferenceTest::WaitGone(const std::string& plural, const std::string& name) {
  return Eventually([&] { return Child(plural, name).is_null(); });
}

json InferenceTest::Condition(const std::string& isvc, const std::string& type) const {
  json object = Isvc(isvc);
  for (const auto& condition : object.value("status", json::object()).value("conditions", json::array())) {
    if (condition.value("type", "") == type) return condition;
  }
  return nullptr;
}

int64_t InferenceTest::LastWriteSeq() const {
  int64_t last = 0;
  for (const auto& write : cluster_->Writes()) last = std::max<int64_t>(last, write.value("seq", int64_t{0}));
  return last;
}

std::vector<std::string> InferenceTest::OperatorWrites(int64_t after_seq, bool with_events) const {
  std::vector<std::string> out;
  for (const auto& write : cluster_->Writes()) {
    if (write.value("seq", int64_t{0}) <= after_seq) continue;
    if (write.value("user", "") != pipeline_testing::kOperatorUser) continue;
    const std::string resource = write.value("resource", "");
    if (resource == "leases" || (resource == "events" && !with_events)) continue;
    const std::string subresource = write.value("subresource", "");
    out.push_back(write.value("verb", "") + " " + resource + (subresource.empty() ? "" : "/" + subresource) +
                  " " + write.value("name", "") + " " + std::to_string(write.value("code", 0)));
  }
  return out;
}

std::vector<std::string> InferenceTest::Events(const std::string& isvc) const {
  std::vector<std::string> out;
  json list = cluster_->emulator().Request("GET", ChildPath("events", ""));
  for (const auto& event : list.value("items", json::array())) {
    const json regarding = event.value("regarding", json::object());
    if (regarding.value("kind", "") != "InferenceService" || regarding.value("name", "") != isvc) continue;
    out.push_back(event.value("type", "") + " " + event.value("reason", "") + ": " + event.value("note", ""));
  }
  return out;
}

std::string InferenceTest::Metrics() const {
  httplib::Client client("127.0.0.1", metrics_port_);
  client.set_connection_timeout(std::chrono::seconds(2));
  client.set_read_timeout(std::chrono::seconds(2));
  auto response = client.Get("/metrics");
  if (!response || response->status != 200) return "";
  return response->body;
}

int64_t InferenceTest::ReconcileCount() const {
  return SumSamples(Metrics(), "controller_runtime_reconcile_total", {"controller=\"inferenceservice\""});
}

bool InferenceTest::QueueIdle() const {
  const std::string text = Metrics();
  return !text.empty() && SumSamples(text, "workqueue_depth", {"name=\"inferenceservice\""}) == 0 &&
         SumSamples(text, "controller_runtime_active_workers", {"controller=\"inferenceservice\""}) == 0;
}

}  // namespace seed::inference_testing

namespace seed::inference_testing {

bool InferenceTest::Settle() const {
  constexpr int kStablePolls = 5;
  int stable = 0;
  std::pair<int64_t, int64_t> last{-1, -1};
  return Eventually([&] {
    std::pair<int64_t, int64_t> now{ReconcileCount(), LastWriteSeq()};
    stable = QueueIdle() && now == last ? stable + 1 : 0;
    last = now;
    return stable >= kStablePolls;
  });
}

}  // namespace seed::inference_testing
