// The fetch tests' main: the database servers start once for the whole binary (starting one
// takes about a second; once per test would dominate the run) and stop at the end.
#include <gtest/gtest.h>

#include "fetch_fixture.h"

namespace {

class Servers : public ::testing::Environment {
 public:
  void SetUp() override { seed::fetch_test::StartServers(); }
  void TearDown() override { seed::fetch_test::StopServers(); }
};

}  // namespace

int main(int argc, char** argv) {
  ::testing::InitGoogleTest(&argc, argv);
  ::testing::AddGlobalTestEnvironment(new Servers);
  return RUN_ALL_TESTS();
}
