// The line of a failed attempt's termination message that goes into the task's and the run's status.
#include <gtest/gtest.h>

#include "engine/planner.h"

namespace seed::engine {
namespace {

TEST(FailureLineTest, LastNonBlankLineOfTheLogTail) {
  EXPECT_EQ(FailureLine("loading model.json\nnwp.csv:14:2: wind_speed_100m \"x\" is not a number\n\n"),
            "nwp.csv:14:2: wind_speed_100m \"x\" is not a number");
  EXPECT_EQ(FailureLine("single line without newline"), "single line without newline");
  EXPECT_EQ(FailureLine(""), "");
  EXPECT_EQ(FailureLine(" \n\t\n"), "");
}

TEST(FailureLineTest, AResultsObjectGivesItsErrorOrNothing) {
  EXPECT_EQ(FailureLine(R"({"rows": 96, "error": "curtailment file missing"})"), "curtailment file missing");
  EXPECT_EQ(FailureLine(R"({"rows": 96})"), "");
}

TEST(FailureLineTest, LongLinesAreCut) {
  std::string line = FailureLine(std::string(1000, 'x'));
  EXPECT_EQ(line.size(), 300u);
  EXPECT_EQ(line.substr(297), "...");
}

}  // namespace
}  // namespace seed::engine
