#pragma once
// Open Inference Protocol (KServe "v2") REST bodies: the pure part of the model server, from a
// request body to a response body, with no sockets involved.
#include <cstddef>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "serve/served_model.h"

namespace seed::serve {

// A request the server refuses: the HTTP status and a message for {"error": message}.
struct OipError {
  int status = 400;
  std::string message;
};

struct InferRequest {
  std::optional<std::string> id;  // echoed back when given
  size_t rows = 0;
  std::vector<double> values;   // row-major [rows x model.inputs.size()]
  std::vector<size_t> outputs;  // indices into ServedModel::outputs, in response order
};

// Accepts one tensor per input (name = feature name, shape [N] or [N, 1]) or a single tensor of
// shape [N, F] (features in the model's order); datatypes FP32, FP64, INT32, INT64; data flat or
// nested, row-major. Fills `request` (reusing its buffers) or returns why the request is refused.
std::optional<OipError> ParseInferRequest(std::string_view body, const ServedModel& model, InferRequest* request);

// Evaluates every row: predictions is row-major [rows x model.num_quantiles()].
void PredictRows(const ServedModel& model, const InferRequest& request, std::vector<double>* predictions);

// The infer response: one FP64 tensor of shape [N] per requested output; NaN is written as null.
void WriteInferResponse(const ServedModel& model, const InferRequest& request, const std::vector<double>& predictions,
                        std::string* body);

nlohmann::json ServerMetadata(const std::string& name, const std::string& version);
nlohmann::json ModelMetadata(const ServedModel& model);
// {"error": message}
std::string ErrorBody(std::string_view message);

// The datatypes an input tensor may have, for messages and metadata.
inline constexpr char kSupportedDatatypes[] = "FP32, FP64, INT32 or INT64";

}  // namespace seed::serve
