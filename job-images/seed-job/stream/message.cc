#include "stream/message.h"

#include <charconv>
#include <cmath>
#include <stdexcept>

#include "io/time.h"

namespace seed::stream {
namespace {

using nlohmann::json;

std::string Dump(const json& value) { return value.dump(-1, ' ', false, json::error_handler_t::replace); }

void AppendNumber(double value, std::string* out) {
  if (!std::isfinite(value)) {
    *out += "null";
    return;
  }
  char buffer[32];
  auto result = std::to_chars(buffer, buffer + sizeof buffer, value);
  out->append(buffer, result.ptr);
}

std::string InputList(const serve::ServedModel& model) {
  std::string names;
  for (const auto& name : model.inputs) names += (names.empty() ? "" : ", ") + name;
  return names;
}

// One "features" row (an object naming every input) into values[row * F ...].
std::optional<std::string> ReadRow(const json& row, const serve::ServedModel& model, size_t index, bool batch,
                                   std::vector<double>* values) {
  const std::string where = batch ? "features[" + std::to_string(index) + "]" : std::string("features");
  if (!row.is_object())
    return where + " must be an object of feature values, e.g. {\"" + model.inputs[0] + "\": 7.2}";
  const size_t features = model.inputs.size();
  if (row.size() != features) {
    for (const auto& [key, value] : row.items()) {
      bool known = false;
      for (const auto& name : model.inputs) known = known || name == key;
      if (!known)
        return where + ": unknown feature \"" + key + "\"; the model's inputs are " + InputList(model);
    }
  }
  double* out = values->data() + index * features;
  for (size_t j = 0; j < features; ++j) {
    auto it = row.find(model.inputs[j]);
    if (it == row.end())
      return where + ": missing feature \"" + model.inputs[j] + "\"; the model needs " + InputList(model);
    if (!it->is_number()) {
      return where + "." + model.inputs[j] + " is " +
             (it->is_null() ? std::string("null") : it->type_name()) +
             "; every feature must be a number (missing values are not accepted)";
    }
    out[j] = it->get<double>();
  }
  return std::nullopt;
}

}  // namespace

std::optional<double> MessageTime(const json& time) {
  if (time.is_number()) {
    const double seconds = time.get<double>();
    return std::isfinite(seconds) ? std::optional<double>(seconds) : std::nullopt;
  }
  if (!time.is_string()) return std::nullopt;
  const std::string& text = time.get_ref<const std::string&>();
  try {
    double seconds = static_cast<double>(io::ParseRfc3339(text).unix_seconds);
    // ParseRfc3339 truncates fractions of a second; the lag metric wants them.
    const size_t dot = text.find('.', 17);
    if (dot != std::string::npos) {
      double scale = 0.1;
      for (size_t i = dot + 1; i < text.size() && text[i] >= '0' && text[i] <= '9'; ++i, scale /= 10) {
        seconds += (text[i] - '0') * scale;
      }
    }
    return seconds;
  } catch (const std::invalid_argument&) {
    return std::nullopt;
  }
}

std::optional<std::string> ParseFeatureMessage(std::string_view payload, const serve::ServedModel& model,
                                               FeatureMessage* message) {
  message->id = nullptr;
  message->time = nullptr;
  message->time_unix.reset();
  json body;
  try {
    body = json::parse(payload);
  } catch (const json::out_of_range&) {  // a number beyond double's range, e.g. 1e400
    return "the message holds a number too large for a double (beyond 1.8e308)";
  } catch (const json::parse_error& error) {
    return "the message is not valid JSON (byte " + std::to_string(error.byte) +
           "); send {\"id\": ..., \"time\": ..., \"features\": {\"" +
           (model.inputs.empty() ? "x" : model.inputs[0]) + "\": ...}}";
  }
  if (!body.is_object()) return "the message must be a JSON object with \"features\" or \"inputs\"";
  if (auto id = body.find("id"); id != body.end()) {
    if (!id->is_string() && !id->is_number()) return "id must be a string or a number";
    message->id = *id;
  }
  if (auto time = body.find("time"); time != body.end()) {
    message->time = *time;
    message->time_unix = MessageTime(*time);
    if (!message->time_unix)
      return "time must be RFC 3339 (\"2026-12-07T10:00:00Z\") or Unix seconds, not " + Dump(*time);
  }
  auto features = body.find("features");
  auto inputs = body.find("inputs");
  if (features != body.end() && inputs != body.end())
    return "give either \"features\" or \"inputs\", not both";
  if (inputs != body.end()) {
    // The Open Inference Protocol body, read by the model server's own parser.
    if (auto error = serve::ParseInferRequest(payload, model, &message->request)) return error->message;
    return std::nullopt;
  }
  if (features == body.end()) {
    return "the message has no \"features\": send {\"features\": {" + InputList(model) +
           "}} or a list of such rows";
  }
  serve::InferRequest& request = message->request;
  request.outputs.clear();
  for (size_t i = 0; i < model.outputs.size(); ++i) request.outputs.push_back(i);
  const size_t width = model.inputs.size();
  if (features->is_object()) {
    request.rows = 1;
    request.values.assign(width, 0.0);
    return ReadRow(*features, model, 0, false, &request.values);
  }
  if (!features->is_array() || features->empty()) {
    return "features must be an object (one row) or a non-empty list of objects (a batch)";
  }
  request.rows = features->size();
  request.values.assign(request.rows * width, 0.0);
  for (size_t r = 0; r < request.rows; ++r) {
    if (auto error = ReadRow((*features)[r], model, r, true, &request.values)) return error;
  }
  return std::nullopt;
}

void WriteResultMessage(const serve::ServedModel& model, const FeatureMessage& message,
                        std::string_view topic, const std::vector<double>& predictions,
                        std::string* payload) {
  const serve::InferRequest& request = message.request;
  const size_t quantiles = model.num_quantiles();
  const std::string rows = std::to_string(request.rows);
  payload->clear();
  payload->reserve(160 + topic.size() + request.outputs.size() * (48 + request.rows * 24));
  *payload += '{';
  if (!message.id.is_null()) {
    *payload += "\"id\":";
    *payload += Dump(message.id);
    *payload += ',';
  }
  if (!message.time.is_null()) {
    *payload += "\"time\":";
    *payload += Dump(message.time);
    *payload += ',';
  }
  *payload += "\"topic\":";
  *payload += Dump(json(std::string(topic)));
  *payload += ",\"model_name\":";
  *payload += Dump(json(model.name));
  if (!model.version.empty()) {
    *payload += ",\"model_version\":";
    *payload += Dump(json(model.version));
  }
  *payload += ",\"outputs\":[";
  for (size_t k = 0; k < request.outputs.size(); ++k) {
    const size_t output = request.outputs[k];
    const bool point = output >= quantiles;
    if (k) *payload += ',';
    *payload += "{\"name\":\"";
    *payload += model.outputs[output];
    *payload += "\",\"datatype\":\"FP64\",\"shape\":[";
    *payload += rows;
    *payload += "],\"data\":[";
    for (size_t r = 0; r < request.rows; ++r) {
      if (r) *payload += ',';
      AppendNumber(point ? model.point(&predictions[r * quantiles]) : predictions[r * quantiles + output],
                   payload);
    }
    *payload += "]}";
  }
  *payload += "]}";
}

std::string ErrorPayload(const FeatureMessage& message, std::string_view topic,
                         const serve::ServedModel* model, std::string_view reason, std::string_view payload) {
  constexpr size_t kEchoBytes = 256;
  json error = json::object();
  if (!message.id.is_null()) error["id"] = message.id;
  if (!message.time.is_null()) error["time"] = message.time;
  error["topic"] = std::string(topic);
  if (model) error["model_name"] = model->name;
  error["error"] = std::string(reason);
  error["payload"] = std::string(payload.substr(0, kEchoBytes));
  return Dump(error);
}

}  // namespace seed::stream
