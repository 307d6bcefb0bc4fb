#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace kube {

// Where an error came from. kApi errors carry the server's Status (http_status, reason, causes).
enum class ErrorCode {
  kApi,        // the server answered with a non-2xx status
  kTransport,  // connection, TLS or protocol failure before a response
  kTimeout,    // the request or an idle watch exceeded its time limit
  kCancelled,  // the caller cancelled (shutdown)
  kDecode,     // the response body was not what the protocol promises
  kConfig,     // bad kubeconfig, flags or in-cluster files
  kNotLeader,  // a write was refused because this process does not hold the lease
  kInvalidArgument,
};

// One entry of Status.details.causes (field validation failures for Invalid).
struct StatusCause {
  std::string type;  // e.g. FieldValueRequired
  std::string message;
  std::string field;  // e.g. spec.replicas
};

struct Error {
  ErrorCode code = ErrorCode::kApi;
  int http_status = 0;
  std::string reason;  // Status.reason: NotFound, AlreadyExists, Conflict, Expired, Gone, Invalid, ...
  std::string message;
  std::vector<StatusCause> causes;
  std::optional<std::chrono::milliseconds> retry_after;

  std::string ToString() const;
};

Error MakeError(ErrorCode code, std::string message);

// Builds a typed error from a non-2xx response: the body is a metav1.Status when the server sends one;
// otherwise the reason is derived from the HTTP status, as apimachinery's NewGenericServerResponse does.
Error ErrorFromResponse(int http_status, std::string_view body, std::string_view retry_after_header);

// Parses Retry-After in seconds (the only form the API server sends); nullopt when absent or malformed.
std::optional<std::chrono::milliseconds> ParseRetryAfter(std::string_view value);

bool IsNotFound(const Error& e);
bool IsAlreadyExists(const Error& e);
bool IsConflict(const Error& e);  // 409 with reason Conflict (stale resourceVersion), not AlreadyExists
bool IsGone(const Error& e);      // 410, reason Gone or Expired: the resourceVersion is too old
bool IsExpired(const Error& e);   // same as IsGone, named as apimachinery's IsResourceExpired
bool IsForbidden(const Error& e);
bool IsUnauthorized(const Error& e);
bool IsInvalid(const Error& e);
bool IsTooManyRequests(const Error& e);
bool IsNotLeader(const Error& e);
bool IsCancelled(const Error& e);

std::string_view ErrorCodeName(ErrorCode code);

}  // namespace kube
