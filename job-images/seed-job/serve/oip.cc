#include "serve/oip.h"

#include <charconv>
#include <cmath>
#include <limits>

namespace seed::serve {

using nlohmann::json;

namespace {

std::string ShapeText(const std::vector<int64_t>& shape) {
  std::string text = "[";
  for (size_t i = 0; i < shape.size(); ++i) text += (i ? ", " : "") + std::to_string(shape[i]);
  return text + "]";
}

std::string NameList(const std::vector<std::string>& names, size_t count) {
  std::string text;
  for (size_t i = 0; i < count && i < names.size(); ++i) text += (i ? ", " : "") + names[i];
  return text;
}

OipError BadRequest(std::string message) { return {400, std::move(message)}; }

enum class Datatype { kFloat, kInteger };

// One input tensor, checked for datatype and shape; its data is read later into its place.
struct Tensor {
  std::string name;
  std::vector<int64_t> shape;
  Datatype datatype = Datatype::kFloat;
  const json* data = nullptr;
};

std::optional<OipError> ReadTensor(const json& input, size_t index, Tensor* tensor) {
  std::string where = "inputs[" + std::to_string(index) + "]";
  if (!input.is_object()) return BadRequest(where + " must be an object with name, shape, datatype and data");
  auto name = input.find("name");
  if (name == input.end() || !name->is_string()) return BadRequest(where + ".name is required and must be a string");
  tensor->name = name->get<std::string>();
  where = "input \"" + tensor->name + "\"";
  auto datatype = input.find("datatype");
  if (datatype == input.end() || !datatype->is_string()) {
    return BadRequest(where + ": datatype is required; use " + kSupportedDatatypes);
  }
  const std::string& type = datatype->get_ref<const std::string&>();
  if (type == "FP64" || type == "FP32") {
    tensor->datatype = Datatype::kFloat;
  } else if (type == "INT64" || type == "INT32") {
    tensor->datatype = Datatype::kInteger;
  } else {
    return BadRequest(where + ": datatype " + type + " is not supported; use " + kSupportedDatatypes);
  }
  auto shape = input.find("shape");
  if (shape == input.end() || !shape->is_array() || shape->empty()) {
    return BadRequest(where + ": shape is required, e.g. [N] or [N, 1] for one feature, [N, F] for all features");
  }
  tensor->shape.clear();
  for (const json& dim : *shape) {
    if (!dim.is_number_integer() || (dim.is_number_unsigned() && dim.get<uint64_t>() > (1ULL << 40)) ||
        dim.get<int64_t>() < 0) {
      return BadRequest(where + ": shape must hold non-negative integers");
    }
    tensor->shape.push_back(dim.get<int64_t>());
  }
  auto data = input.find("data");
  if (data == input.end() || !data->is_array()) return BadRequest(where + ": data is required and must be an array");
  tensor->data = &*data;
  return std::nullopt;
}

// Reads the (flat or nested) data of a tensor into values[offset + k * stride], k = 0, 1, ...
// Counts what it reads in *count and stops writing past `expected`.
std::optional<OipError> ReadData(const json& data, const Tensor& tensor, size_t expected, size_t offset, size_t stride,
                                 size_t* count, std::vector<double>* values) {
  for (const json& item : data) {
    if (item.is_array()) {
      if (auto error = ReadData(item, tensor, expected, offset, stride, count, values)) return error;
      continue;
    }
    double value;
    if (item.is_number_float()) {
      if (tensor.datatype == Datatype::kInteger) {
        return BadRequest("input \"" + tensor.name + "\": value " + item.dump() + " at position " +
                          std::to_string(*count) + " is not an integer; send FP64 for fractional values");
      }
      value = item.get<double>();
    } else if (item.is_number_integer()) {
      value = static_cast<double>(item.get<int64_t>());
    } else if (item.is_number_unsigned()) {
      value = static_cast<double>(item.get<uint64_t>());
    } else {
      return BadRequest("input \"" + tensor.name + "\": value at position " + std::to_string(*count) + " is " +
                        (item.is_null() ? std::string("null") : item.type_name()) +
                        "; every value must be a number (missing values are not accepted)");
    }
    if (*count < expected) (*values)[offset + *count * stride] = value;
    ++*count;
  }
  return std::nullopt;
}

std::optional<OipError> CheckCount(const Tensor& tensor, size_t count, size_t expected) {
  if (count == expected) return std::nullopt;
  return BadRequest("input \"" + tensor.name + "\" has " + std::to_string(count) + " values but its shape " +
                    ShapeText(tensor.shape) + " needs " + std::to_string(expected));
}

// A shape cannot promise more rows than the body has bytes (this also bounds the allocation).
std::optional<OipError> CheckRows(const Tensor& tensor, size_t rows, size_t body_bytes) {
  if (rows <= body_bytes) return std::nullopt;
  return BadRequest("input \"" + tensor.name + "\" has shape " + ShapeText(tensor.shape) + " but the body holds only " +
                    std::to_string(body_bytes) + " bytes");
}

std::optional<OipError> ReadOutputs(const json& body, const ServedModel& model, InferRequest* request) {
  request->outputs.clear();
  auto outputs = body.find("outputs");
  if (outputs != body.end() && !outputs->is_array()) {
    return BadRequest("outputs must be a list such as [{\"name\": \"p50\"}]");
  }
  if (outputs == body.end() || outputs->empty()) {
    for (size_t i = 0; i < model.outputs.size(); ++i) request->outputs.push_back(i);
    return std::nullopt;
  }
  for (const json& output : *outputs) {
    auto name = output.is_object() ? output.find("name") : output.end();
    if (!output.is_object() || name == output.end() || !name->is_string()) {
      return BadRequest("every entry of outputs needs a name, e.g. {\"name\": \"p50\"}");
    }
    const std::string& wanted = name->get_ref<const std::string&>();
    size_t index = 0;
    while (index < model.outputs.size() && model.outputs[index] != wanted) ++index;
    if (index == model.outputs.size()) {
      return BadRequest("unknown output \"" + wanted + "\"; the model has " + NameList(model.outputs, model.outputs.size()));
    }
    request->outputs.push_back(index);
  }
  return std::nullopt;
}

size_t FeatureIndex(const ServedModel& model, const std::string& name) {
  for (size_t i = 0; i < model.inputs.size(); ++i) {
    if (model.inputs[i] == name) return i;
  }
  return model.inputs.size();
}

void AppendNumber(double value, std::string* out) {
  if (!std::isfinite(value)) {
    *out += "null";
    return;
  }
  char buffer[32];
  auto result = std::to_chars(buffer, buffer + sizeof buffer, value);
  out->append(buffer, result.ptr);
}

}  // namespace

std::optional<OipError> ParseInferRequest(std::string_view text, const ServedModel& model, InferRequest* request) {
  json body;
  try {
    body = json::parse(text);
  } catch (const json::parse_error& error) {
    return BadRequest("the request body is not valid JSON (byte " + std::to_string(error.byte) +
                      "); send {\"inputs\": [{\"name\", \"shape\", \"datatype\", \"data\"}]}");
  } catch (const json::out_of_range&) {  // a number beyond double's range, e.g. 1e400
    return BadRequest("the request body holds a number too large for FP64; send finite values");
  }
  if (!body.is_object()) return BadRequest("the request body must be a JSON object with \"inputs\"");
  request->id.reset();
  if (auto id = body.find("id"); id != body.end()) {
    if (!id->is_string()) return BadRequest("id must be a string");
    request->id = id->get<std::string>();
  }
  auto inputs = body.find("inputs");
  if (inputs == body.end() || !inputs->is_array() || inputs->empty()) {
    return BadRequest("inputs is required: one tensor per feature (" + NameList(model.inputs, model.inputs.size()) +
                      ") or a single [N, " + std::to_string(model.inputs.size()) + "] tensor");
  }
  if (auto error = ReadOutputs(body, model, request)) return error;

  const size_t features = model.inputs.size();
  std::vector<Tensor> tensors(inputs->size());
  for (size_t i = 0; i < inputs->size(); ++i) {
    if (auto error = ReadTensor((*inputs)[i], i, &tensors[i])) return error;
  }

  // A single tensor whose name is not a feature carries every feature: shape [N, F].
  if (tensors.size() == 1 && FeatureIndex(model, tensors[0].name) == features) {
    const Tensor& tensor = tensors[0];
    if (tensor.shape.size() != 2 || tensor.shape[1] != static_cast<int64_t>(features)) {
      return BadRequest("input \"" + tensor.name + "\" has shape " + ShapeText(tensor.shape) +
                        "; a single input must have shape [N, " + std::to_string(features) + "] (features " +
                        NameList(model.inputs, features) + "), or send one input per feature by name");
    }
    request->rows = static_cast<size_t>(tensor.shape[0]);
    if (auto error = CheckRows(tensor, request->rows, text.size())) return error;
    const size_t expected = request->rows * features;
    request->values.assign(expected, 0.0);
    size_t count = 0;
    if (auto error = ReadData(*tensor.data, tensor, expected, 0, 1, &count, &request->values)) return error;
    return CheckCount(tensor, count, expected);
  }

  // One tensor per feature, each of shape [N] or [N, 1].
  std::vector<const Tensor*> by_feature(features, nullptr);
  for (const Tensor& tensor : tensors) {
    size_t index = FeatureIndex(model, tensor.name);
    if (index == features) {
      return BadRequest("unknown input \"" + tensor.name + "\"; the model's inputs are " + NameList(model.inputs, features));
    }
    if (by_feature[index]) return BadRequest("input \"" + tensor.name + "\" is given twice");
    bool column = tensor.shape.size() == 1 || (tensor.shape.size() == 2 && tensor.shape[1] == 1);
    if (!column) {
      return BadRequest("input \"" + tensor.name + "\" has shape " + ShapeText(tensor.shape) +
                        "; a per-feature input must have shape [N] or [N, 1]");
    }
    by_feature[index] = &tensor;
  }
  for (size_t j = 0; j < features; ++j) {
    if (!by_feature[j]) {
      return BadRequest("missing input \"" + model.inputs[j] + "\"; the model needs " + NameList(model.inputs, features));
    }
  }
  request->rows = static_cast<size_t>(by_feature[0]->shape[0]);
  if (auto error = CheckRows(*by_feature[0], request->rows, text.size())) return error;
  request->values.assign(request->rows * features, 0.0);
  for (size_t j = 0; j < features; ++j) {
    const Tensor& tensor = *by_feature[j];
    if (static_cast<size_t>(tensor.shape[0]) != request->rows) {
      return BadRequest("input \"" + tensor.name + "\" has shape " + ShapeText(tensor.shape) + " but \"" +
                        by_feature[0]->name + "\" has " + ShapeText(by_feature[0]->shape) +
                        ": every input needs the same number of rows");
    }
    size_t count = 0;
    if (auto error = ReadData(*tensor.data, tensor, request->rows, j, features, &count, &request->values)) return error;
    if (auto error = CheckCount(tensor, count, request->rows)) return error;
  }
  return std::nullopt;
}

void PredictRows(const ServedModel& model, const InferRequest& request, std::vector<double>* predictions) {
  const size_t features = model.inputs.size();
  const size_t quantiles = model.num_quantiles();
  predictions->resize(request.rows * quantiles);
  for (size_t r = 0; r < request.rows; ++r) {
    model.predict(request.values.data() + r * features, predictions->data() + r * quantiles);
  }
}

void WriteInferResponse(const ServedModel& model, const InferRequest& request, const std::vector<double>& predictions,
                        std::string* body) {
  const size_t quantiles = model.num_quantiles();
  const std::string rows = std::to_string(request.rows);
  body->clear();
  body->reserve(128 + request.outputs.size() * (48 + request.rows * 24));
  *body += "{\"model_name\":";
  *body += json(model.name).dump();
  if (!model.version.empty()) {
    *body += ",\"model_version\":";
    *body += json(model.version).dump();
  }
  if (request.id) {
    *body += ",\"id\":";
    *body += json(*request.id).dump(-1, ' ', false, json::error_handler_t::replace);
  }
  *body += ",\"outputs\":[";
  for (size_t k = 0; k < request.outputs.size(); ++k) {
    const size_t output = request.outputs[k];
    const bool point = output >= quantiles;  // kPointOutput, from the row's quantiles
    if (k) *body += ',';
    *body += "{\"name\":\"";
    *body += model.outputs[output];  // quantile names and kPointOutput never need escaping
    *body += "\",\"datatype\":\"FP64\",\"shape\":[";
    *body += rows;
    *body += "],\"data\":[";
    for (size_t r = 0; r < request.rows; ++r) {
      if (r) *body += ',';
      AppendNumber(point ? model.point(&predictions[r * quantiles]) : predictions[r * quantiles + output], body);
    }
    *body += "]}";
  }
  *body += "]}";
}

json ServerMetadata(const std::string& name, const std::string& version) {
  return {{"name", name}, {"version", version}, {"extensions", json::array()}};
}

json ModelMetadata(const ServedModel& model) {
  json inputs = json::array();
  for (const auto& name : model.inputs) inputs.push_back({{"name", name}, {"datatype", "FP64"}, {"shape", {-1}}});
  json outputs = json::array();
  for (const auto& name : model.outputs) outputs.push_back({{"name", name}, {"datatype", "FP64"}, {"shape", {-1}}});
  json metadata = {{"name", model.name}, {"platform", "seed"}, {"inputs", inputs}, {"outputs", outputs}};
  if (!model.version.empty()) metadata["versions"] = {model.version};
  return metadata;
}

std::string ErrorBody(std::string_view message) {
  return json{{"error", message}}.dump(-1, ' ', false, json::error_handler_t::replace);
}

}  // namespace seed::serve
