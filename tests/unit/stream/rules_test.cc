#include "stream/rules.h"

#include <gtest/gtest.h>

#include "io/input_error.h"

namespace seed::stream {
namespace {

using nlohmann::json;

const RuleDefaults kDefaults{.output_topic = "forecasts", .error_topic = ""};

std::string ErrorOf(const json& document) {
  try {
    ParseRules(document, "rules.json", "/etc/seed", kDefaults);
  } catch (const io::InputError& e) {
    return e.what();
  }
  return "";
}

TEST(Rules, ARulesFileRoutesTopicsToModelsWithTheirTopics) {
  const StreamRules rules = ParseRules(
      json::parse(
          R"({"models": {"wf01": {"path": "wf01/model.json", "version": "v2"}, "pv03": {"path": "/m/pv.json"}},
                      "rules": [{"topic": "plant/wf01/+/features", "model": "wf01", "output_topic": "out/wf01"},
                                {"topic": "plant/pv03/#", "model": "pv03", "error_topic": "errs"}]})"),
      "rules.json", "/etc/seed", kDefaults);
  ASSERT_EQ(rules.models.size(), 2u);
  const ModelSpec& wf01 = rules.models[rules.rules.at(0).model];
  const ModelSpec& pv03 = rules.models[rules.rules.at(1).model];
  EXPECT_EQ(wf01.name, "wf01");
  EXPECT_EQ(wf01.version, "v2");
  EXPECT_EQ(wf01.path, "/etc/seed/wf01/model.json");  // relative to the rules file
  EXPECT_EQ(pv03.name, "pv03");
  EXPECT_EQ(pv03.path, "/m/pv.json");
  ASSERT_EQ(rules.rules.size(), 2u);
  EXPECT_EQ(rules.rules[0].output_topic, "out/wf01");
  EXPECT_EQ(rules.rules[0].error_topic, "out/wf01/errors");
  EXPECT_EQ(rules.rules[1].output_topic, "forecasts");
  EXPECT_EQ(rules.rules[1].error_topic, "errs");
  EXPECT_EQ(rules.Route("plant/wf01/t7/features"), 0u);
  EXPECT_EQ(rules.Route("plant/pv03/inverter/2"), 1u);
  EXPECT_EQ(rules.Route("plant/wf02/t7/features"), StreamRules::kNoRule);
}

TEST(Rules, MistakesAreNamedWithTheirPlace) {
  EXPECT_NE(
      ErrorOf(
          json::parse(R"({"models": {"a": {"path": "a.json"}}, "rules": [{"topic": "x/#", "model": "b"}]})"))
          .find("rules[0].model \"b\" is not in \"models\" (a)"),
      std::string::npos);
  EXPECT_NE(ErrorOf(json::parse(R"({"models": {"a": {"path": "a.json"}},
                                    "rules": [{"topic": "p/+/f", "model": "a"}, {"topic": "p/wf01/#", "model": "a"}]})"))
                .find("overlaps rules[0].topic"),
            std::string::npos);
  EXPECT_NE(ErrorOf(json::parse(
                        R"({"models": {"a": {"path": "a.json"}}, "rules": [{"topic": "#", "model": "a"}]})"))
                .find("matches its own output or error topic"),
            std::string::npos);
  EXPECT_NE(ErrorOf(json::parse(R"({"models": {"a": {}}, "rules": [{"topic": "x", "model": "a"}]})"))
                .find("models.a.path is required"),
            std::string::npos);
  EXPECT_NE(
      ErrorOf(json::parse(R"({"models": {"a": {"path": "a"}}, "rules": [{"topic": "x/#/y", "model": "a"}]})"))
          .find("rules[0]: topic filter \"x/#/y\""),
      std::string::npos);
  EXPECT_NE(
      ErrorOf(json::parse(R"({"models": {"a": {"path": "a"}}, "rules": [{"topic": "x", "modle": "a"}]})"))
          .find("unknown key \"modle\""),
      std::string::npos);
  EXPECT_NE(ErrorOf(json::parse(R"([])")).find("a rules file is a JSON object"), std::string::npos);
}

TEST(Rules, ARuleWithoutAnyOutputTopicIsRefused) {
  EXPECT_THROW(
      ParseRules(json::parse(R"({"models": {"a": {"path": "a"}}, "rules": [{"topic": "x", "model": "a"}]})"),
                 "rules.json", ".", RuleDefaults{}),
      io::InputError);
  EXPECT_THROW(
      SingleRule("in/#", ModelSpec{.name = "m", .path = "m.json"}, RuleDefaults{.output_topic = "in/out"}),
      io::UsageError);
}

}  // namespace
}  // namespace seed::stream
