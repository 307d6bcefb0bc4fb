// Fan-out, fan-in and finally through the operator against the test API emulator: one pod per item
// attempt, the items' outputs as one list downstream, and a failing item that makes the finally
// task's real `seed-job notify` POST the failures to a loopback receiver.
#include <gtest/gtest.h>
#include <httplib.h>
#include <spawn.h>
#include <sys/wait.h>

#include <map>
#include <mutex>
#include <thread>

#include "pipeline_fixture.h"

extern char** environ;

namespace seed::pipeline_testing {
namespace {

using nlohmann::json;

json Object(const std::string& kind, const std::string& name, const json& spec) {
  return {
      {"apiVersion", "seed.dev/v1alpha1"}, {"kind", kind}, {"metadata", {{"name", name}}}, {"spec", spec}};
}

json EnvOf(const json& pod) {
  json env = json::object();
  for (const auto& item : pod["spec"]["containers"][0].value("env", json::array()))
    env[item.value("name", "")] = item.value("value", "");
  return env;
}

json Labels(const json& pod) { return pod["metadata"].value("labels", json::object()); }

json Plants(int count) {
  json plants = json::array();
  for (int i = 1; i <= count; ++i)
    plants.push_back({{"id", "wf" + std::string(i < 10 ? "0" : "") + std::to_string(i)}});
  return plants;
}

void ApplyFleet(SeedCluster& cluster, const json& extra_spec = json::object()) {
  cluster.Apply(
      Object("JobTemplate", "plants",
             {{"command", {"seed-job", "plants"}}, {"outputs", {{{"name", "plants"}, {"kind", "value"}}}}})
          .dump());
  cluster.Apply(Object("JobTemplate", "forecast",
                       {{"command", {"seed-job", "forecast"}},
                        {"args", {"--plant", "{{params.plant}}"}},
                        {"params", {{{"name", "plant"}, {"required", true}}}},
                        {"outputs", {{{"name", "accuracy"}, {"kind", "value"}}}},
                        {"retries", 1}})
                    .dump());
  cluster.Apply(Object("JobTemplate", "summary",
                       {{"command", {"seed-job", "summary"}},
                        {"args", {"--accuracy", "{{params.accuracy}}"}},
                        {"params", {{{"name", "accuracy"}, {"required", true}}}}})
                    .dump());
  json spec = {{"parallelism", 4},
               {"tasks",
                {{{"name", "plants"}, {"templateRef", {{"name", "plants"}}}},
                 {{"name", "forecast"},
                  {"templateRef", {{"name", "forecast"}}},
                  {"withParam", "{{tasks.plants.outputs.plants}}"},
                  {"params", {{"plant", "{{item.id}}"}}}},
                 {{"name", "summary"},
                  {"templateRef", {{"name", "summary"}}},
                  {"params", {{"accuracy", "{{tasks.forecast.outputs.accuracy}}"}}}}}}};
  spec.update(extra_spec);
  cluster.Apply(Object("Pipeline", "fleet", spec).dump());
}

// Successful creates per pod name, from the emulator's write log.
std::map<std::string, int> PodCreates(const std::vector<json>& writes) {
  std::map<std::string, int> creates;
  for (const auto& write : writes) {
    if (write.value("resource", "") == "pods" && write.value("verb", "") == "create" &&
        write.value("code", 0) < 300)
      ++creates[write.value("name", "")];
  }
  return creates;
}

// Waits (bounded) until item `item` of a fanned-out task waits to retry.
bool WaitForItemRetrying(SeedCluster& cluster, const std::string& run, const std::string& task, size_t item) {
  return WaitUntil(
      [&] {
        json phases = cluster.Get("pipelineruns", run).value("/status/tasks"_json_pointer, json::object());
        if (!phases.contains(task)) return false;
        std::string letters = phases[task].value("/items/phases"_json_pointer, json("")).get<std::string>();
        return letters.size() > item && letters[item] == 'T';
      },
      std::chrono::seconds(30));
}

TEST_F(PipelineTest, FanOutRunsOnePodPerItemAttemptAndFansIn) {
  ApplyFleet(*cluster_);
  StartKubelet([](const json& pod) {
    json labels = Labels(pod);
    std::string task = labels.value("seed.dev/task", "");
    if (task == "plants") return PodOutcome::Succeed(json{{"plants", Plants(12)}}.dump());
    if (task == "forecast") {
      int item = std::stoi(labels.value("seed.dev/item", "-1"));
      // Item 7's first attempt fails (retried once); every item reports its accuracy.
      if (item == 7 && labels.value("seed.dev/attempt", "") == "1") return PodOutcome::Fail(1);
      return PodOutcome::Succeed(json{{"accuracy", 0.8 + item / 100.0}}.dump());
    }
    return PodOutcome::Succeed();
  });
  StartOperator();
  cluster_->Apply(RunObject("fleet-1", "fleet").dump());
  // Item 7 waits out its 10 s backoff on the test clock; nothing else is left to run.
  ASSERT_TRUE(WaitForItemRetrying(*cluster_, "fleet-1", "forecast", 7)) << Run("fleet-1").dump(2);
  Advance(std::chrono::seconds(11));
  ASSERT_TRUE(WaitForRunPhase("fleet-1", "Succeeded", std::chrono::seconds(60))) << Run("fleet-1").dump(2);

  auto creates = PodCreates(cluster_->Writes());
  std::map<std::string, int> per_task;
  std::set<std::pair<int, int>> item_attempts;
  for (const auto& pod : cluster_->List("pods")) {
    json labels = Labels(pod);
    ++per_task[labels.value("seed.dev/task", "")];
    if (labels.contains("seed.dev/item")) {
      int item = std::stoi(labels["seed.dev/item"].get<std::string>());
      int attempt = std::stoi(labels["seed.dev/attempt"].get<std::string>());
      EXPECT_TRUE(item_attempts.insert({item, attempt}).second);
      EXPECT_EQ(EnvOf(pod)["SEED_ITEM"], std::to_string(item));
      EXPECT_LE(pod["metadata"]["name"].get<std::string>().size(), 63u);
    }
  }
  // Exactly one pod per item attempt: 12 first attempts and item 7's retry, each created once.
  EXPECT_EQ(per_task["plants"], 1);
  EXPECT_EQ(per_task["forecast"], 13);
  EXPECT_EQ(per_task["summary"], 1);
  EXPECT_EQ(creates.size(), 15u);
  for (const auto& [name, count] : creates) EXPECT_EQ(count, 1) << name << " created " << count << " times";
  EXPECT_TRUE(item_attempts.count({7, 2}));

  json status = Run("fleet-1")["status"];
  json forecast = status["tasks"]["forecast"];
  EXPECT_EQ(forecast["phase"], "Succeeded");
  EXPECT_EQ(forecast["items"]["phases"], std::string(12, 'S'));
  EXPECT_EQ(forecast["items"]["count"], 12);
  json accuracy = json::parse(forecast["outputs"]["accuracy"].get<std::string>());
  ASSERT_EQ(accuracy.size(), 12u);
  EXPECT_DOUBLE_EQ(accuracy[7].get<double>(), 0.87);
  for (const auto& pod : cluster_->List("pods")) {
    if (Labels(pod).value("seed.dev/task", "") != "summary") continue;
    json args = pod["spec"]["containers"][0]["args"];
    EXPECT_EQ(json::parse(args[1].get<std::string>()), accuracy);
  }
}

#ifdef SEED_JOB_BINARY
// Runs a pod's container as a process (the real seed-job), with the pod's env and the webhook URL.
int RunPodCommand(const json& pod, const std::string& url) {
  std::vector<std::string> argv;
  for (const auto& arg : pod["spec"]["containers"][0].value("command", json::array())) argv.push_back(arg);
  for (const auto& arg : pod["spec"]["containers"][0].value("args", json::array())) argv.push_back(arg);
  if (argv.empty() || argv[0] != "seed-job") return 127;
  argv[0] = SEED_JOB_BINARY;
  std::vector<std::string> env = {"WEBHOOK_URL=" + url, "PATH=/usr/bin:/bin"};
  const json pod_env = EnvOf(pod);
  for (const auto& [name, value] : pod_env.items()) {
    if (name != "SEED_RESULTS_FILE") env.push_back(name + "=" + value.get<std::string>());
  }
  std::vector<char*> args, envp;
  for (auto& arg : argv) args.push_back(arg.data());
  args.push_back(nullptr);
  for (auto& entry : env) envp.push_back(entry.data());
  envp.push_back(nullptr);
  pid_t pid = 0;
  if (posix_spawn(&pid, args[0], nullptr, nullptr, args.data(), envp.data()) != 0) return 127;
  int status = 0;
  waitpid(pid, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128;
}

TEST_F(PipelineTest, AFailingItemMakesTheFinallyNotifyPostTheFailures) {
  httplib::Server receiver;
  std::mutex mu;
  std::vector<std::string> bodies;
  receiver.Post("/hook", [&](const httplib::Request& request, httplib::Response& response) {
    std::lock_guard lock(mu);
    bodies.push_back(request.body);
    response.set_content("ok", "text/plain");
  });
  int port = receiver.bind_to_any_port("127.0.0.1");
  std::thread serving([&] { receiver.listen_after_bind(); });
  std::string url = "http://127.0.0.1:" + std::to_string(port) + "/hook";

  cluster_->Apply(Object("JobTemplate", "notify",
                         {{"command", {"seed-job", "notify"}},
                          {"args",
                           {"--status", "{{params.status}}", "--failures", "{{params.failures}}", "--run",
                            "{{run.name}}", "--retry-wait", "0"}},
                          {"params", {{{"name", "status"}}, {{"name", "failures"}}}}})
                      .dump());
  ApplyFleet(*cluster_, {{"finally",
                          {{{"name", "alert"},
                            {"templateRef", {{"name", "notify"}}},
                            {"when", "'{{run.status}}' != Succeeded"},
                            {"params", {{"status", "{{run.status}}"}, {"failures", "{{run.failures}}"}}}}}}});
  StartKubelet([&](const json& pod) {
    json labels = Labels(pod);
    std::string task = labels.value("seed.dev/task", "");
    if (task == "plants") return PodOutcome::Succeed(json{{"plants", Plants(12)}}.dump());
    if (task == "forecast") {
      if (labels.value("seed.dev/item", "") == "7") return PodOutcome::Fail(1);  // both attempts
      return PodOutcome::Succeed(R"({"accuracy": 0.9})");
    }
    if (task == "alert") return RunPodCommand(pod, url) == 0 ? PodOutcome::Succeed() : PodOutcome::Fail(1);
    return PodOutcome::Succeed();
  });
  StartOperator();
  cluster_->Apply(RunObject("fleet-2", "fleet").dump());
  bool retrying = WaitForItemRetrying(*cluster_, "fleet-2", "forecast", 7);
  Advance(std::chrono::seconds(11));
  bool failed = retrying && WaitForRunPhase("fleet-2", "Failed", std::chrono::seconds(90));
  receiver.stop();
  serving.join();
  ASSERT_TRUE(failed) << Run("fleet-2").dump(2);
  json status = Run("fleet-2")["status"];
  EXPECT_EQ(status["tasks"]["summary"]["phase"], "Omitted");
  EXPECT_EQ(status["tasks"]["alert"]["phase"], "Succeeded") << status["tasks"]["alert"].dump();
  std::lock_guard lock(mu);
  ASSERT_EQ(bodies.size(), 1u);
  json body = json::parse(bodies[0]);
  EXPECT_EQ(body["status"], "Failed");
  EXPECT_EQ(body["run"], "fleet-2");
  ASSERT_EQ(body["failures"].size(), 1u) << body.dump();
  EXPECT_EQ(body["failures"][0]["task"], "forecast");
  EXPECT_EQ(body["failures"][0]["item"], 7);
  EXPECT_NE(body["failures"][0]["message"].get<std::string>().find("exit code 1"), std::string::npos);
}
#endif

}  // namespace
}  // namespace seed::pipeline_testing
