#include "engine/expression.h"

#include <date/tz.h>
#include <gtest/gtest.h>

#include "api/time_format.h"
#include "engine/when.h"

namespace seed::engine {
namespace {

ExpressionScope Scope() {
  ExpressionScope scope;
  scope.pipeline_params = {{"station", "wf01"}, {"retrain", "true"}, {"horizon", "96"}};
  scope.params = {{"data", "/seed/workspace/r/qc/clean"}};
  scope.outputs = {{"model", "/seed/workspace/r/train/model"}};
  scope.task_outputs = {{"qc", {{"clean", "/seed/workspace/r/qc/clean"}, {"rows", "96"}}}};
  scope.skipped_tasks = {"backfill"};
  scope.run_name = "wind-29922735";
  scope.run_namespace = "plants";
  scope.workspace = "/seed/workspace";
  scope.scheduled_time = *api::ParseRfc3339("2026-11-22T16:15:00Z");  // 2026-11-23 00:15 in Shanghai
  scope.zone = date::locate_zone("Asia/Shanghai");
  return scope;
}

struct Case {
  const char* text;
  const char* expected;
};

class SubstituteTest : public ::testing::TestWithParam<Case> {};

TEST_P(SubstituteTest, Value) {
  auto result = Substitute(GetParam().text, Scope());
  EXPECT_EQ(result.error, "");
  EXPECT_EQ(result.value, GetParam().expected);
}

INSTANTIATE_TEST_SUITE_P(
    Table, SubstituteTest,
    ::testing::Values(Case{"plain text", "plain text"}, Case{"{{pipeline.params.station}}", "wf01"},
                      Case{"--station={{ pipeline.params.station }}", "--station=wf01"},
                      Case{"{{params.data}}", "/seed/workspace/r/qc/clean"},
                      Case{"{{outputs.model}}", "/seed/workspace/r/train/model"},
                      Case{"{{tasks.qc.outputs.rows}}", "96"}, Case{"{{run.name}}", "wind-29922735"},
                      Case{"{{run.namespace}}", "plants"},
                      Case{"{{workspace}}/models", "/seed/workspace/models"},
                      Case{"{{run.scheduledTime}}", "2026-11-23T00:15:00+08:00"},
                      Case{"{{run.scheduledTime | date: \"%Y-%m-%d\"}}", "2026-11-23"},
                      Case{"{{run.scheduledTime | addDays: 1 | date: \"%Y-%m-%d\"}}", "2026-11-24"},
                      Case{"{{run.scheduledTime | addDays: -30 | date: \"%Y%m%d\"}}", "20261024"},
                      Case{"{{run.scheduledTime | addMinutes: -15}}", "2026-11-23T00:00:00+08:00"},
                      Case{"{{run.scheduledTime | addMinutes: 45 | date: \"%H:%M\"}}", "01:00"},
                      Case{"a{{pipeline.params.station}}b{{pipeline.params.horizon}}c", "awf01b96c"}));

TEST(SubstituteTest, AddDaysKeepsTheWallClockAcrossDst) {
  ExpressionScope scope = Scope();
  scope.zone = date::locate_zone("Europe/Berlin");
  scope.scheduled_time = *api::ParseRfc3339("2026-10-24T22:00:00Z");  // 2026-10-25 00:00 CEST
  EXPECT_EQ(Substitute("{{run.scheduledTime | addDays: 1}}", scope).value, "2026-10-26T00:00:00+01:00");
}

TEST(SubstituteTest, UnknownReferencesAreErrorsNotEmptyStrings) {
  EXPECT_EQ(Substitute("{{pipeline.params.nope}}", Scope()).error,
            "unknown pipeline param \"nope\" in {{pipeline.params.nope}}");
  EXPECT_EQ(Substitute("{{tasks.qc.outputs.nope}}", Scope()).error,
            "task \"qc\" reported no output \"nope\" for {{tasks.qc.outputs.nope}}");
  EXPECT_EQ(Substitute("{{run.uid}}", Scope()).error, "unknown reference {{run.uid}}");
  EXPECT_EQ(Substitute("{{run.name | addDays: 1}}", Scope()).error,
            "filters apply only to run.scheduledTime, not to run.name");
  EXPECT_NE(Substitute("{{run.scheduledTime | upper}}", Scope()).error.find("unknown filter"),
            std::string::npos);
  EXPECT_NE(Substitute("{{pipeline.params.station", Scope()).error.find("unclosed"), std::string::npos);
}

TEST(SubstituteTest, SkippedTaskOutputsAreReportedNotSubstituted) {
  auto result = Substitute("{{tasks.backfill.outputs.gaps}}", Scope());
  EXPECT_EQ(result.error, "");
  EXPECT_EQ(result.skipped_tasks, std::vector<std::string>{"backfill"});
}

TEST(SubstituteTest, RenderKeepsUnfinishedTaskOutputsAsPlaceholders) {
  ExpressionScope scope = Scope();
  scope.keep_unresolved_task_outputs = true;
  EXPECT_EQ(Substitute("--n={{tasks.train.outputs.score}}", scope).value,
            "--n={{tasks.train.outputs.score}}");
}

struct WhenCase {
  const char* condition;
  bool expected;
};

class WhenTest : public ::testing::TestWithParam<WhenCase> {};

TEST_P(WhenTest, Evaluates) {
  auto result = EvaluateWhen(GetParam().condition, Scope());
  EXPECT_EQ(result.error, "") << GetParam().condition;
  EXPECT_EQ(result.value, GetParam().expected) << GetParam().condition;
}

INSTANTIATE_TEST_SUITE_P(
    Table, WhenTest,
    ::testing::Values(
        WhenCase{"{{pipeline.params.retrain}} == true", true},
        WhenCase{"{{pipeline.params.retrain}} != true", false},
        WhenCase{"{{pipeline.params.station}} == 'wf01'", true},
        WhenCase{"\"{{pipeline.params.station}}\" == \"wf02\"", false},
        WhenCase{"{{tasks.qc.outputs.rows}} >= 96", true}, WhenCase{"{{tasks.qc.outputs.rows}} > 100", false},
        WhenCase{"{{tasks.qc.outputs.rows}} == 96.0", true},  // numeric when both are numbers
        WhenCase{"{{pipeline.params.retrain}}", true}, WhenCase{"false", false},
        WhenCase{"!({{pipeline.params.station}} == wf01)", false},
        WhenCase{"{{pipeline.params.retrain}} == true && {{tasks.qc.outputs.rows}} < 10", false},
        WhenCase{"{{pipeline.params.retrain}} == false || {{tasks.qc.outputs.rows}} < 100", true},
        WhenCase{"{{run.scheduledTime | date: \"%H\"}} == 00", true}));

TEST(WhenTest, ErrorsAreReported) {
  EXPECT_NE(EvaluateWhen("{{pipeline.params.station}}", Scope()).error.find("is not true or false"),
            std::string::npos);
  EXPECT_NE(EvaluateWhen("a ==", Scope()).error.find("missing operand"), std::string::npos);
  EXPECT_NE(EvaluateWhen("(a == b", Scope()).error.find("missing \")\""), std::string::npos);
  EXPECT_NE(EvaluateWhen("'open == x", Scope()).error.find("unclosed quote"), std::string::npos);
  EXPECT_EQ(CheckWhenSyntax("{{tasks.qc.outputs.rows}} > 3"), "");
  EXPECT_NE(CheckWhenSyntax("a == == b"), "");
}

TEST(WhenTest, SkippedTaskReferenceIsReported) {
  auto result = EvaluateWhen("{{tasks.backfill.outputs.gaps}} > 0", Scope());
  EXPECT_EQ(result.skipped_tasks, std::vector<std::string>{"backfill"});
}

}  // namespace
}  // namespace seed::engine
