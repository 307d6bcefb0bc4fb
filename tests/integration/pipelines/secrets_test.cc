// No credential the operator holds reaches a log line, an Event or a status: the operator runs at
// its most verbose log level through a run that fails, and everything it wrote is searched for the
// token it was given.
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "pipeline_fixture.h"

namespace seed::pipeline_testing {
namespace {

using nlohmann::json;

constexpr char kPlantedToken[] = "planted-operator-token-7c1e93d4";

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

TEST_F(PipelineTest, NoCredentialReachesALogLineAnEventOrAStatus) {
  ClusterOptions options;
  options.operator_token = kPlantedToken;
  cluster_.reset();
  cluster_ = std::make_unique<SeedCluster>(options);
  cluster_->ApplyFile(Testdata("wind_dag.yaml"));
  // The report fails: the failure's paths (status message, Warning Event, log) run too.
  StartKubelet([](const json& pod) {
    return TaskOf(pod) == "report" ? PodOutcome::Fail(1, "Error") : WindDagOutcome(pod);
  });
  OperatorOptions op;
  op.kubeconfig = cluster_->operator_kubeconfig();
  op.clock_file = cluster_->clock_file();
  op.log_path = cluster_->Dir() + "/operator.log";
  op.extra_args = {"--log-level", "trace"};
  operator_ = std::make_unique<OperatorProcess>(op);
  cluster_->Apply(RunObject("r1", "wind-dag").dump());
  ASSERT_TRUE(WaitForRunPhase("r1", "Failed")) << Run("r1").dump(2);
  // Events follow the status write that shows the change: wait (bounded) for the failure's.
  auto events = [&] {
    return cluster_->emulator()
        .Request("GET", "/apis/events.k8s.io/v1/namespaces/default/events")
        .value("items", json::array());
  };
  ASSERT_TRUE(WaitUntil(
      [&] {
        for (const json& event : events()) {
          if (event.value("reason", "") == "TaskFailed") return true;
        }
        return false;
      },
      std::chrono::seconds(30)))
      << events().dump(1);
  operator_->Stop();  // its last lines flushed

  // The token did reach the server (every write is the operator's), so it was in use throughout.
  const std::string kubeconfig = ReadFile(cluster_->operator_kubeconfig());
  ASSERT_NE(kubeconfig.find(kPlantedToken), std::string::npos);
  ASSERT_FALSE(cluster_->Writes().empty());

  const std::string log = ReadFile(op.log_path);
  EXPECT_NE(log.find("r1"), std::string::npos) << "the trace log should speak of the run:\n"
                                               << log.substr(0, 2000);
  EXPECT_EQ(log.find(kPlantedToken), std::string::npos) << "the operator's log holds its token";
  EXPECT_EQ(log.find("Bearer"), std::string::npos) << "the operator's log holds an Authorization header";

  for (const json& event : events()) {
    EXPECT_EQ(event.dump().find(kPlantedToken), std::string::npos) << event.dump();
  }
  for (const std::string plural : {"pipelineruns", "pipelines", "pods"}) {
    for (const json& object : cluster_->List(plural)) {
      EXPECT_EQ(object.dump().find(kPlantedToken), std::string::npos) << plural << ": " << object.dump();
    }
  }
}

// The default artifact repository names a Secret; its keys never reach the operator's log, an
// Event or a status, and task pods get the Secret as a volume (never its keys as env values).
TEST_F(PipelineTest, ArtifactRepositoryKeysReachNoLogEventStatusOrPodSpec) {
  constexpr char kPlantedKey[] = "planted-secret-key-5b0c2e71";
  const std::string repository = cluster_->Dir() + "/repository.yaml";
  std::ofstream(repository)
      << "s3: {endpoint: http://minio.storage:9000, bucket: seed-artifacts, keyPrefix: runs,"
         " secretRef: {name: seed-s3}}\n";
  // base64 of the planted key, as the API server stores it.
  cluster_->Apply(R"({"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "seed-s3"},
                      "data": {"accessKey": "YWNjZXNz", "secretKey": "cGxhbnRlZC1zZWNyZXQta2V5LTViMGMyZTcx"}})");
  cluster_->ApplyFile(Testdata("wind_dag.yaml"));
  StartKubelet([](const json& pod) {
    return TaskOf(pod) == "report" ? PodOutcome::Fail(1, "Error") : WindDagOutcome(pod);
  });
  OperatorOptions op;
  op.kubeconfig = cluster_->operator_kubeconfig();
  op.clock_file = cluster_->clock_file();
  op.log_path = cluster_->Dir() + "/operator.log";
  op.extra_args = {"--log-level", "trace", "--artifact-repository-file", repository};
  operator_ = std::make_unique<OperatorProcess>(op);
  cluster_->Apply(RunObject("r1", "wind-dag").dump());
  ASSERT_TRUE(WaitForRunPhase("r1", "Failed")) << Run("r1").dump(2);
  ASSERT_TRUE(WaitUntil([&] { return ReadFile(op.log_path).find("task log not archived") != std::string::npos; },
                        std::chrono::seconds(30)));
  operator_->Stop();

  const std::string log = ReadFile(op.log_path);
  EXPECT_NE(log.find("default artifact repository"), std::string::npos) << log.substr(0, 2000);
  // The log archive read the Secret (the keys were in its hands) and failed to reach the endpoint,
  // which no test server answers: the failure is logged, the key is not.
  EXPECT_NE(log.find("task log not archived"), std::string::npos) << log.substr(0, 4000);
  EXPECT_EQ(log.find(kPlantedKey), std::string::npos) << "the operator's log holds the repository's key";
  EXPECT_EQ(log.find("cGxhbnRlZC1zZWNyZXQta2V5LTViMGMyZTcx"), std::string::npos);
  const json pods = cluster_->List("pods");
  ASSERT_FALSE(pods.empty());
  for (const json& pod : pods) {
    EXPECT_NE(pod.dump().find("\"secretName\":\"seed-s3\""), std::string::npos) << pod.dump();
    EXPECT_NE(pod.dump().find("s3://seed-artifacts/runs"), std::string::npos) << pod.dump();
  }
  for (const std::string plural : {"pipelineruns", "pipelines", "pods", "events"}) {
    for (const json& object : cluster_->List(plural)) {
      EXPECT_EQ(object.dump().find(kPlantedKey), std::string::npos) << plural << ": " << object.dump();
    }
  }
}

}  // namespace
}  // namespace seed::pipeline_testing
