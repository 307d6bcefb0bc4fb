#pragma once
// The one error type of the object-storage client. what() is a complete message for a person:
// the operation, the URL (credentials redacted), the HTTP status and S3 error code when there was
// an answer, and what to check. kind() decides seed-job's exit code: kBadInput (2) for a bad URL,
// an unknown bucket or key, refused credentials, a checksum mismatch; kServerFault (1) for 5xx,
// throttling, timeouts and dropped connections that persisted through the retries.
#include <stdexcept>
#include <string>

namespace seed::storage {

class StorageError : public std::runtime_error {
 public:
  enum class Kind { kBadInput, kServerFault };

  StorageError(Kind kind, const std::string& message, long http_status = 0, std::string s3_code = {})
      : std::runtime_error(message), kind_(kind), http_status_(http_status), s3_code_(std::move(s3_code)) {}

  Kind kind() const { return kind_; }
  bool bad_input() const { return kind_ == Kind::kBadInput; }
  long http_status() const { return http_status_; }        // 0 when no HTTP answer came
  const std::string& s3_code() const { return s3_code_; }  // e.g. NoSuchBucket; empty when none

 private:
  Kind kind_;
  long http_status_;
  std::string s3_code_;
};

}  // namespace seed::storage
