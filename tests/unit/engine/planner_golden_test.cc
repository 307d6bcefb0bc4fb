// Golden tests of the planner: golden/<case>.input.yaml (run, pipeline, templates, observed
// attempts, now) -> golden/<case>.expected.json (pods to create and delete, status, requeue).
// SEED_UPDATE_GOLDEN=1 rewrites the expected files; review the diff before committing.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "api/time_format.h"
#include "api/yaml_json.h"
#include "engine/planner.h"

namespace seed::engine {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

std::string Read(const fs::path& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

ObservedAttempt::State ParseState(const std::string& text) {
  if (text == "Running") return ObservedAttempt::State::kRunning;
  if (text == "Succeeded") return ObservedAttempt::State::kSucceeded;
  if (text == "Failed") return ObservedAttempt::State::kFailed;
  return ObservedAttempt::State::kPending;
}

PlanInput ParseInput(const json& doc) {
  PlanInput input;
  api::ValidationErrors errors;
  json run = doc["run"];
  run["apiVersion"] = "seed.dev/v1alpha1";
  run["kind"] = "PipelineRun";
  input.run = api::ParsePipelineRun(run, &errors);
  EXPECT_TRUE(errors.empty()) << api::FormatError(errors.front());
  std::map<std::string, json> templates;
  for (const auto& [name, spec] : doc["templates"].items()) templates[name] = spec;
  input.snapshot = ParseSnapshot(MakeSnapshot(doc["pipeline"], templates), &input.snapshot_errors);
  input.now = *api::ParseRfc3339(doc["now"].get<std::string>());
  if (doc.contains("observed")) {
    for (const auto& [task, attempts] : doc["observed"].items()) {
      for (const auto& item : attempts) {
        ObservedAttempt attempt;
        attempt.attempt = item.value("attempt", 1);
        attempt.state = ParseState(item.value("state", "Pending"));
        if (item.contains("startTime")) attempt.start_time = api::ParseRfc3339(item["startTime"]);
        if (item.contains("finishTime")) attempt.finish_time = api::ParseRfc3339(item["finishTime"]);
        if (item.contains("exitCode")) attempt.exit_code = item["exitCode"].get<int64_t>();
        attempt.reason = item.value("reason", "");
        attempt.message = item.value("message", "");
        attempt.results = item.value("results", "");
        input.observed[task].push_back(attempt);
      }
    }
  }
  return input;
}

json PlanToJson(const Plan& plan) {
  json out = {{"create", json::array()}, {"remove", json::array()}};
  for (const auto& launch : plan.create) {
    json item = {{"task", launch.task},
                 {"attempt", launch.attempt},
                 {"command", launch.spec.command},
                 {"args", launch.spec.args},
                 {"params", launch.params}};
    if (launch.active_deadline_seconds) item["activeDeadlineSeconds"] = *launch.active_deadline_seconds;
    out["create"].push_back(item);
  }
  for (const auto& stop : plan.remove) {
    out["remove"].push_back({{"task", stop.task}, {"attempt", stop.attempt}, {"reason", stop.reason}});
  }
  json status = api::PipelineRunStatusToJson(plan.status);
  status.erase("pipelineSpec");  // the input, echoed
  out["status"] = status;
  out["requeueAt"] = plan.requeue_at ? json(api::FormatRfc3339(*plan.requeue_at)) : json(nullptr);
  return out;
}

std::vector<std::string> Cases() {
  std::vector<std::string> names;
  for (const auto& entry : fs::directory_iterator(SEED_GOLDEN_DIR)) {
    std::string file = entry.path().filename().string();
    const std::string suffix = ".input.yaml";
    if (file.size() > suffix.size() && file.substr(file.size() - suffix.size()) == suffix) {
      names.push_back(file.substr(0, file.size() - suffix.size()));
    }
  }
  std::sort(names.begin(), names.end());
  return names;
}

class PlannerGoldenTest : public ::testing::TestWithParam<std::string> {};

TEST_P(PlannerGoldenTest, MatchesExpected) {
  fs::path dir = SEED_GOLDEN_DIR;
  auto docs = api::ParseYamlDocuments(Read(dir / (GetParam() + ".input.yaml")));
  ASSERT_EQ(docs.size(), 1u);
  json actual = PlanToJson(PlanRun(ParseInput(docs[0].value)));
  fs::path expected_path = dir / (GetParam() + ".expected.json");
  const char* update = std::getenv("SEED_UPDATE_GOLDEN");
  if (update && std::string(update) == "1") {
    std::ofstream(expected_path) << actual.dump(2) << "\n";
    GTEST_SKIP() << "rewrote " << expected_path;
  }
  ASSERT_TRUE(fs::exists(expected_path)) << "missing " << expected_path << " (run with SEED_UPDATE_GOLDEN=1)";
  json expected = json::parse(Read(expected_path));
  EXPECT_EQ(actual, expected) << "actual:\n" << actual.dump(2);
}

INSTANTIATE_TEST_SUITE_P(Golden, PlannerGoldenTest, ::testing::ValuesIn(Cases()), [](const auto& param_info) {
  std::string name = param_info.param;
  for (char& c : name) {
    if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
  }
  return name;
});

}  // namespace
}  // namespace seed::engine
