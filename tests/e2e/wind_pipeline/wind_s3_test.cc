// The wind example with its artifacts in an S3 bucket instead of the claim (acceptance 3 of the
// object-storage issue): the S3 test server (@20minutes/s3rver, which verifies SigV4 signatures) on
// loopback, the example patched with examples/wind/s3/day-ahead.patch (its endpoint pointed at
// the test server), run through the operator against the emulator and under `seed run`. The pods
// share no volume: none has a claim or a workspace volume, and the runner's stand-in workspace
// directory stays empty, so every artifact a task read came from the bucket. The operator archives
// every task's log there; after the run (and with it its pods) is deleted, the logs are still in
// the bucket and `seed logs` prints them.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <set>
#include <sstream>

#include "api/yaml_json.h"
#include "pipeline_testing/operator_process.h"
#include "pipeline_testing/seed_cluster.h"
#include "runner/local_pod_runner.h"
#include "storage/object_client.h"
#include "test_process.h"

namespace seed::e2e {
namespace {

using nlohmann::json;
using pipeline_testing::OperatorOptions;
using pipeline_testing::OperatorProcess;
using pipeline_testing::SeedCluster;
using pipeline_testing::WaitUntil;
using storage_test::S3TestServer;

constexpr char kBucket[] = "seed-artifacts";

std::string ReadAll(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// The example's patch file, its endpoint pointed at the test server.
json ExamplePatch(const std::string& endpoint, const std::string& file = "day-ahead.patch") {
  auto documents = api::ParseYamlDocuments(ReadAll(pipeline_testing::SourceDir() + "/examples/wind/s3/" + file));
  json patch = documents.at(0).value;
  patch["spec"]["artifactRepository"]["s3"]["endpoint"] = endpoint;
  return patch;
}

// Every key under s3://<bucket>/<prefix>.
std::set<std::string> Keys(const S3TestServer& server, const std::string& prefix) {
  storage::StorageConfig config;
  config.endpoint = server.Endpoint();
  config.access_key = S3TestServer::kAccessKey;
  config.secret_key = S3TestServer::kSecretKey;
  storage::ObjectClient client(config);
  std::set<std::string> keys;
  for (const auto& object : client.List(std::string("s3://") + kBucket + "/" + prefix))
    keys.insert(object.key);
  return keys;
}

std::string Download(const S3TestServer& server, const std::string& key, const std::string& local) {
  storage::StorageConfig config;
  config.endpoint = server.Endpoint();
  config.access_key = S3TestServer::kAccessKey;
  config.secret_key = S3TestServer::kSecretKey;
  storage::ObjectClient(config).Get(std::string("s3://") + kBucket + "/" + key, local);
  return ReadAll(local);
}

size_t CountOf(const std::string& text, const std::string& what) {
  size_t count = 0;
  for (size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + what.size())) ++count;
  return count;
}

std::string Describe(const std::set<std::string>& keys) {
  std::string text;
  for (const auto& key : keys) text += "  " + key + "\n";
  return text;
}

// The artifacts and shared files a successful day-ahead run leaves, relative to the key prefix.
std::vector<std::string> ExpectedKeys(const std::string& run) {
  return {"plants/wf01/measurements.csv",   "plants/wf01/nwp.csv",       "models/wf01/model.json",
          "models/wf01/serving/model.json", run + "/qc/clean.csv",       run + "/qc/qc-report.json",
          run + "/forecast/forecast.csv",   run + "/evaluate/daily.csv", run + "/report/report.html"};
}

TEST(WindS3EndToEnd, DayAheadRunsThroughTheOperatorWithArtifactsInTheBucketAndNoSharedVolume) {
  S3TestServer server({kBucket});
  SeedCluster cluster;
  LocalPodRunnerOptions runner_options;
  runner_options.kubeconfig = cluster.kubelet_kubeconfig();
  runner_options.workspace_dir = cluster.Dir() + "/workspace";
  runner_options.scratch_dir = cluster.Dir() + "/pods";
  runner_options.programs = {{"seed-job", SEED_JOB_PATH}};
  LocalPodRunner runner(runner_options);
  OperatorOptions operator_options;
  operator_options.kubeconfig = cluster.operator_kubeconfig();
  operator_options.log_path = cluster.Dir() + "/operator.log";
  OperatorProcess op(operator_options);

  // "S3RVER" in base64: the test server's fixed key pair.
  cluster.Apply(R"({"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "seed-s3"},
                    "data": {"accessKey": "UzNSVkVS", "secretKey": "UzNSVkVS"}})");
  cluster.ApplyDir(pipeline_testing::SourceDir() + "/examples/wind");
  cluster.MergePatch("pipelines", "wind-day-ahead", ExamplePatch(server.Endpoint()));

  cluster.Apply(R"({"apiVersion": "seed.dev/v1alpha1", "kind": "PipelineRun", "metadata": {"name": "s3-run"},
                    "spec": {"pipelineRef": {"name": "wind-day-ahead"}}})");
  auto status = [&] { return cluster.Get("pipelineruns", "s3-run").value("status", json::object()); };
  WaitUntil(
      [&] {
        std::string phase = status().value("phase", "");
        return phase == "Succeeded" || phase == "Failed";
      },
      std::chrono::seconds(400), std::chrono::milliseconds(200));
  std::string logs;
  for (const auto& pod : runner.Started())
    logs += "--- " + pod + "\n" + runner.LogOf(pod).substr(0, 2000) + "\n";
  json final_status = status();
  ASSERT_EQ(final_status.value("phase", ""), "Succeeded") << final_status.dump(2) << "\n" << logs;
  EXPECT_EQ(final_status["progress"], "7/7");

  // No pod had a claim or a workspace volume; each mounted the repository Secret.
  std::vector<json> pods = cluster.List("pods");
  EXPECT_EQ(pods.size(), 7u);
  for (const auto& pod : pods) {
    const std::string name = pod["metadata"].value("name", "");
    for (const auto& volume : pod["spec"]["volumes"]) {
      EXPECT_FALSE(volume.contains("persistentVolumeClaim")) << name << ": " << volume.dump();
      EXPECT_NE(volume.value("name", ""), "seed-workspace") << name;
    }
    EXPECT_NE(pod["spec"]["volumes"].dump().find("\"secretName\":\"seed-s3\""), std::string::npos) << name;
  }
  for (const auto& claim : cluster.List("persistentvolumeclaims"))  // only the example's own wind-data
    EXPECT_EQ(claim["metadata"].value("name", ""), "wind-data");
  EXPECT_TRUE(std::filesystem::is_empty(runner_options.workspace_dir))
      << "a task wrote to the stand-in workspace directory";

  // Downstream tasks were given the upstream artifacts' s3:// URLs ({{tasks.forecast.outputs.forecast}}).
  const json evaluate = cluster.Get("pods", "s3-run-evaluate-1");
  EXPECT_NE(evaluate["spec"]["containers"][0]["args"].dump().find(std::string("\"s3://") + kBucket +
                                                                  "/wind/s3-run/forecast/forecast.csv\""),
            std::string::npos)
      << evaluate.dump();
  const std::set<std::string> keys = Keys(server, "wind/");
  for (const auto& key : ExpectedKeys("s3-run")) {
    EXPECT_TRUE(keys.count("wind/" + key)) << "missing wind/" << key << " in:\n" << Describe(keys) << logs;
  }

  // The log archive: each pod is annotated once its log is in the bucket.
  auto archived = [&] {
    for (const auto& pod : cluster.List("pods")) {
      if (!pod["metadata"].value("annotations", json::object()).contains("seed.dev/log-archived"))
        return false;
    }
    return true;
  };
  ASSERT_TRUE(WaitUntil(archived, std::chrono::seconds(60), std::chrono::milliseconds(100)))
      << ReadAll(operator_options.log_path).substr(0, 4000);
  // A restart neither loses nor repeats: with one pod's record gone (as after a crash between its
  // upload and its annotation), the next operator archives that pod alone.
  op.Stop();
  const size_t archived_lines = CountOf(ReadAll(operator_options.log_path), "task log archived");
  EXPECT_EQ(archived_lines, 7u);
  cluster.MergePatch("pods", "s3-run-qc-1", {{"metadata", {{"annotations", {{"seed.dev/log-archived", nullptr}}}}}});
  op.Start();
  ASSERT_TRUE(WaitUntil(archived, std::chrono::seconds(60), std::chrono::milliseconds(100)));
  op.Stop();
  const std::string restarted_log = ReadAll(operator_options.log_path);
  EXPECT_EQ(CountOf(restarted_log, "task log archived"), archived_lines + 1);
  EXPECT_NE(restarted_log.rfind("s3-run-qc-1"), std::string::npos);
  op.Start();

  const std::string keys_dir = cluster.Dir() + "/keys";
  std::filesystem::create_directories(keys_dir);
  std::ofstream(keys_dir + "/accessKey") << S3TestServer::kAccessKey;
  std::ofstream(keys_dir + "/secretKey") << S3TestServer::kSecretKey;
  const std::map<std::string, std::string> no_aws = {{"AWS_ACCESS_KEY_ID", ""},
                                                     {"AWS_SECRET_ACCESS_KEY", ""}};
  // While the run exists, `seed logs` reads the live pod through the API (pods/NAME/log).
  const std::string evaluate_log = runner.LogOf("s3-run-evaluate-1");
  ASSERT_FALSE(evaluate_log.empty());
  storage_test::CommandResult live = storage_test::RunCommand(
      {SEED_BINARY, "logs", "s3-run", "evaluate", "--kubeconfig", cluster.admin_kubeconfig()}, no_aws, 60);
  EXPECT_EQ(live.exit_code, 0) << live.err;
  EXPECT_EQ(live.out, "==> evaluate attempt 1 (pod s3-run-evaluate-1) <==\n" + evaluate_log);

  // The run is deleted, its pods with it (ownerReferences); the logs stay in the bucket.
  cluster.Delete("pipelineruns", "s3-run");
  ASSERT_TRUE(WaitUntil([&] { return cluster.List("pods").empty(); }, std::chrono::seconds(30)));
  const std::set<std::string> after = Keys(server, "wind/s3-run/");
  for (const std::string task : {"synth", "qc", "train", "forecast", "evaluate", "report", "publish"}) {
    EXPECT_TRUE(after.count("wind/s3-run/" + task + "/1/log.txt")) << task << " in:\n" << Describe(after);
  }
  EXPECT_EQ(Download(server, "wind/s3-run/evaluate/1/log.txt", cluster.Dir() + "/log.txt"), evaluate_log);
  EXPECT_NE(Download(server, "wind/s3-run/evaluate/1/results.json", cluster.Dir() + "/results.json")
                .find("accuracy"),
            std::string::npos);

  // `seed logs` now reads the archive: the repository from the Pipeline, the keys from a directory.
  storage_test::CommandResult all =
      storage_test::RunCommand({SEED_BINARY, "logs", "s3-run", "--kubeconfig", cluster.admin_kubeconfig(),
                                "--pipeline", "wind-day-ahead", "--s3-credentials", keys_dir},
                               no_aws, 60);
  ASSERT_EQ(all.exit_code, 0) << all.err;
  EXPECT_NE(all.out.find("==> evaluate attempt 1 (s3://seed-artifacts/wind/s3-run/evaluate/1/log.txt) <==\n" +
                         evaluate_log),
            std::string::npos)
      << all.out;
  for (const std::string task : {"synth", "qc", "train", "forecast", "report", "publish"})
    EXPECT_NE(all.out.find("==> " + task + " attempt 1 ("), std::string::npos) << task << "\n" << all.out;
  std::cout << "wind on S3: " << keys.size() << " objects under wind/ after the run, " << after.size()
            << " under wind/s3-run/ after it was deleted; seed logs printed " << all.out.size() << " bytes\n";
  storage_test::CommandResult unknown_task = storage_test::RunCommand(
      {SEED_BINARY, "logs", "s3-run", "evaluat", "--kubeconfig", cluster.admin_kubeconfig(), "--pipeline",
       "wind-day-ahead", "--s3-credentials", keys_dir},
      no_aws, 60);
  EXPECT_EQ(unknown_task.exit_code, 2);
  EXPECT_NE(unknown_task.err.find("has no task evaluat in its archived logs; its tasks: evaluate, forecast, "
                                  "publish, qc, report, synth, train"),
            std::string::npos)
      << unknown_task.err;
  storage_test::CommandResult unknown_run = storage_test::RunCommand(
      {SEED_BINARY, "logs", "no-such-run", "--kubeconfig", cluster.admin_kubeconfig()}, no_aws, 60);
  EXPECT_EQ(unknown_run.exit_code, 2);
  EXPECT_NE(unknown_run.err.find(
                "no PipelineRun in namespace default; to read its archived logs give --pipeline NAME"),
            std::string::npos)
      << unknown_run.err;
  storage_test::CommandResult unarchived = storage_test::RunCommand(
      {SEED_BINARY, "logs", "no-such-run", "--kubeconfig", cluster.admin_kubeconfig(), "--pipeline",
       "wind-day-ahead", "--s3-credentials", keys_dir},
      no_aws, 60);
  EXPECT_EQ(unarchived.exit_code, 2);
  EXPECT_NE(unarchived.err.find("no archived logs under s3://seed-artifacts/wind/no-such-run/"),
            std::string::npos)
      << unarchived.err;
}

TEST(WindS3EndToEnd, SeedRunUsesTheSameRepositoryWithCredentialsFromADirectory) {
  S3TestServer server({kBucket});
  const std::string dir =
      std::filesystem::temp_directory_path() / ("seed-s3-run-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir + "/keys");
  std::ofstream(dir + "/keys/accessKey") << S3TestServer::kAccessKey << "\n";
  std::ofstream(dir + "/keys/secretKey") << S3TestServer::kSecretKey << "\n";
  std::ofstream(dir + "/patch.yaml") << api::JsonToYaml(ExamplePatch(server.Endpoint()));

  const storage_test::CommandResult run = storage_test::RunCommand(
      {SEED_BINARY, "run", pipeline_testing::SourceDir() + "/examples/wind", "--patch", dir + "/patch.yaml",
       "--s3-credentials", dir + "/keys", "--workspace", dir + "/ws", "--run-name", "local-s3", "--plain"},
      {{"SEED_JOB_BIN", SEED_JOB_PATH}}, 400);
  ASSERT_EQ(run.exit_code, 0) << run.out << run.err;
  EXPECT_NE(run.out.find(std::string("artifacts in s3://") + kBucket + "/wind"), std::string::npos)
      << run.out;
  EXPECT_NE(run.out.find(std::string("report: s3://") + kBucket + "/wind/local-s3/report/report.html"),
            std::string::npos)
      << run.out;
  const std::set<std::string> keys = Keys(server, "wind/");
  for (const auto& key : ExpectedKeys("local-s3")) {
    EXPECT_TRUE(keys.count("wind/" + key)) << "missing wind/" << key << " in:\n" << Describe(keys) << run.out;
  }
  // The ultra-short pipeline, patched the same way, forecasts from the model the day-ahead run left
  // in the bucket (the two pipelines share it as they share the claim).
  json ultra = ExamplePatch(server.Endpoint(), "ultra-short.patch");
  std::ofstream(dir + "/ultra.patch") << api::JsonToYaml(ultra);
  const storage_test::CommandResult ultra_run = storage_test::RunCommand(
      {SEED_BINARY, "run", pipeline_testing::SourceDir() + "/examples/wind", "--pipeline", "wind-ultra-short",
       "--patch", dir + "/ultra.patch", "--s3-credentials", dir + "/keys", "--workspace", dir + "/ws",
       "--run-name", "local-ultra", "--plain"},
      {{"SEED_JOB_BIN", SEED_JOB_PATH}}, 300);
  ASSERT_EQ(ultra_run.exit_code, 0) << ultra_run.out << ultra_run.err;
  EXPECT_TRUE(Keys(server, "wind/local-ultra/").size() >= 2u) << Describe(Keys(server, "wind/local-ultra/"));

  // Locally only the logs, results files and the run record stay in the workspace directory.
  for (const auto& entry : std::filesystem::recursive_directory_iterator(dir + "/ws")) {
    if (!entry.is_regular_file()) continue;
    const std::string name = entry.path().filename().string();
    EXPECT_TRUE(name.ends_with(".log") || name.ends_with(".results.json") || name == "run.json")
        << entry.path();
  }

  // Without credentials seed run refuses before any task starts, and says what to give.
  const storage_test::CommandResult bare = storage_test::RunCommand(
      {"/usr/bin/env", "-u", "AWS_ACCESS_KEY_ID", "-u", "AWS_SECRET_ACCESS_KEY", "-u",
       "SEED_S3_CREDENTIALS_DIR", SEED_BINARY, "run", pipeline_testing::SourceDir() + "/examples/wind",
       "--patch", dir + "/patch.yaml", "--workspace", dir + "/ws2"},
      {}, 60);
  EXPECT_EQ(bare.exit_code, 2) << bare.out << bare.err;
  EXPECT_NE(bare.err.find("--s3-credentials DIR"), std::string::npos) << bare.err;
  EXPECT_NE(bare.err.find("--local-artifacts"), std::string::npos) << bare.err;
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace seed::e2e
