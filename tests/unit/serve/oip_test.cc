#include "serve/oip.h"

#include <gtest/gtest.h>

#include "fake_model.h"

namespace seed::serve {
namespace {

using nlohmann::json;

class OipTest : public ::testing::Test {
 protected:
  // The response body for a request that must succeed.
  json Infer(const std::string& body) {
    InferRequest request;
    auto error = ParseInferRequest(body, model_, &request);
    EXPECT_FALSE(error) << (error ? error->message : "");
    if (error) return nullptr;
    std::vector<double> predictions;
    PredictRows(model_, request, &predictions);
    std::string response;
    WriteInferResponse(model_, request, predictions, &response);
    return json::parse(response);
  }
  // The error for a request that must be refused.
  OipError Refuse(const std::string& body) {
    InferRequest request;
    auto error = ParseInferRequest(body, model_, &request);
    EXPECT_TRUE(error) << "accepted: " << body;
    return error.value_or(OipError{0, ""});
  }

  ServedModel model_ = testing::FakeModel();
};

TEST_F(OipTest, OneTensorPerFeatureGivesOneTensorPerQuantileAndThePoint) {
  json response = Infer(R"({"id": "42", "parameters": {"k": "v"}, "inputs": [
      {"name": "wd", "shape": [2], "datatype": "FP64", "data": [10, 20]},
      {"name": "ws", "shape": [2], "datatype": "FP32", "data": [7.5, 3]}]})");
  json expected = json::parse(R"({"model_name": "wind-wf01", "model_version": "v2.1", "id": "42", "outputs": [
      {"name": "p10", "datatype": "FP64", "shape": [2], "data": [19.0, 15.0]},
      {"name": "p50", "datatype": "FP64", "shape": [2], "data": [20.0, 16.0]},
      {"name": "p90", "datatype": "FP64", "shape": [2], "data": [21.0, 17.0]},
      {"name": "forecast_mw", "datatype": "FP64", "shape": [2], "data": [20.0, 16.0]}]})");
  EXPECT_EQ(response, expected);
}

TEST_F(OipTest, ColumnShapesAndNestedDataAreAccepted) {
  json response = Infer(R"({"inputs": [
      {"name": "ws", "shape": [2, 1], "datatype": "INT64", "data": [[7], [3]]},
      {"name": "wd", "shape": [2, 1], "datatype": "INT32", "data": [10, 20]}],
      "outputs": [{"name": "p50"}]})");
  EXPECT_EQ(response["outputs"], json::parse(R"([{"name": "p50", "datatype": "FP64", "shape": [2], "data": [19.0, 16.0]}])"));
  EXPECT_FALSE(response.contains("id"));
}

TEST_F(OipTest, OneTwoDimensionalTensorHoldsEveryFeatureInModelOrder) {
  json nested = Infer(R"({"inputs": [{"name": "input-0", "shape": [2, 2], "datatype": "FP64",
                                       "data": [[7.5, 10], [3, 20]]}], "outputs": [{"name": "forecast_mw"}]})");
  json flat = Infer(R"({"inputs": [{"name": "x", "shape": [2, 2], "datatype": "FP64", "data": [7.5, 10, 3, 20]}],
                        "outputs": [{"name": "forecast_mw"}]})");
  EXPECT_EQ(nested["outputs"][0]["data"], json::parse("[20.0, 16.0]"));
  EXPECT_EQ(nested, flat);
}

TEST_F(OipTest, APredictionThatCannotBeMadeIsNull) {
  json response = Infer(R"({"inputs": [{"name": "x", "shape": [1, 2], "datatype": "FP64", "data": [-1, 10]}],
                            "outputs": [{"name": "p50"}]})");
  EXPECT_EQ(response["outputs"][0]["data"], json::parse("[null]"));
}

TEST_F(OipTest, MalformedJsonIsRefusedWithWhereItBroke) {
  OipError error = Refuse(R"({"inputs": [)");
  EXPECT_EQ(error.status, 400);
  EXPECT_EQ(error.message,
            "the request body is not valid JSON (byte 13); send {\"inputs\": [{\"name\", \"shape\", \"datatype\", \"data\"}]}");
  EXPECT_EQ(Refuse("[1, 2]").message, "the request body must be a JSON object with \"inputs\"");
  EXPECT_EQ(Refuse("{}").message, "inputs is required: one tensor per feature (ws, wd) or a single [N, 2] tensor");
}

TEST_F(OipTest, MissingUnknownAndRepeatedInputsAreRefused) {
  EXPECT_EQ(Refuse(R"({"inputs": [{"name": "ws", "shape": [1], "datatype": "FP64", "data": [1]},
                                   {"name": "ghi", "shape": [1], "datatype": "FP64", "data": [1]}]})").message,
            "unknown input \"ghi\"; the model's inputs are ws, wd");
  EXPECT_EQ(Refuse(R"({"inputs": [{"name": "ws", "shape": [1], "datatype": "FP64", "data": [1]}]})").message,
            "missing input \"wd\"; the model needs ws, wd");
  EXPECT_EQ(Refuse(R"({"inputs": [{"name": "ws", "shape": [1], "datatype": "FP64", "data": [1]},
                                   {"name": "ws", "shape": [1], "datatype": "FP64", "data": [1]}]})").message,
            "input \"ws\" is given twice");
}

TEST_F(OipTest, WrongShapesAreRefused) {
  EXPECT_EQ(Refuse(R"({"inputs": [{"name": "x", "shape": [1, 3], "datatype": "FP64", "data": [1, 2, 3]}]})").message,
            "input \"x\" has shape [1, 3]; a single input must have shape [N, 2] (features ws, wd), or send one input "
            "per feature by name");
  EXPECT_EQ(Refuse(R"({"inputs": [{"name": "x", "shape": [2, 2], "datatype": "FP64", "data": [1, 2, 3]}]})").message,
            "input \"x\" has 3 values but its shape [2, 2] needs 4");
  EXPECT_EQ(Refuse(R"({"inputs": [{"name": "ws", "shape": [2], "datatype": "FP64", "data": [1, 2]},
                                   {"name": "wd", "shape": [1], "datatype": "FP64", "data": [1]}]})").message,
            "input \"wd\" has shape [1] but \"ws\" has [2]: every input needs the same number of rows");
  EXPECT_EQ(Refuse(R"({"inputs": [{"name": "ws", "shape": [1, 2], "datatype": "FP64", "data": [1, 2]},
                                   {"name": "wd", "shape": [1], "datatype": "FP64", "data": [1]}]})").message,
            "input \"ws\" has shape [1, 2]; a per-feature input must have shape [N] or [N, 1]");
  EXPECT_EQ(Refuse(R"({"inputs": [{"name": "ws", "shape": [-1], "datatype": "FP64", "data": [1]}]})").message,
            "input \"ws\": shape must hold non-negative integers");
}

TEST_F(OipTest, AShapeLargerThanTheBodyIsRefusedWithoutAllocatingIt) {
  EXPECT_EQ(Refuse(R"({"inputs": [{"name": "x", "shape": [1000000000000, 2], "datatype": "FP64", "data": [1, 2]}]})")
                .message,
            "input \"x\" has shape [1000000000000, 2] but the body holds only 92 bytes");
}

TEST_F(OipTest, UnsupportedDatatypesAndValuesAreRefused) {
  EXPECT_EQ(Refuse(R"({"inputs": [{"name": "x", "shape": [1, 2], "datatype": "BYTES", "data": ["a", "b"]}]})").message,
            "input \"x\": datatype BYTES is not supported; use FP32, FP64, INT32 or INT64");
  EXPECT_EQ(Refuse(R"({"inputs": [{"name": "x", "shape": [1, 2], "data": [1, 2]}]})").message,
            "input \"x\": datatype is required; use FP32, FP64, INT32 or INT64");
  EXPECT_EQ(Refuse(R"({"inputs": [{"name": "x", "shape": [1, 2], "datatype": "INT32", "data": [1, 2.5]}]})").message,
            "input \"x\": value 2.5 at position 1 is not an integer; send FP64 for fractional values");
  EXPECT_EQ(Refuse(R"({"inputs": [{"name": "x", "shape": [1, 2], "datatype": "FP64", "data": [1, null]}]})").message,
            "input \"x\": value at position 1 is null; every value must be a number (missing values are not accepted)");
  EXPECT_EQ(Refuse(R"({"inputs": [{"name": "x", "shape": [1, 2], "datatype": "FP64", "data": [1, "2"]}]})").message,
            "input \"x\": value at position 1 is string; every value must be a number (missing values are not accepted)");
}

TEST_F(OipTest, OutputsMustBeKnown) {
  EXPECT_EQ(Refuse(R"({"inputs": [{"name": "x", "shape": [1, 2], "datatype": "FP64", "data": [1, 2]}],
                       "outputs": [{"name": "p99"}]})").message,
            "unknown output \"p99\"; the model has p10, p50, p90, forecast_mw");
  EXPECT_EQ(Refuse(R"({"id": 7, "inputs": [{"name": "x", "shape": [1, 2], "datatype": "FP64", "data": [1, 2]}]})").message,
            "id must be a string");
}

TEST_F(OipTest, MetadataListsInputsOutputsAndVersion) {
  EXPECT_EQ(ModelMetadata(model_), json::parse(R"({"name": "wind-wf01", "versions": ["v2.1"], "platform": "seed",
      "inputs": [{"name": "ws", "datatype": "FP64", "shape": [-1]}, {"name": "wd", "datatype": "FP64", "shape": [-1]}],
      "outputs": [{"name": "p10", "datatype": "FP64", "shape": [-1]}, {"name": "p50", "datatype": "FP64", "shape": [-1]},
                  {"name": "p90", "datatype": "FP64", "shape": [-1]},
                  {"name": "forecast_mw", "datatype": "FP64", "shape": [-1]}]})"));
  EXPECT_EQ(ServerMetadata("seed-job", "0.1.0"), json::parse(R"({"name": "seed-job", "version": "0.1.0", "extensions": []})"));
  EXPECT_EQ(ErrorBody("bad \"x\""), R"({"error":"bad \"x\""})");
}

}  // namespace
}  // namespace seed::serve
