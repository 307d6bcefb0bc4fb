#include "kube-emulator/server/api_error.h"

#include <map>

namespace kubeemu {

ApiError::ApiError(int code, std::string reason, const std::string& message)
    : std::runtime_error(message), code_(code), reason_(std::move(reason)) {}

ApiError& ApiError::WithDetails(const std::string& name, const std::string& group, const std::string& kind) {
  if (!name.empty()) details_["name"] = name;
  if (!group.empty()) details_["group"] = group;
  if (!kind.empty()) details_["kind"] = kind;
  return *this;
}

ApiError& ApiError::WithCause(const std::string& type, const std::string& message, const std::string& field) {
  json cause = {{"reason", type}, {"message", message}};
  if (!field.empty()) cause["field"] = field;
  details_["causes"].push_back(std::move(cause));
  return *this;
}

ApiError& ApiError::WithRetryAfter(int seconds) {
  retry_after_seconds_ = seconds;
  details_["retryAfterSeconds"] = seconds;
  return *this;
}

json ApiError::ToStatus() const {
  json status = {{"kind", "Status"},     {"apiVersion", "v1"},  {"metadata", json::object()},
                 {"status", "Failure"},  {"message", what()},   {"reason", reason_},
                 {"code", code_}};
  if (!details_.empty()) status["details"] = details_;
  return status;
}

std::string ReasonForCode(int code) {
  static const std::map<int, std::string> kReasons = {
      {400, "BadRequest"}, {401, "Unauthorized"},     {403, "Forbidden"},          {404, "NotFound"},
      {405, "MethodNotAllowed"}, {409, "Conflict"},   {410, "Expired"},            {415, "UnsupportedMediaType"},
      {422, "Invalid"},    {429, "TooManyRequests"},  {500, "InternalError"},      {503, "ServiceUnavailable"},
      {504, "Timeout"}};
  auto it = kReasons.find(code);
  return it == kReasons.end() ? "Unknown" : it->second;
}

std::string QualifiedResource(const std::string& group, const std::string& plural) {
  return group.empty() ? plural : plural + "." + group;
}

ApiError BadRequest(const std::string& message) { return ApiError(400, "BadRequest", message); }

ApiError NotFound(const std::string& group, const std::string& plural, const std::string& name) {
  std::string what = QualifiedResource(group, plural);
  if (!name.empty()) what += " \"" + name + "\"";
  ApiError error(404, "NotFound", what + " not found");
  error.WithDetails(name, group, plural);
  return error;
}

ApiError AlreadyExists(const std::string& group, const std::string& plural, const std::string& name) {
  ApiError error(409, "AlreadyExists", QualifiedResource(group, plural) + " \"" + name + "\" already exists");
  error.WithDetails(name, group, plural);
  return error;
}

ApiError Conflict(const std::string& group, const std::string& plural, const std::string& name,
                  const std::string& why) {
  ApiError error(409, "Conflict",
                 "Operation cannot be fulfilled on " + QualifiedResource(group, plural) + " \"" + name +
                     "\": " + why);
  error.WithDetails(name, group, plural);
  return error;
}

ApiError Invalid(const std::string& group, const std::string& kind, const std::string& name,
                 const std::string& field, const std::string& why) {
  std::string qualified_kind = group.empty() ? kind : kind + "." + group;
  ApiError error(422, "Invalid",
                 qualified_kind + " \"" + name + "\" is invalid: " + field + ": " + why);
  error.WithDetails(name, group, kind).WithCause("FieldValueInvalid", why, field);
  return error;
}

ApiError Gone(const std::string& message) { return ApiError(410, "Expired", message); }

ApiError MethodNotAllowed(const std::string& message) { return ApiError(405, "MethodNotAllowed", message); }

ApiError UnsupportedMediaType(const std::string& content_type) {
  return ApiError(415, "UnsupportedMediaType",
                  "the body of the request was in an unknown format - accepted media types include: "
                  "application/json, application/yaml, application/json-patch+json, "
                  "application/merge-patch+json, application/strategic-merge-patch+json, "
                  "application/apply-patch+yaml (got \"" +
                      content_type + "\")");
}

ApiError Forbidden(const std::string& message) { return ApiError(403, "Forbidden", message); }

ApiError Unauthorized() { return ApiError(401, "Unauthorized", "Unauthorized"); }

json SuccessStatus(const std::string& name, const std::string& group, const std::string& kind,
                   const std::string& uid) {
  return {{"kind", "Status"},
          {"apiVersion", "v1"},
          {"metadata", json::object()},
          {"status", "Success"},
          {"details", {{"name", name}, {"group", group}, {"kind", kind}, {"uid", uid}}}};
}

}  // namespace kubeemu
