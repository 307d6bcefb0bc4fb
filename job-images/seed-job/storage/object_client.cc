#include "storage/object_client.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <filesystem>
#include <set>
#include <system_error>
#include <thread>

#include "storage/failure_message.h"
#include "storage/http_transfer.h"
#include "storage/object_url.h"
#include "storage/sha256_stream.h"
#include "storage/storage_error.h"

namespace seed::storage {
namespace {

using Clock = std::chrono::steady_clock;

bool Is2xx(long status) { return status >= 200 && status < 300; }

bool Retryable(const HttpResponse& response) {
  if (response.transport == HttpResponse::Transport::kRetryable) return true;
  if (response.transport != HttpResponse::Transport::kOk) return false;
  return response.status >= 500 || response.status == 429 || response.status == 408;
}

StorageError BadInput(const std::string& message) {
  return StorageError(StorageError::Kind::kBadInput, message);
}

// A file descriptor closed on scope exit.
struct Fd {
  int fd = -1;
  ~Fd() {
    if (fd >= 0) ::close(fd);
  }
};

// Reads exactly `size` bytes at `offset` into `buffer` (resized); throws on a short read.
void ReadAt(int fd, uint64_t offset, size_t size, std::string& buffer, const std::string& path) {
  buffer.resize(size);
  size_t done = 0;
  while (done < size) {
    const ssize_t n = ::pread(fd, buffer.data() + done, size - done, static_cast<off_t>(offset + done));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) throw std::system_error(n < 0 ? errno : EIO, std::generic_category(), "cannot read " + path);
    done += static_cast<size_t>(n);
  }
}

void CheckDigest(const std::string& expected, const std::string& actual, const std::string& what) {
  if (!expected.empty() && expected != actual)
    throw BadInput(what + ": SHA-256 mismatch: expected " + expected + ", got " + actual +
                   " (the object changed, or the expected checksum is wrong); nothing was written");
}

}  // namespace

struct ObjectClient::Target {
  std::string url;  // as named by the user
  bool s3 = false;
  S3Location location;
  Endpoint endpoint;
  std::string RequestUrl(QueryParams query = {}) const {
    return s3 ? storage::RequestUrl(endpoint, virtual_host, location, std::move(query)) : url;
  }
  bool virtual_host = false;
};

ObjectClient::ObjectClient(StorageConfig config)
    : config_(std::move(config)),
      http_(std::make_unique<HttpTransfer>(config_)),
      random_(std::random_device{}()) {}

ObjectClient::~ObjectClient() = default;

ObjectClient::Target ObjectClient::Resolve(const std::string& url, bool s3_only) const {
  Target target;
  target.url = url;
  if (url.rfind("s3://", 0) == 0 || url.rfind("S3://", 0) == 0) {
    target.s3 = true;
    target.location = ParseS3Url(url);
    target.endpoint = ParseEndpoint(config_.endpoint);
    target.virtual_host = config_.virtual_host;
  } else if (s3_only) {
    throw BadInput(RedactUrl(url) + ": only s3://bucket/key can be written, listed or deleted");
  } else if (url.rfind("http://", 0) == 0 || url.rfind("https://", 0) == 0) {
    target.s3 = false;
  } else {
    throw BadInput(RedactUrl(url) + ": not a URL this client reads (s3://, http://, https://)");
  }
  return target;
}

HttpResponse ObjectClient::Send(const std::string& operation, const Target& target, HttpRequest& request,
                                const std::function<void()>& before_attempt) {
  request.sign = target.s3;
  request.follow_redirects = !target.s3;  // a signed request is valid for its own host only
  if (target.s3) request.headers.push_back("x-amz-content-sha256: " + Sha256Of(request.body));
  const auto start = Clock::now();
  std::uniform_real_distribution<double> unit(0.0, 1.0);
  for (int attempt = 1;; ++attempt) {
    if (before_attempt) before_attempt();
    ++requests_;
    HttpResponse response = http_->Perform(request);
    connections_ += response.new_connections;
    if (response.transport == HttpResponse::Transport::kOk && Is2xx(response.status)) return response;
    const auto elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start);
    if (Retryable(response)) {
      const auto delay = RetryDelay(config_.retry, attempt + 1, unit(random_), elapsed);
      if (delay.count() >= 0) {
        if (on_retry_)
          on_retry_(response.transport == HttpResponse::Transport::kOk
                        ? "HTTP " + std::to_string(response.status)
                        : response.transport_error,
                    delay);
        std::this_thread::sleep_for(delay);  // backoff between attempts
        continue;
      }
    }
    if (response.transport == HttpResponse::Transport::kAborted) {
      throw StorageError(StorageError::Kind::kServerFault,
                         operation + " " + RedactUrl(target.url) + ": " + response.transport_error);
    }
    FailedRequest failure;
    failure.operation = operation;
    failure.url = target.url;
    if (target.s3) {
      failure.endpoint = config_.endpoint;
      failure.bucket = target.location.bucket;
      failure.access_key = config_.access_key;
    }
    failure.attempts = attempt;
    failure.seconds = std::chrono::duration<double>(Clock::now() - start).count();
    if (response.transport == HttpResponse::Transport::kOk) {
      failure.status = response.status;
      const S3ErrorBody body = ParseErrorBody(response.body);
      failure.s3_code = body.code;
      failure.s3_message = body.message;
      if (failure.s3_code.empty() && response.status == 404 && target.s3 && request.method == "HEAD")
        failure.s3_code = "NoSuchKey";  // HEAD answers carry no body
    } else {
      failure.transport_error = response.transport_error;
      failure.transport_bad_input = response.transport == HttpResponse::Transport::kBadInput;
    }
    throw DescribeFailure(failure);
  }
}

TransferResult ObjectClient::Get(const std::string& url, const std::string& local,
                                 const std::string& expected) {
  const Target target = Resolve(url, false);
  if (target.s3 && (target.location.key.empty() || target.location.key.back() == '/'))
    throw BadInput(RedactUrl(url) +
                   ": a download needs an object's key (s3://bucket/key), not a bucket or a prefix");
  const std::filesystem::path destination(local);
  if (destination.has_parent_path()) std::filesystem::create_directories(destination.parent_path());
  const std::string temp = local + ".part." + std::to_string(::getpid());
  Fd file;
  file.fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (file.fd < 0) throw std::system_error(errno, std::generic_category(), "cannot create " + temp);
  struct Cleanup {
    const std::string& path;
    bool keep = false;
    ~Cleanup() {
      if (!keep) ::unlink(path.c_str());
    }
  } cleanup{temp};

  Sha256Stream digest;
  HttpRequest request;
  request.method = "GET";
  request.url = target.RequestUrl();
  int write_errno = 0;
  request.sink = [&](const char* data, size_t size) {
    digest.Update(std::string_view(data, size));
    size_t done = 0;
    while (done < size) {
      const ssize_t n = ::write(file.fd, data + done, size - done);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) {
        write_errno = errno;
        return false;
      }
      done += static_cast<size_t>(n);
    }
    return true;
  };
  // Each attempt starts the file and the digest over.
  const HttpResponse response = Send("GET", target, request, [&] {
    if (::ftruncate(file.fd, 0) != 0 || ::lseek(file.fd, 0, SEEK_SET) != 0)
      throw std::system_error(errno, std::generic_category(), "cannot truncate " + temp);
    digest = Sha256Stream();
  });
  if (write_errno != 0) throw std::system_error(write_errno, std::generic_category(), "cannot write " + temp);
  TransferResult result;
  result.bytes = response.sink_bytes;
  result.sha256 = digest.HexDigest();
  CheckDigest(expected, result.sha256, "GET " + RedactUrl(url));
  if (::fsync(file.fd) != 0) throw std::system_error(errno, std::generic_category(), "cannot flush " + temp);
  if (::rename(temp.c_str(), local.c_str()) != 0)
    throw std::system_error(errno, std::generic_category(), "cannot rename " + temp + " to " + local);
  cleanup.keep = true;
  return result;
}

TransferResult ObjectClient::Put(const std::string& local, const std::string& url,
                                 const std::string& expected) {
  const Target target = Resolve(url, true);
  if (target.location.key.empty() || target.location.key.back() == '/')
    throw BadInput(RedactUrl(url) + ": an upload needs a key (s3://bucket/key), not a bucket or a prefix");
  std::error_code error;
  const uint64_t size = std::filesystem::file_size(local, error);
  if (error) throw std::system_error(error, "cannot read " + local);
  if (size <= config_.part_size) return PutSingle(local, target, expected);
  return PutMultipart(local, target, expected, size);
}

TransferResult ObjectClient::PutSingle(const std::string& local, const Target& target,
                                       const std::string& expected) {
  Fd file;
  file.fd = ::open(local.c_str(), O_RDONLY | O_CLOEXEC);
  if (file.fd < 0) throw std::system_error(errno, std::generic_category(), "cannot open " + local);
  std::string body;
  ReadAt(file.fd, 0, static_cast<size_t>(std::filesystem::file_size(local)), body, local);
  TransferResult result;
  result.bytes = body.size();
  result.sha256 = Sha256Of(body);
  CheckDigest(expected, result.sha256, "PUT " + RedactUrl(target.url));
  HttpRequest request;
  request.method = "PUT";
  request.url = target.RequestUrl();
  request.body = body;
  request.headers.push_back("Content-Type: application/octet-stream");
  Send("PUT", target, request);
  return result;
}

TransferResult ObjectClient::PutMultipart(const std::string& local, const Target& target,
                                          const std::string& expected, uint64_t size) {
  Fd file;
  file.fd = ::open(local.c_str(), O_RDONLY | O_CLOEXEC);
  if (file.fd < 0) throw std::system_error(errno, std::generic_category(), "cannot open " + local);

  HttpRequest start;
  start.method = "POST";
  start.url = target.RequestUrl({{"uploads", ""}});
  start.headers.push_back("Content-Type: application/octet-stream");
  const HttpResponse started = Send("start multipart upload", target, start);
  const std::string upload_id = ParseUploadId(started.body, target.url);

  // From here on, any failure aborts the upload so that no parts are left behind.
  try {
    TransferResult result;
    Sha256Stream whole;
    std::vector<std::string> etags;
    std::string buffer;
    // S3 allows at most 10,000 parts: larger files get larger parts.
    const uint64_t part_size = std::max<uint64_t>(config_.part_size, (size + 9999) / 10000);
    for (uint64_t offset = 0; offset < size; offset += part_size) {
      const size_t length = static_cast<size_t>(std::min<uint64_t>(part_size, size - offset));
      ReadAt(file.fd, offset, length, buffer, local);
      whole.Update(buffer);
      HttpRequest part;
      part.method = "PUT";
      part.url =
          target.RequestUrl({{"partNumber", std::to_string(etags.size() + 1)}, {"uploadId", upload_id}});
      part.body = buffer;
      const HttpResponse sent = Send("upload part " + std::to_string(etags.size() + 1), target, part);
      const auto etag = sent.headers.find("etag");
      if (etag == sent.headers.end())
        throw StorageError(StorageError::Kind::kServerFault,
                           "upload part of " + RedactUrl(target.url) + ": the server's answer has no ETag");
      etags.push_back(etag->second);
    }
    result.bytes = size;
    result.parts = static_cast<int>(etags.size());
    result.sha256 = whole.HexDigest();
    CheckDigest(expected, result.sha256, "PUT " + RedactUrl(target.url));
    const std::string body = CompleteMultipartBody(etags);
    HttpRequest complete;
    complete.method = "POST";
    complete.url = target.RequestUrl({{"uploadId", upload_id}});
    complete.body = body;
    complete.headers.push_back("Content-Type: application/xml");
    const HttpResponse completed = Send("complete multipart upload", target, complete);
    // S3 may answer 200 and still report an error in the body.
    if (const S3ErrorBody error = ParseErrorBody(completed.body); !error.code.empty()) {
      FailedRequest failure;
      failure.operation = "complete multipart upload";
      failure.url = target.url;
      failure.endpoint = config_.endpoint;
      failure.bucket = target.location.bucket;
      failure.access_key = config_.access_key;
      failure.status = error.code == "InternalError" || error.code == "SlowDown" ? 500 : 400;
      failure.s3_code = error.code;
      failure.s3_message = error.message;
      throw DescribeFailure(failure);
    }
    return result;
  } catch (...) {
    HttpRequest abort;
    abort.method = "DELETE";
    abort.url = target.RequestUrl({{"uploadId", upload_id}});
    try {
      Send("abort multipart upload", target, abort);
    } catch (const StorageError&) {
      // The original failure is what the user needs; a bucket lifecycle rule cleans up the rest.
    }
    throw;
  }
}

ObjectInfo ObjectClient::Head(const std::string& url) {
  const Target target = Resolve(url, false);
  HttpRequest request;
  request.method = "HEAD";
  request.url = target.RequestUrl();
  const HttpResponse response = Send("HEAD", target, request);
  ObjectInfo info;
  auto header = [&](const char* name) {
    const auto found = response.headers.find(name);
    return found == response.headers.end() ? std::string() : found->second;
  };
  info.size = std::strtoull(header("content-length").c_str(), nullptr, 10);
  info.etag = header("etag");
  info.last_modified = header("last-modified");
  info.content_type = header("content-type");
  return info;
}

std::vector<ListedObject> ObjectClient::List(const std::string& url, int page_size) {
  Target target = Resolve(url, true);
  const std::string prefix = target.location.key;
  target.location.key.clear();
  std::vector<ListedObject> objects;
  std::string token;
  std::set<std::string> tokens_seen;  // a server that hands back a token twice would page forever
  do {
    QueryParams query = {{"list-type", "2"}, {"max-keys", std::to_string(page_size)}};
    if (!prefix.empty()) query.emplace_back("prefix", prefix);
    if (!token.empty()) query.emplace_back("continuation-token", token);
    HttpRequest request;
    request.method = "GET";
    request.url = target.RequestUrl(std::move(query));
    const HttpResponse response = Send("LIST", target, request);
    ListPage page = ParseListPage(response.body, url);
    for (auto& object : page.objects) objects.push_back(std::move(object));
    token = page.truncated ? page.next_continuation_token : std::string();
    if (page.truncated && (token.empty() || !tokens_seen.insert(token).second)) {
      throw StorageError(
          StorageError::Kind::kServerFault,
          "LIST " + RedactUrl(url) + ": the server said the listing is truncated but gave " +
              (token.empty() ? std::string("no continuation token") : "the same continuation token twice") +
              " after " + std::to_string(objects.size()) +
              " objects; check that the endpoint is an S3-compatible server with ListObjectsV2");
    }
  } while (!token.empty());
  return objects;
}

void ObjectClient::Delete(const std::string& url) {
  const Target target = Resolve(url, true);
  HttpRequest request;
  request.method = "DELETE";
  request.url = target.RequestUrl();
  Send("DELETE", target, request);
}

}  // namespace seed::storage
