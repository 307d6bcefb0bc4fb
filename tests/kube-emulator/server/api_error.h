#pragma once

#include <stdexcept>
#include <string>

#include <nlohmann/json.hpp>

namespace kubeemu {

using json = nlohmann::json;

// An error that becomes a metav1 Status response. Every failing request ends as one of these.
class ApiError : public std::runtime_error {
 public:
  ApiError(int code, std::string reason, const std::string& message);

  int code() const { return code_; }
  const std::string& reason() const { return reason_; }
  int retry_after_seconds() const { return retry_after_seconds_; }

  ApiError& WithDetails(const std::string& name, const std::string& group, const std::string& kind);
  ApiError& WithCause(const std::string& type, const std::string& message, const std::string& field);
  ApiError& WithRetryAfter(int seconds);

  // The Status object: kind Status, apiVersion v1, status Failure, message, reason, details, code.
  json ToStatus() const;

 private:
  int code_;
  std::string reason_;
  json details_ = json::object();
  int retry_after_seconds_ = 0;
};

// The reason the API server uses for a bare HTTP code (used for injected faults).
std::string ReasonForCode(int code);

// `plural` for the core group, `plural.group` otherwise, as Kubernetes messages print it.
std::string QualifiedResource(const std::string& group, const std::string& plural);

ApiError BadRequest(const std::string& message);
ApiError NotFound(const std::string& group, const std::string& plural, const std::string& name);
ApiError AlreadyExists(const std::string& group, const std::string& plural, const std::string& name);
ApiError Conflict(const std::string& group, const std::string& plural, const std::string& name,
                  const std::string& why);
ApiError Invalid(const std::string& group, const std::string& kind, const std::string& name,
                 const std::string& field, const std::string& why);
ApiError Gone(const std::string& message);
ApiError MethodNotAllowed(const std::string& message);
ApiError UnsupportedMediaType(const std::string& content_type);
ApiError Forbidden(const std::string& message);
ApiError Unauthorized();

// A Status with status Success, as DELETE returns when the object is gone.
json SuccessStatus(const std::string& name, const std::string& group, const std::string& kind,
                   const std::string& uid);

}  // namespace kubeemu
