#pragma once
// The object-storage client for any S3-compatible server (MinIO, Ceph RGW, AWS S3), and plain
// http(s):// GETs. Contract:
//   - Get streams the object into a temporary file beside `local` (never the whole object in
//     memory) and renames it to `local` only when every byte announced arrived and, when an
//     expected SHA-256 is given, the digest matches; otherwise `local` is untouched and the
//     temporary file removed.
//   - Put uploads a local file: one PUT up to part_size, a multipart upload above it (parts of
//     part_size, sent one after another over one reused connection); the object appears under its
//     key only when the upload completes. A failed multipart upload is aborted. With an expected
//     SHA-256 the file's digest is checked before the object is completed (nothing is written
//     under the key on a mismatch).
//   - Every request carries x-amz-content-sha256 (the payload's SHA-256) and is signed by libcurl
//     (SigV4) when credentials are configured.
//   - Retries: 5xx, 429, 408 and transport failures (reset, timeout, truncated body, refused
//     connection) are retried with exponential backoff and full jitter within RetryPolicy's
//     attempts and total time; other 4xx never are.
//   - Failures throw StorageError: bad input (2) or server fault (1), with a message naming the
//     operation, the URL (credentials redacted), the HTTP status, the S3 code and what to check.
// One client per thread (it owns one connection).
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "storage/s3_xml.h"
#include "storage/storage_config.h"

namespace seed::storage {

class HttpTransfer;
struct HttpRequest;
struct HttpResponse;

struct TransferResult {
  uint64_t bytes = 0;
  std::string sha256;  // hex digest of the bytes transferred
  int parts = 0;       // multipart parts uploaded (0 for a single PUT or a GET)
};

struct ObjectInfo {
  uint64_t size = 0;
  std::string etag;
  std::string last_modified;
  std::string content_type;
};

class ObjectClient {
 public:
  explicit ObjectClient(StorageConfig config);
  ~ObjectClient();

  // `url`: s3://bucket/key, or http(s)://... (unsigned; for reading only).
  TransferResult Get(const std::string& url, const std::string& local,
                     const std::string& expected_sha256 = "");
  // `url`: s3://bucket/key.
  TransferResult Put(const std::string& local, const std::string& url,
                     const std::string& expected_sha256 = "");
  ObjectInfo Head(const std::string& url);
  // Every object under the prefix (s3://bucket/prefix), following continuation tokens;
  // `page_size` is ListObjectsV2's max-keys.
  std::vector<ListedObject> List(const std::string& url, int page_size = 1000);
  void Delete(const std::string& url);

  // Told before each retry what failed ("HTTP 503", libcurl's message) and the delay (`seed-job
  // fetch` reports its retries on stderr).
  using RetryObserver = std::function<void(const std::string& reason, std::chrono::milliseconds delay)>;
  void OnRetry(RetryObserver observer) { on_retry_ = std::move(observer); }

  const StorageConfig& config() const { return config_; }
  int requests() const { return requests_; }         // HTTP attempts made so far (retries included)
  long connections() const { return connections_; }  // connections opened so far

 private:
  struct Target;
  Target Resolve(const std::string& url, bool s3_only) const;
  // Performs `request` with retries; returns the final 2xx response or throws StorageError.
  // `before_attempt` runs before each attempt (a download truncates its partial file there).
  HttpResponse Send(const std::string& operation, const Target& target, HttpRequest& request,
                    const std::function<void()>& before_attempt = {});
  TransferResult PutSingle(const std::string& local, const Target& target, const std::string& expected);
  TransferResult PutMultipart(const std::string& local, const Target& target, const std::string& expected,
                              uint64_t size);

  StorageConfig config_;
  std::unique_ptr<HttpTransfer> http_;
  std::mt19937_64 random_;
  RetryObserver on_retry_;
  int requests_ = 0;
  long connections_ = 0;
};

}  // namespace seed::storage
