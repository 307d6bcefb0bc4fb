#pragma once
// Feature messages in and result messages out: the pure part of the stream mode, from an MQTT
// payload to the payload published back, with no broker involved.
//
// In (JSON), one of:
//   {"id": "m-1", "time": "2026-12-07T10:00:00Z", "features": {"ws": 7.2, "wd": 185}}         one row
//   {"id": "m-2", "time": 1796637600.25, "features": [{"ws": 7.2, "wd": 185}, {...}]}         a batch
//   {"id": "m-3", "inputs": [{"name": "ws", "shape": [2], "datatype": "FP64", "data": [...]}, ...]}
// The last is the body `seed-job serve` takes at /v2/models/{name}/infer (Open Inference Protocol
// v2), with its "outputs" selection. "features" rows name every model input, nothing else. "id"
// (a string or a number) and "time" (RFC 3339, or Unix seconds) are optional and echoed back;
// "time" also gives the lag metric.
// Out: the infer response `seed-job serve` answers, plus id, time and the input topic:
//   {"id": "m-1", "time": "...", "topic": "plant/wf01/features", "model_name": "wf01",
//    "model_version": "v2.1",
//    "outputs": [{"name": "p10", "datatype": "FP64", "shape": [1], "data": [..]}, ...]}
// Errors: {"id": ..., "time": ..., "topic": ..., "model_name": ..., "error": "why", "payload": "<the
// first 256 bytes>"}.
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "serve/oip.h"
#include "serve/served_model.h"

namespace seed::stream {

struct FeatureMessage {
  nlohmann::json id;                // null when absent
  nlohmann::json time;              // null when absent; echoed as sent
  std::optional<double> time_unix;  // "time" as Unix seconds (with fractions)
  serve::InferRequest request;      // rows, values (row-major), outputs
};

// Parses `payload` for `model`; fills `message` (reusing its buffers) or returns why the message
// is refused. When it fails, message->id and ->time hold what could be read, for the error reply.
std::optional<std::string> ParseFeatureMessage(std::string_view payload, const serve::ServedModel& model,
                                               FeatureMessage* message);

// The result payload for predictions (row-major [rows x model.num_quantiles()]).
void WriteResultMessage(const serve::ServedModel& model, const FeatureMessage& message,
                        std::string_view topic, const std::vector<double>& predictions, std::string* payload);

// The error payload; `model` may be null when no model was chosen.
std::string ErrorPayload(const FeatureMessage& message, std::string_view topic,
                         const serve::ServedModel* model, std::string_view reason, std::string_view payload);

// Unix seconds from "time": an RFC 3339 string (fractions kept) or a number. nullopt if neither.
std::optional<double> MessageTime(const nlohmann::json& time);

}  // namespace seed::stream
