#include "serve/route.h"

#include <gtest/gtest.h>

namespace seed::serve {
namespace {

TEST(RouteTest, FixedPathsAnswerGetAndHeadOnly) {
  EXPECT_EQ(MatchRoute("GET", "/v2/health/live").endpoint, Endpoint::kLive);
  EXPECT_EQ(MatchRoute("HEAD", "/v2/health/live").endpoint, Endpoint::kLive);
  EXPECT_EQ(MatchRoute("GET", "/v2/health/ready").endpoint, Endpoint::kReady);
  EXPECT_EQ(MatchRoute("GET", "/v2").endpoint, Endpoint::kServerMetadata);
  EXPECT_EQ(MatchRoute("GET", "/metrics").endpoint, Endpoint::kMetrics);
  EXPECT_EQ(MatchRoute("POST", "/v2/health/live").endpoint, Endpoint::kOther);
  EXPECT_EQ(MatchRoute("GET", "/v2/health/live/").endpoint, Endpoint::kOther);
  EXPECT_EQ(MatchRoute("GET", "/v1/models").endpoint, Endpoint::kOther);
  EXPECT_EQ(MatchRoute("GET", "").endpoint, Endpoint::kOther);
}

TEST(RouteTest, ModelPathsCarryTheNameAndTheOptionalVersion) {
  Route infer = MatchRoute("POST", "/v2/models/wind-wf01/infer");
  EXPECT_EQ(infer.endpoint, Endpoint::kInfer);
  EXPECT_EQ(infer.model, "wind-wf01");
  EXPECT_EQ(infer.version, "");

  Route versioned = MatchRoute("POST", "/v2/models/wind-wf01/versions/v2.1/infer");
  EXPECT_EQ(versioned.endpoint, Endpoint::kInfer);
  EXPECT_EQ(versioned.model, "wind-wf01");
  EXPECT_EQ(versioned.version, "v2.1");

  EXPECT_EQ(MatchRoute("GET", "/v2/models/wind-wf01").endpoint, Endpoint::kModelMetadata);
  Route metadata = MatchRoute("GET", "/v2/models/wind-wf01/versions/3");
  EXPECT_EQ(metadata.endpoint, Endpoint::kModelMetadata);
  EXPECT_EQ(metadata.version, "3");
  EXPECT_EQ(MatchRoute("GET", "/v2/models/wind-wf01/ready").endpoint, Endpoint::kModelReady);
  EXPECT_EQ(MatchRoute("GET", "/v2/models/wind-wf01/versions/3/ready").endpoint, Endpoint::kModelReady);
  // A model may be called "ready": the name comes first.
  EXPECT_EQ(MatchRoute("GET", "/v2/models/ready").model, "ready");
}

TEST(RouteTest, AnythingElseUnderModelsIsNoEndpoint) {
  for (const char* path : {"/v2/models/", "/v2/models//infer", "/v2/models/m/infer/", "/v2/models/m/predict",
                           "/v2/models/m/versions", "/v2/models/m/versions/", "/v2/models/m/versions/1/infer/x",
                           "/v2/models/m/releases/1/infer", "/v2/models/m/versions//infer"}) {
    Route route = MatchRoute("POST", path);
    EXPECT_EQ(route.endpoint, Endpoint::kOther) << path;
    EXPECT_EQ(route.model, "") << path;
  }
  EXPECT_EQ(MatchRoute("GET", "/v2/models/m/infer").endpoint, Endpoint::kOther);  // infer is POST
  EXPECT_EQ(MatchRoute("POST", "/v2/models/m/ready").endpoint, Endpoint::kOther);
  EXPECT_EQ(MatchRoute("DELETE", "/v2/models/m").endpoint, Endpoint::kOther);
}

}  // namespace
}  // namespace seed::serve
