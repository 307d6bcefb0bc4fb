#include "serve/model_uri.h"

#include <gtest/gtest.h>

#include "io/input_error.h"

namespace seed::serve {
namespace {

TEST(ModelUriTest, PvcUrisResolveUnderTheMountOfTheirClaim) {
  EXPECT_EQ(ResolveModelPath("pvc://models/wind-wf01/v2.1"), "/mnt/models/wind-wf01/v2.1");
  EXPECT_EQ(ResolveModelPath("pvc://models/wind-wf01/v2.1/model.json"), "/mnt/models/wind-wf01/v2.1/model.json");
  EXPECT_EQ(ResolveModelPath("pvc://models"), "/mnt/models");
  EXPECT_EQ(ResolveModelPath("pvc://models/"), "/mnt/models");
}

TEST(ModelUriTest, FileUrisAndPathsAreUsedAsTheyAre) {
  EXPECT_EQ(ResolveModelPath("file:///srv/model.json"), "/srv/model.json");
  EXPECT_EQ(ResolveModelPath("models/wind.json"), "models/wind.json");
}

TEST(ModelUriTest, RemoteSchemesAreRefusedWithAWayOut) {
  try {
    ResolveModelPath("s3://bucket/wind/model.json");
    FAIL() << "s3 accepted";
  } catch (const io::UsageError& e) {
    EXPECT_STREQ(e.what(),
                 "model URI scheme \"s3://\" is not supported by the built-in server: use a path, file:// or pvc://, "
                 "or download the model into a volume first");
  }
  EXPECT_THROW(ResolveModelPath("pvc:///x"), io::UsageError);
  EXPECT_THROW(ResolveModelPath(""), io::UsageError);
}

}  // namespace
}  // namespace seed::serve
