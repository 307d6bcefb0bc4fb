#include "stream/topic_filter.h"

#include <gtest/gtest.h>

namespace seed::stream {
namespace {

TEST(TopicFilter, WildcardsMatchAsTheMqttSpecificationSays) {
  EXPECT_TRUE(TopicMatches("plant/wf01/features", "plant/wf01/features"));
  EXPECT_FALSE(TopicMatches("plant/wf01/features", "plant/wf02/features"));
  EXPECT_TRUE(TopicMatches("plant/+/features", "plant/wf01/features"));
  EXPECT_FALSE(TopicMatches("plant/+/features", "plant/wf01/t1/features"));
  EXPECT_TRUE(TopicMatches("plant/+", "plant/"));  // an empty level is a level
  EXPECT_TRUE(TopicMatches("plant/#", "plant/wf01/t1/features"));
  EXPECT_TRUE(TopicMatches("plant/#", "plant"));  // '#' includes the parent level
  EXPECT_FALSE(TopicMatches("plant/#", "plants/wf01"));
  EXPECT_TRUE(TopicMatches("#", "anything/at/all"));
  EXPECT_TRUE(TopicMatches("+/+", "/x"));
  EXPECT_FALSE(TopicMatches("#", "$SYS/broker/uptime"));  // '$' topics are not matched by a leading wildcard
  EXPECT_TRUE(TopicMatches("$SYS/#", "$SYS/broker/uptime"));
}

TEST(TopicFilter, InvalidFiltersAndTopicNamesAreExplained) {
  EXPECT_FALSE(FilterError("plant/+/features"));
  EXPECT_FALSE(FilterError("#"));
  ASSERT_TRUE(FilterError(""));
  ASSERT_TRUE(FilterError("plant/#/features"));
  EXPECT_NE(FilterError("plant/#/features")->find("'#' must be a whole level and the last one"),
            std::string::npos);
  ASSERT_TRUE(FilterError("plant/wf+/x"));
  EXPECT_NE(FilterError("plant/wf+/x")->find("'+' must be a whole level"), std::string::npos);
  EXPECT_TRUE(FilterError("plant#"));
  EXPECT_FALSE(TopicNameError("out/wf01"));
  EXPECT_TRUE(TopicNameError("out/+"));
  EXPECT_TRUE(TopicNameError(""));
}

TEST(TopicFilter, OverlapIsFoundWheneverOneTopicCouldMatchBoth) {
  EXPECT_TRUE(FiltersOverlap("plant/+/features", "plant/wf01/#"));
  EXPECT_TRUE(FiltersOverlap("plant/#", "plant"));
  EXPECT_TRUE(FiltersOverlap("a/+/c", "a/b/+"));
  EXPECT_FALSE(FiltersOverlap("plant/wf01/+", "plant/wf02/+"));
  EXPECT_FALSE(FiltersOverlap("a/+", "a/+/c"));
  EXPECT_FALSE(FiltersOverlap("a/b", "a/b/c"));
}

}  // namespace
}  // namespace seed::stream
