#pragma once
// One HTTP request over libcurl (only inside http_transfer.cc), with SigV4 signing by libcurl's
// CURLOPT_AWS_SIGV4 when credentials are set. One HttpTransfer keeps one curl handle, so the
// requests made through it (the parts of a multipart upload, the pages of a listing) reuse one
// connection. A single attempt: it never retries and never throws for HTTP or network failures;
// the caller classifies the response. Not thread-safe (one per thread).
#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "storage/storage_config.h"

namespace seed::storage {

struct HttpRequest {
  std::string method = "GET";        // GET, HEAD, PUT, POST, DELETE
  std::string url;                   // fully encoded; the query already in SigV4 canonical order
  std::vector<std::string> headers;  // "Name: value"
  std::string_view body;             // PUT and POST payload (in memory: at most one part)
  bool sign = true;                  // SigV4 when the config has credentials
  bool follow_redirects = false;     // for plain http(s) reads; never for signed requests
  // Receives a successful (2xx) answer's body; returning false aborts the transfer. Without a
  // sink, the body is collected into HttpResponse::body.
  std::function<bool(const char* data, size_t size)> sink;
};

struct HttpResponse {
  long status = 0;                             // 0 when no answer came
  std::map<std::string, std::string> headers;  // names lowercased
  std::string body;          // the body of an error answer (any answer without a sink), at most 1 MiB kept
  uint64_t sink_bytes = 0;   // bytes handed to the sink
  long new_connections = 0;  // connections opened for this request (0 when one was reused)
  // Transport outcome: ok, or a failure and whether it is worth another attempt (reset,
  // timeout, truncated body, refused connection) or a setting to fix (unknown host, TLS trust).
  enum class Transport { kOk, kRetryable, kBadInput, kAborted, kOther } transport = Transport::kOk;
  std::string transport_error;  // libcurl's message when transport != kOk
};

class HttpTransfer {
 public:
  explicit HttpTransfer(const StorageConfig& config);
  ~HttpTransfer();
  HttpTransfer(const HttpTransfer&) = delete;
  HttpTransfer& operator=(const HttpTransfer&) = delete;

  HttpResponse Perform(const HttpRequest& request);

 private:
  const StorageConfig& config_;
  void* curl_;  // CURL*
};

}  // namespace seed::storage
