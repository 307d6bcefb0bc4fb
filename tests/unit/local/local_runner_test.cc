// The local backend end to end with small sh tasks (argv given explicitly; Seed adds no shell).
#include "local/local_runner.h"

#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <fstream>

#include "api/yaml_json.h"

namespace seed::local {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

class LocalRunnerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    workspace_ =
        fs::temp_directory_path() / ("seed-local-test-" + std::to_string(::getpid()) + "-" +
                                     ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(workspace_);
    fs::create_directories(workspace_);
  }
  void TearDown() override { fs::remove_all(workspace_); }

  api::PipelineRunStatus Run(const std::string& pipeline_yaml, const std::string& templates_yaml,
                             const LocalRunner::Observer& observer = nullptr,
                             std::atomic<bool>* cancel = nullptr) {
    json pipeline = api::ParseYamlDocuments(pipeline_yaml)[0].value;
    std::map<std::string, json> templates;
    json all = api::ParseYamlDocuments(templates_yaml)[0].value;
    for (const auto& [name, spec] : all.items()) templates[name] = spec;
    api::ValidationErrors errors;
    auto snapshot = engine::ParseSnapshot(engine::MakeSnapshot(pipeline, templates), &errors);
    EXPECT_TRUE(errors.empty()) << (errors.empty() ? "" : api::FormatError(errors[0]));
    api::PipelineRun run;
    run.metadata.name = "r1";
    run.spec.pipeline_ref = "p";
    run.spec.scheduled_time = *api::ParseRfc3339("2026-11-22T16:15:00Z");
    LocalOptions options;
    options.workspace = workspace_.string();
    options.grace = std::chrono::seconds(1);
    options.poll = std::chrono::milliseconds(10);
    runner_ = std::make_unique<LocalRunner>(options, run, snapshot, errors);
    return runner_->Run(observer, cancel);
  }

  fs::path workspace_;
  std::unique_ptr<LocalRunner> runner_;
};

constexpr char kTemplates[] = R"(
produce:
  command: [sh, -c, 'echo "rows for $1" > "$0" && printf "{\"rows\": 96}" > "$SEED_RESULTS_FILE"']
  args: ["{{outputs.data}}", "{{params.day}}"]
  params: [{name: day}]
  outputs: [{name: data, kind: artifact}, {name: rows, kind: value}]
check:
  command: [sh, -c, 'grep -q "rows for 2026-11-23" "$0" && test "$1" = 96 && printf "{\"ok\": true}" > "$SEED_RESULTS_FILE"']
  args: ["{{params.input}}", "{{params.rows}}"]
  params: [{name: input}, {name: rows, type: integer}]
  outputs: [{name: ok, kind: value}]
flaky:
  command: [sh, -c, 'echo "attempt $SEED_ATTEMPT"; test "$SEED_ATTEMPT" -ge 2']
  retries: 3
slow:
  command: [sh, -c, 'sleep 30']
brief:
  command: [sh, -c, 'sleep 0.4']
stubborn:
  command: [sh, -c, 'trap "" TERM; touch "$SEED_WORKSPACE/ready"; while true; do sleep 0.1; done']
exclusive:
  command: [sh, -c, 'mkdir "$SEED_WORKSPACE/lock" || exit 3; sleep 0.2; rmdir "$SEED_WORKSPACE/lock"']
missing:
  command: [seed-no-such-program-xyz]
)";

TEST_F(LocalRunnerTest, RunsTheDagAndPassesOutputs) {
  auto status = Run(R"(
schedule: {cron: "@daily", timeZone: Asia/Shanghai}
tasks:
- {name: a, templateRef: {name: produce}, params: {day: '{{run.scheduledTime | date: "%Y-%m-%d"}}'}}
- {name: b, templateRef: {name: check}, params: {input: "{{tasks.a.outputs.data}}", rows: "{{tasks.a.outputs.rows}}"}}
)",
                    kTemplates);
  EXPECT_EQ(status.phase, api::RunPhase::kSucceeded) << status.message << " / " << status.tasks["b"].message;
  EXPECT_EQ(status.tasks["a"].outputs.at("rows"), "96");
  EXPECT_EQ(status.tasks["b"].outputs.at("ok"), "true");
  EXPECT_TRUE(fs::exists(workspace_ / "r1" / "a" / "data"));
  EXPECT_TRUE(fs::exists(workspace_ / "r1" / "a" / "attempt-1.log"));
  EXPECT_EQ(status.progress, "2/2");
}

TEST_F(LocalRunnerTest, RetriesWithBackoffUntilSuccess) {
  auto status = Run("tasks: [{name: f, templateRef: {name: flaky}}]", kTemplates);
  EXPECT_EQ(status.phase, api::RunPhase::kSucceeded);
  EXPECT_EQ(status.tasks["f"].attempt, 2);
  EXPECT_TRUE(fs::exists(workspace_ / "r1" / "f" / "attempt-2.log"));
  EXPECT_NE(TailLines((workspace_ / "r1" / "f" / "attempt-1.log").string(), 1).find("attempt 1"),
            std::string::npos);
}

TEST_F(LocalRunnerTest, TimeoutStopsTheProcess) {
  auto start = std::chrono::steady_clock::now();
  auto status = Run("tasks: [{name: s, templateRef: {name: slow}, timeoutSeconds: 1}]", kTemplates);
  EXPECT_EQ(status.phase, api::RunPhase::kFailed);
  EXPECT_EQ(status.tasks["s"].reason, "Timeout");
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(10));
}

TEST_F(LocalRunnerTest, TimeoutNeverFiresEarly) {
  // Start times are whole seconds: a 0.4 s task with timeoutSeconds: 1 used to be cut short
  // whenever it started late in a second and was still running when the next second began (3 of
  // 14 runs). Each run takes about 0.45 s, so ten runs start at different points of a second.
  for (int i = 0; i < 10; ++i) {
    auto status = Run("tasks: [{name: b, templateRef: {name: brief}, timeoutSeconds: 1}]", kTemplates);
    EXPECT_EQ(status.phase, api::RunPhase::kSucceeded) << "run " << i << ": " << status.tasks["b"].message;
    fs::remove_all(workspace_ / "r1");
  }
}

TEST_F(LocalRunnerTest, CancelSendsSigtermThenSigkill) {
  std::atomic<bool> cancel{false};
  auto start = std::chrono::steady_clock::now();
  auto status = Run(
      "tasks: [{name: s, templateRef: {name: stubborn}}]", kTemplates,
      [&](const api::PipelineRunStatus&) {
        // Cancel once the task has set its SIGTERM trap (bounded: at the latest after 20 s).
        if (fs::exists(workspace_ / "ready") ||
            std::chrono::steady_clock::now() - start > std::chrono::seconds(20)) {
          cancel = true;
        }
      },
      &cancel);
  EXPECT_EQ(status.phase, api::RunPhase::kCancelled);
  EXPECT_EQ(status.tasks["s"].phase, api::TaskPhase::kCancelled);
  auto elapsed = std::chrono::steady_clock::now() - start;
  EXPECT_GE(elapsed, std::chrono::milliseconds(900));  // it ignored SIGTERM for the 1 s grace
  EXPECT_LT(elapsed, std::chrono::seconds(10));
}

TEST_F(LocalRunnerTest, ParallelismIsHonoured) {
  int most = 0;
  auto status = Run(R"(
parallelism: 1
tasks:
- {name: a, templateRef: {name: exclusive}}
- {name: b, templateRef: {name: exclusive}}
- {name: c, templateRef: {name: exclusive}}
)",
                    kTemplates, [&](const api::PipelineRunStatus& s) {
                      int running = 0;
                      for (const auto& [name, task] : s.tasks)
                        running += task.phase == api::TaskPhase::kRunning;
                      most = std::max(most, running);
                    });
  // Two at once would collide on the lock directory and fail with exit code 3.
  EXPECT_EQ(status.phase, api::RunPhase::kSucceeded) << status.message;
  EXPECT_LE(most, 1);
}

TEST_F(LocalRunnerTest, MissingProgramIsAClearFailure) {
  auto status = Run("tasks: [{name: m, templateRef: {name: missing}}]", kTemplates);
  EXPECT_EQ(status.phase, api::RunPhase::kFailed);
  EXPECT_EQ(status.tasks["m"].exit_code, 127);
  EXPECT_NE(status.tasks["m"].message.find("cannot start seed-no-such-program-xyz"), std::string::npos)
      << status.tasks["m"].message;
}

}  // namespace
}  // namespace seed::local

namespace seed::local {
namespace {

// seed run with the same planner as the operator: a withParam fan-out of processes (one per item,
// SEED_ITEM set, artifacts under <task>/<item>/), a failed item retried, the fan-in list, and a
// finally task that sees the outcome.
TEST_F(LocalRunnerTest, FanOutFanInAndFinallyRunAsProcesses) {
  constexpr char kFanTemplates[] = R"(
list:
  command: [sh, -c, 'printf "{\"plants\": [\"wf01\", \"wf02\", \"wf03\"]}" > "$SEED_RESULTS_FILE"']
  outputs: [{name: plants, kind: value}]
score:
  command: [sh, -c, 'if [ "$SEED_ITEM" = 1 ] && [ "$SEED_ATTEMPT" = 1 ]; then exit 1; fi; echo "$1" > "$0"; printf "{\"score\": %s}" "$SEED_ITEM" > "$SEED_RESULTS_FILE"']
  args: ["{{outputs.out}}", "{{params.plant}}"]
  params: [{name: plant}]
  outputs: [{name: out, kind: artifact}, {name: score, kind: value}]
  retries: 1
echo:
  command: [sh, -c, 'printf "%s" "$0" > "$SEED_WORKSPACE/echo-$1.txt"']
  args: ["{{params.text}}", "{{params.name}}"]
  params: [{name: text}, {name: name}]
)";
  constexpr char kFanPipeline[] = R"(
tasks:
- {name: list, templateRef: {name: list}}
- {name: score, templateRef: {name: score}, withParam: "{{tasks.list.outputs.plants}}", params: {plant: "{{item}}"}}
- {name: sum, templateRef: {name: echo}, params: {text: "{{tasks.score.outputs.score}} {{tasks.score.outputs.out}}", name: sum}}
finally:
- {name: after, templateRef: {name: echo}, params: {text: "{{run.status}}", name: after}}
)";
  auto status = Run(kFanPipeline, kFanTemplates);
  ASSERT_EQ(status.phase, api::RunPhase::kSucceeded) << status.message;
  EXPECT_EQ(status.tasks.at("score").items->phases, "SSS");
  std::ifstream sum(workspace_ / "echo-sum.txt");
  std::string text((std::istreambuf_iterator<char>(sum)), std::istreambuf_iterator<char>());
  std::string root = workspace_.string() + "/r1/score/";
  EXPECT_EQ(text, "[0,1,2] [\"" + root + "0/out\",\"" + root + "1/out\",\"" + root + "2/out\"]");
  std::ifstream item(root + "1/out");
  std::string plant;
  item >> plant;
  EXPECT_EQ(plant, "wf02");
  EXPECT_TRUE(fs::exists(root + "1/attempt-1.log"));  // the failed first attempt's log, kept
  EXPECT_TRUE(fs::exists(root + "1/attempt-2.log"));
  std::ifstream after(workspace_ / "echo-after.txt");
  std::string outcome;
  after >> outcome;
  EXPECT_EQ(outcome, "Succeeded");
}

}  // namespace
}  // namespace seed::local

namespace seed::local {
namespace {

// seed run --resume's core: a run whose item 2 fails, resumed from ResumeStatus once the cause is
// gone, runs item 2 alone (the other items' processes do not start again) and then the fan-in.
TEST_F(LocalRunnerTest, AResumedRunRunsOnlyTheFailedItem) {
  const std::string marker = (workspace_ / "nwp-arrived").string();
  const std::string templates =
      std::string(R"(
score:
  command: [sh, -c, 'echo started >> "$SEED_WORKSPACE/starts-$SEED_ITEM"; if [ "$SEED_ITEM" = 2 ] && [ ! -e ")") +
      marker + R"(" ]; then exit 1; fi; printf "{\"score\": %s}" "$SEED_ITEM" > "$SEED_RESULTS_FILE"']
  outputs: [{name: score, kind: value}]
echo:
  command: [sh, -c, 'printf "%s" "$0" > "$SEED_WORKSPACE/sum.txt"']
  args: ["{{params.text}}"]
  params: [{name: text}]
)";
  const char* pipeline = R"(
tasks:
- {name: score, templateRef: {name: score}, withItems: [a, b, c, d]}
- {name: sum, templateRef: {name: echo}, params: {text: "{{tasks.score.outputs.score}}"}}
)";
  auto failed = Run(pipeline, templates);
  ASSERT_EQ(failed.phase, api::RunPhase::kFailed);
  std::ofstream(marker) << "now\n";
  // The resumed run: same name and workspace, the status ResumeStatus makes of the failed one.
  json pipeline_json = api::ParseYamlDocuments(pipeline)[0].value;
  std::map<std::string, json> template_specs;
  const json all_templates = api::ParseYamlDocuments(templates)[0].value;
  for (const auto& [name, spec] : all_templates.items()) template_specs[name] = spec;
  api::ValidationErrors errors;
  auto snapshot = engine::ParseSnapshot(engine::MakeSnapshot(pipeline_json, template_specs), &errors);
  api::PipelineRun run;
  run.metadata.name = "r1";
  run.spec.pipeline_ref = "p";
  run.status = engine::ResumeStatus(failed);
  LocalOptions options;
  options.workspace = workspace_.string();
  options.poll = std::chrono::milliseconds(10);
  LocalRunner resumed(options, run, snapshot, errors);
  auto status = resumed.Run(nullptr, nullptr);
  ASSERT_EQ(status.phase, api::RunPhase::kSucceeded) << status.message;
  auto lines = [&](const std::string& file) {
    std::ifstream in(workspace_ / file);
    int n = 0;
    for (std::string line; std::getline(in, line);) ++n;
    return n;
  };
  EXPECT_EQ(lines("starts-0"), 1);
  EXPECT_EQ(lines("starts-1"), 1);
  EXPECT_EQ(lines("starts-2"), 2);  // failed, then resumed
  EXPECT_EQ(lines("starts-3"), 1);
  std::ifstream sum(workspace_ / "sum.txt");
  std::string text;
  sum >> text;
  EXPECT_EQ(text, "[0,1,2,3]");
}

}  // namespace
}  // namespace seed::local
