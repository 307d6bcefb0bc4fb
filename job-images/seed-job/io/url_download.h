#pragma once
// Downloads one http:// or https:// URL to a file, the only way seed-job reads a URL (so other
// schemes, such as s3://, can be routed here later). The body streams to a temporary file beside
// `path`; it is renamed over `path` only when the transfer is complete, the SHA-256 matches (when
// given) and `validate` (when given) accepts the temporary file. On any failure nothing is left
// at `path` (an existing file there is untouched) and no temporary file remains.
//
// Retries: a 5xx or 429 answer, a timeout, a dropped or truncated transfer are retried with
// exponential backoff (first_backoff_seconds, doubling, at most 30 s), `retries` times. Other
// 4xx answers and a checksum mismatch are not retried.
//
// Errors name the URL with its credentials redacted (RedactUrl): io::InputError for what the user
// must fix (a bad URL, 4xx, checksum mismatch, invalid content), io::RemoteError when the server
// kept failing. Progress of retries is written to stderr.
#include <functional>
#include <string>
#include <string_view>

namespace seed::io {

struct UrlFetchOptions {
  std::string expected_sha256;  // lowercase or uppercase hex; empty: not checked
  std::string ca_file;          // PEM bundle; empty: the system's CA store
  int retries = 3;
  double first_backoff_seconds = 1.0;
  long connect_timeout_seconds = 15;
  long stall_timeout_seconds = 60;  // abort a transfer that moves no byte for this long
  std::function<void(const std::string& temp_path)> validate;  // throws to refuse the content
};

void FetchUrlToFile(const std::string& url, const std::string& path, const UrlFetchOptions& options);

// The URL with a password in its user info replaced by "***", and the values of query
// parameters that carry secrets (token, key, signature, password, secret, X-Amz-*...) too.
std::string RedactUrl(std::string_view url);

}  // namespace seed::io
