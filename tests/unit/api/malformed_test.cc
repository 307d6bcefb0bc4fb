// Every file in malformed/ is a bad resource whose first line names the message `seed validate`
// (and the operator) must give: "# expect: <substring of file:line: Kind/name: path: message>".
#include <gtest/gtest.h>

#include <filesystem>

#include "local/resource_set.h"
#include "malformed_examples.h"

namespace seed {
namespace {

namespace fs = std::filesystem;

std::vector<std::string> Files() {
  std::vector<std::string> files;
  for (const auto& entry : fs::directory_iterator(SEED_MALFORMED_DIR))
    files.push_back(entry.path().filename().string());
  std::sort(files.begin(), files.end());
  return files;
}

class MalformedTest : public ::testing::TestWithParam<std::string> {};

TEST_P(MalformedTest, ReportsExpectedMessage) {
  std::string path = std::string(SEED_MALFORMED_DIR) + "/" + GetParam();
  auto example = testing::LoadMalformedExample(path);
  ASSERT_FALSE(example.expected.empty()) << "first line must be \"# expect: ...\"";
  const std::string& expected = example.expected;

  auto set = local::BuildResourceSet(example.manifests);
  std::vector<std::string> messages;
  for (const auto& problem : example.problems)
    messages.push_back(problem.file + ":" + std::to_string(problem.line) + ": " + problem.message);
  for (const auto& finding : set.findings) messages.push_back(local::FormatFinding(finding));
  bool found = false;
  std::string all;
  for (const auto& message : messages) {
    found = found || message.find(expected) != std::string::npos;
    all += "  " + message + "\n";
  }
  EXPECT_TRUE(found) << "expected a message containing:\n  " << expected << "\ngot:\n" << all;
  // Every message names the file, so a user can find the problem.
  for (const auto& message : messages) EXPECT_EQ(message.rfind(path, 0), 0u) << message;
}

INSTANTIATE_TEST_SUITE_P(Files, MalformedTest, ::testing::ValuesIn(Files()), [](const auto& param_info) {
  std::string name = param_info.param.substr(0, param_info.param.find('.'));
  for (char& c : name) {
    if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
  }
  return name;
});

TEST(MalformedTest, AtLeastForty) { EXPECT_GE(Files().size(), 40u); }

}  // namespace
}  // namespace seed
