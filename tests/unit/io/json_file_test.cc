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

}  // namespace
}  // namespace seed::io
