#include "stream/message.h"

#include <gtest/gtest.h>

#include "../serve/fake_model.h"

namespace seed::stream {
namespace {

using nlohmann::json;

TEST(Message, OneRowIsPredictedAndTheResultEchoesIdTimeAndTopic) {
  const serve::ServedModel model = serve::testing::FakeModel();
  FeatureMessage message;
  ASSERT_FALSE(ParseFeatureMessage(
      R"({"id": "m-1", "time": "2026-12-07T10:00:00.25Z", "features": {"wd": 10, "ws": 7.5}})", model,
      &message));
  EXPECT_EQ(message.request.rows, 1u);
  EXPECT_EQ(message.request.values, (std::vector<double>{7.5, 10}));  // in the model's order
  ASSERT_TRUE(message.time_unix);
  EXPECT_DOUBLE_EQ(*message.time_unix, 1796637600.25);
  std::vector<double> predictions;
  serve::PredictRows(model, message.request, &predictions);
  std::string payload;
  WriteResultMessage(model, message, "plant/wf01/features", predictions, &payload);
  EXPECT_EQ(json::parse(payload),
            json::parse(R"({"id": "m-1", "time": "2026-12-07T10:00:00.25Z", "topic": "plant/wf01/features",
                            "model_name": "wind-wf01", "model_version": "v2.1", "outputs": [
                            {"name": "p10", "datatype": "FP64", "shape": [1], "data": [19]},
                            {"name": "p50", "datatype": "FP64", "shape": [1], "data": [20]},
                            {"name": "p90", "datatype": "FP64", "shape": [1], "data": [21]},
                            {"name": "forecast_mw", "datatype": "FP64", "shape": [1], "data": [20]}]})"));
}

TEST(Message, ABatchAndTheModelServersBodyAreAccepted) {
  const serve::ServedModel model = serve::testing::FakeModel();
  FeatureMessage message;
  ASSERT_FALSE(ParseFeatureMessage(
      R"({"id": 7, "time": 1796637600, "features": [{"ws": 1, "wd": 2}, {"ws": 3, "wd": 4}]})", model,
      &message));
  EXPECT_EQ(message.request.rows, 2u);
  EXPECT_EQ(message.request.values, (std::vector<double>{1, 2, 3, 4}));
  EXPECT_EQ(message.id, 7);
  ASSERT_FALSE(
      ParseFeatureMessage(R"({"inputs": [{"name": "x", "shape": [1, 2], "datatype": "FP64", "data": [5, 6]}],
                                       "outputs": [{"name": "p90"}]})",
                          model, &message));
  EXPECT_EQ(message.request.values, (std::vector<double>{5, 6}));
  EXPECT_EQ(message.request.outputs, (std::vector<size_t>{2}));
}

TEST(Message, BadMessagesSayWhatIsWrong) {
  const serve::ServedModel model = serve::testing::FakeModel();
  FeatureMessage message;
  auto error = [&](const char* payload) {
    return ParseFeatureMessage(payload, model, &message).value_or("");
  };
  EXPECT_NE(error("{oops").find("not valid JSON"), std::string::npos);
  // Found by fuzzing: nlohmann::json reports a number overflow as out_of_range, not parse_error.
  EXPECT_NE(error(R"({"features": {"ws": 1e400, "wd": 2}})").find("too large for a double"), std::string::npos);
  EXPECT_NE(error(R"({"features": {"ws": 1}})").find("missing feature \"wd\""), std::string::npos);
  EXPECT_NE(error(R"({"features": {"ws": 1, "wd": 2, "gust": 3}})").find("unknown feature \"gust\""),
            std::string::npos);
  EXPECT_NE(error(R"({"features": {"ws": null, "wd": 2}})").find("features.ws is null"), std::string::npos);
  EXPECT_NE(error(R"({"features": [{"ws": 1, "wd": 2}, 5]})").find("features[1] must be an object"),
            std::string::npos);
  EXPECT_NE(error(R"({"features": []})").find("non-empty list"), std::string::npos);
  EXPECT_NE(error(R"({"time": "yesterday", "features": {"ws": 1, "wd": 2}})").find("time must be RFC 3339"),
            std::string::npos);
  EXPECT_NE(error(R"({"id": [1], "features": {"ws": 1, "wd": 2}})").find("id must be a string or a number"),
            std::string::npos);
  EXPECT_NE(error(R"({"ws": 1})").find("no \"features\""), std::string::npos);
  // The error reply keeps what could be read, and the start of the payload.
  ASSERT_TRUE(ParseFeatureMessage(R"({"id": "x", "features": {"ws": 1}})", model, &message));
  const json reply = json::parse(ErrorPayload(message, "in/a", &model, "missing", std::string(1000, 'p')));
  EXPECT_EQ(reply["id"], "x");
  EXPECT_EQ(reply["topic"], "in/a");
  EXPECT_EQ(reply["error"], "missing");
  EXPECT_EQ(reply["payload"].get<std::string>().size(), 256u);
}

}  // namespace
}  // namespace seed::stream
