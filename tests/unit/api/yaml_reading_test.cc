// Reading resource YAML: duplicate keys, syntax errors at their cause, and the scalars YAML 1.1
// (the Kubernetes API server, kubectl) reads differently from YAML 1.2 (seed).
#include <gtest/gtest.h>

#include <cmath>

#include "api/yaml11.h"
#include "api/yaml_json.h"

namespace seed::api {
namespace {

using nlohmann::json;

YamlSyntaxError SyntaxErrorOf(const std::string& text) {
  try {
    ParseYamlDocuments(text);
  } catch (const YamlSyntaxError& error) {
    return error;
  }
  ADD_FAILURE() << "no syntax error for:\n" << text;
  return YamlSyntaxError(0, 0, "");
}

TEST(YamlReading, DuplicateKeyIsAnErrorNamingKeyAndBothLines) {
  auto error = SyntaxErrorOf("spec:\n  command: [a]\n  args: [b]\n  command: [c]\n");
  EXPECT_EQ(error.line(), 4);
  EXPECT_NE(std::string(error.what()).find("duplicate key \"command\" in spec (first at line 2)"),
            std::string::npos)
      << error.what();
  // In a flow map and at the top level too.
  EXPECT_EQ(SyntaxErrorOf("metadata: {name: a, name: b}\n").line(), 1);
  EXPECT_EQ(SyntaxErrorOf("kind: A\nkind: B\n").line(), 2);
  // The same key in two different maps is fine.
  EXPECT_NO_THROW(ParseYamlDocuments("a: {name: x}\nb: {name: y}\n"));
}

// Found by fuzzing (tests/fuzz/corpus/resource_yaml/regression-*): yaml-cpp 0.7 loops forever,
// allocating, on a ',' where a node should begin (a document's start, or after a block ends at a
// lower indentation); it must be a syntax error at once.
TEST(YamlReading, ACommaWhereAValueShouldBeginIsAnErrorNotAHang) {
  for (const std::string text :
       {",\n", ",apiVersion: seed.dev/v1alpha1\nkind: JobTemplate\n", "# c\n\n  ,a\n", "a: 1\n---\n,b\n",
        "--- ,a\n", "%YAML 1.2\n---\n,\n", "  outputs:\n  - {name: model}\n, type: integer\n"}) {
    auto error = SyntaxErrorOf(text);
    EXPECT_NE(std::string(error.what()).find("',' cannot begin a value here"), std::string::npos) << text;
    EXPECT_GE(error.line(), 1) << text;
  }
  EXPECT_EQ(SyntaxErrorOf("a: 1\n---\n,b\n").line(), 3);
  // A ',' anywhere else is the parser's business, as before.
  EXPECT_NO_THROW(ParseYamlDocuments("args: [a\n  , b]\n"));
  EXPECT_NO_THROW(ParseYamlDocuments("a: ',x'\n---x: 1\n"));
}

TEST(YamlReading, TabInIndentationIsReportedWithTheRule) {
  auto error = SyntaxErrorOf("spec:\n  image: x\n\tcommand: [a]\n");
  EXPECT_EQ(error.line(), 3);
  EXPECT_NE(std::string(error.what()).find("YAML forbids tabs for indentation"), std::string::npos)
      << error.what();
}

TEST(YamlReading, UnclosedFlowCollectionIsReportedWhereItOpened) {
  auto map = SyntaxErrorOf("kind: JobTemplate\nmetadata: {name: a\nspec:\n  command: [x]\n");
  EXPECT_EQ(map.line(), 2);
  EXPECT_EQ(map.column(), 11);
  EXPECT_NE(std::string(map.what()).find("'{' at line 2, column 11 is never closed: add the closing '}'"),
            std::string::npos)
      << map.what();
  auto list = SyntaxErrorOf("spec:\n  command: [x, y\n  args: [z]\n");
  EXPECT_EQ(list.line(), 2);
  EXPECT_NE(std::string(list.what()).find("add the closing ']'"), std::string::npos) << list.what();
  auto mismatched = SyntaxErrorOf("spec:\n  command: [x, y}\n");
  EXPECT_NE(std::string(mismatched.what()).find("does not match the '[' opened at line 2"), std::string::npos)
      << mismatched.what();
}

TEST(YamlReading, KeyWithoutColonIsReportedOnItsOwnLine) {
  for (const char* entry : {"command [x]", "command:[x]"}) {
    auto error = SyntaxErrorOf(std::string("spec:\n  ") + entry + "\n  # a comment\n\n  args: [y]\n");
    EXPECT_EQ(error.line(), 2) << entry << ": " << error.what();
    EXPECT_NE(std::string(error.what()).find("write \"command: value\", with a space after the colon"),
              std::string::npos)
        << error.what();
  }
}

TEST(YamlReading, BracketsAndTabsInsideStringsAndBlockScalarsAreNoCause) {
  // The parser fails on the last line (bad indentation); nothing before it is blamed.
  auto error = SyntaxErrorOf(
      "a: \"[{\\\"\"\nb: '{x'' ['\nc: |\n  [ unclosed\n  \ttabbed\nd: x]{\ne:\n  f: 1\n g: 2\n");
  EXPECT_EQ(std::string(error.what()).find("never closed"), std::string::npos) << error.what();
  EXPECT_EQ(std::string(error.what()).find("tab"), std::string::npos) << error.what();
}

TEST(YamlReading, Yaml11TypeRepositoryReferenceValues) {
  // yaml.org/type/int and /float: every form of 685230 and 685230.15.
  for (const char* form :
       {"685230", "+685_230", "02472256", "0x_0A_74_AE", "0b1010_0111_0100_1010_1110", "190:20:30"})
    EXPECT_EQ(ResolveYaml11(form), json(685230)) << form;
  for (const char* form : {"6.8523015e+5", "685.230_15e+03", "685_230.15", "190:20:30.15"})
    EXPECT_NEAR(ResolveYaml11(form).get<double>(), 685230.15, 1e-6) << form;
  EXPECT_TRUE(std::isinf(ResolveYaml11("-.inf").get<double>()));
  EXPECT_TRUE(std::isnan(ResolveYaml11(".NaN").get<double>()));
  // yaml.org/type/bool and /null.
  for (const char* word : {"y", "Y", "yes", "Yes", "YES", "true", "True", "TRUE", "on", "On", "ON"})
    EXPECT_EQ(ResolveYaml11(word), json(true)) << word;
  for (const char* word : {"n", "N", "no", "No", "NO", "false", "False", "FALSE", "off", "Off", "OFF"})
    EXPECT_EQ(ResolveYaml11(word), json(false)) << word;
  for (const char* word : {"~", "null", "Null", "NULL", ""})
    EXPECT_TRUE(ResolveYaml11(word).is_null()) << word;
  for (const char* word : {"0o17", "08", "yES", "1.2.3", "wf01", "2026-01-01"})
    EXPECT_EQ(ResolveYaml11(word), json(word)) << word;
}

TEST(YamlReading, FlagsEveryPlainScalarReadDifferentlyInYaml11KeysAndValues) {
  auto docs = ParseYamlDocuments(
      "a: [on, 0777, 1_000, 1:20, 0o17, .inf, N, \"y\", 'no', 1e3, 0x1F, 12, 1.5, true, wf01, 2026-01-01]\n"
      "params: {n: x, \"y\": x, yes: x, <<: x, 1: x}\n");
  ASSERT_EQ(docs.size(), 1u);
  std::vector<std::string> flagged;
  for (const auto& note : docs[0].yaml11) {
    EXPECT_NE(note.message.find("in quotes"), std::string::npos) << note.message;
    flagged.push_back(note.path + " " + std::to_string(note.line));
  }
  EXPECT_EQ(flagged, (std::vector<std::string>{"a[0] 1", "a[1] 1", "a[2] 1", "a[3] 1", "a[4] 1", "a[5] 1",
                                               "a[6] 1", "params 2", "params 2", "params 2"}));
  EXPECT_NE(docs[0].yaml11[7].message.find("the key n is the boolean false"), std::string::npos);
  EXPECT_NE(docs[0].yaml11[7].message.find("store the key \"false\""), std::string::npos);
  EXPECT_NE(docs[0].yaml11[1].message.find("0777 is the integer 511 in YAML 1.1"), std::string::npos);
  EXPECT_NE(docs[0].yaml11[1].message.find("the integer 777 in YAML 1.2"), std::string::npos);
  EXPECT_EQ(docs[0].value["a"][4], json(15));  // YAML 1.2 core: 0o17 is octal
}

TEST(YamlReading, PrintedStringsReadBackAsStringsInYaml11AndYaml12) {
  // `seed render` output goes to kubectl: a string must stay a string for both readers.
  json object = json::object();
  for (const char* text : {"y", "No", "on", ".inf", "-.Inf", ".nan", "0x1F", "0o17", "0777", "1_000", "1:20",
                           "1e3", "<<", "~", "wf01", "2026-01-01"})
    object[text] = text;
  std::string yaml = JsonToYaml(object);
  auto docs = ParseYamlDocuments(yaml);
  ASSERT_EQ(docs.size(), 1u);
  EXPECT_EQ(docs[0].value, object) << yaml;
  EXPECT_TRUE(docs[0].yaml11.empty()) << yaml;
}

}  // namespace
}  // namespace seed::api
