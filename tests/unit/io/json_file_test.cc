#include "io/json_file.h"

#include <gtest/gtest.h>

#include "io/input_error.h"

namespace seed::io {
namespace {

TEST(JsonFile, SyntaxErrorsCarryLineAndColumn) {
  try {
    ParseJson("{\n  \"a\": 1,\n  \"b\": ]\n}", "m.json");
    FAIL();
  } catch (const InputError& e) {
    EXPECT_EQ(e.line(), 3);
    EXPECT_EQ(e.column(), 8);
    EXPECT_NE(std::string(e.what()).find("invalid JSON"), std::string::npos);
  }
  try {
    ParseJson("{\"a\": [1, 2", "m.json");  // truncated
    FAIL();
  } catch (const InputError& e) {
    EXPECT_EQ(e.line(), 1);
  }
}

TEST(JsonFile, Sha256MatchesTheStandardVector) {
  EXPECT_EQ(Sha256Hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(Sha256Hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

TEST(JsonFile, SplitParseGivesTheSameJson) {
  const std::string text =
      R"({"a":1,"p":{"models":[{"x":[1,2.5,"}"]},{"y":{"z":[]}},{"w":null}],"t":[3]},"s":"]}"})";
  const auto split = ParseJsonSplitAt(text, "models");
  ASSERT_TRUE(split.has_value());
  EXPECT_EQ(*split, nlohmann::json::parse(text));
  EXPECT_EQ((*split)["p"]["models"].size(), 3u);
}

TEST(JsonFile, SplitParseDeclinesWhatItCannotSplitSafely) {
  // Truncated, tampered or of another shape: empty, so the caller parses whole and reports.
  EXPECT_FALSE(ParseJsonSplitAt(R"({"models":[{"x":1},{"y":)", "models").has_value());
  EXPECT_FALSE(ParseJsonSplitAt(R"({"models":[{"x":1},]})", "models").has_value());
  EXPECT_FALSE(ParseJsonSplitAt(R"({"models":[{"x":1}],"b":})", "models").has_value());
  EXPECT_FALSE(ParseJsonSplitAt(R"({"models":[{"x":tru}]})", "models").has_value());
  EXPECT_FALSE(ParseJsonSplitAt(R"({"models":[1,2]})", "models").has_value());
  // The key twice, or possibly spelled with an escape: not split.
  EXPECT_FALSE(ParseJsonSplitAt(R"({"models":[{"x":1}],"q":{"models":[]}})", "models").has_value());
  EXPECT_FALSE(ParseJsonSplitAt(R"({"models":[{"x":1}],"q":{"\u006dodels":[]}})", "models").has_value());
}

}  // namespace
}  // namespace seed::io
