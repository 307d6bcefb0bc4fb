#pragma once
// Downloads one s3://, http:// or https:// URL to a file for `seed-job fetch --url`. The transfer
// goes through the installed io::RemoteFiles (the storage room's client: one HTTP implementation
// for every remote path, libcurl loaded on first use). The body lands in a temporary file beside
// `path`; it is renamed over `path` only when the transfer is complete, the SHA-256 matches (when
// given) and `validate` (when given) accepts the temporary file. On any failure nothing is left
// at `path` (an existing file there is untouched) and no temporary file remains.
//
// Retries: a 5xx, 408 or 429 answer, a timeout, a dropped or truncated transfer are retried with
// exponential backoff and full jitter (each delay drawn below first_backoff_seconds, doubling, at
// most 30 s), `retries` times. Other 4xx answers and a checksum mismatch are not retried. Each
// retry is reported on stderr.
//
// Errors name the URL with its credentials redacted: the remote implementation's error
// (storage::StorageError: bad input, exit 2, for a bad URL, 4xx, untrusted TLS, a checksum
// mismatch; a server fault, exit 1, when the server kept failing), io::InputError for content
// `validate` refuses, io::UsageError for a malformed --sha256.
#include <functional>
#include <string>
#include <string_view>

namespace seed::io {

struct UrlFetchOptions {
  std::string expected_sha256;  // lowercase or uppercase hex; empty: not checked
  std::string ca_file;          // PEM bundle; empty: SEED_S3_CA_FILE or the system's CA store
  int retries = 3;
  double first_backoff_seconds = 1.0;
  long connect_timeout_seconds = 15;
  long stall_timeout_seconds = 60;  // abort a transfer that moves no byte for this long
  std::function<void(const std::string& temp_path)> validate;  // throws to refuse the content
};

void FetchUrlToFile(const std::string& url, const std::string& path, const UrlFetchOptions& options);

}  // namespace seed::io
