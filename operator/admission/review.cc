#include "admission/review.h"

namespace seed::admission {
namespace {

using nlohmann::json;

ReviewAnswer BadRequest(const std::string& message) { return {400, json{{"error", message}}, false}; }

std::string StringAt(const json& object, const char* key) {
  auto it = object.is_object() ? object.find(key) : object.end();
  return it != object.end() && it->is_string() ? it->get<std::string>() : "";
}

}  // namespace

ReviewAnswer AnswerReview(std::string_view request_body, const ClusterLookup& lookup) {
  json review = json::parse(request_body, nullptr, /*allow_exceptions=*/false);
  if (!review.is_object() || StringAt(review, "kind") != "AdmissionReview") {
    return BadRequest("expected an AdmissionReview (admission.k8s.io/v1) JSON body");
  }
  auto request = review.find("request");
  if (request == review.end() || !request->is_object() || StringAt(*request, "uid").empty()) {
    return BadRequest("the AdmissionReview has no request with a uid");
  }
  json response = {{"uid", StringAt(*request, "uid")}, {"allowed", true}};
  const std::string operation = StringAt(*request, "operation");
  auto object = request->find("object");
  if ((operation == "CREATE" || operation == "UPDATE") && object != request->end() && object->is_object()) {
    auto errors = CheckObject(*object, StringAt(*request, "namespace"), lookup);
    if (!errors.empty()) {
      std::string name = StringAt(*request, "name");
      if (auto meta = object->find("metadata"); name.empty() && meta != object->end())
        name = StringAt(*meta, "name");
      const std::string prefix = StringAt(*object, "kind") + "/" + name + ": ";
      std::string message;
      for (const auto& error : errors) {
        message += (message.empty() ? "" : "\n") + prefix + (error.path.empty() ? "" : error.path + ": ") +
                   error.message;
      }
      response["allowed"] = false;
      response["status"] = {{"code", 422}, {"reason", "Invalid"}, {"message", message}};
    }
  }
  const bool allowed = response["allowed"].get<bool>();
  // The response's apiVersion must be the request's (v1 here; v1beta1 reviews are answered in kind).
  std::string api_version = StringAt(review, "apiVersion");
  if (api_version.empty()) api_version = "admission.k8s.io/v1";
  return {200,
          json{{"apiVersion", api_version}, {"kind", "AdmissionReview"}, {"response", std::move(response)}},
          allowed};
}

}  // namespace seed::admission
