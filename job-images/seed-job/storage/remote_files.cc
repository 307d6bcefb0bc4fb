#include "storage/remote_files.h"

#include <chrono>
#include <memory>
#include <mutex>

#include "io/remote_path.h"
#include "storage/object_client.h"
#include "storage/object_url.h"
#include "storage/storage_error.h"

namespace seed::storage {
namespace {

std::chrono::milliseconds Milliseconds(double seconds) {
  return std::chrono::milliseconds(static_cast<long long>(seconds * 1000 + 0.5));
}

class ClientRemoteFiles : public io::RemoteFiles {
 public:
  // One transfer at a time: commands read inputs from several threads, and a client owns one
  // connection.
  void Download(const std::string& url, const std::string& local) override {
    const std::lock_guard lock(mutex_);
    Client().Get(url, local);
  }
  std::vector<std::string> List(const std::string& prefix_url) {
    const std::lock_guard lock(mutex_);
    const S3Location location = ParseS3Url(prefix_url);
    std::vector<std::string> urls;
    for (const ListedObject& object : Client().List(prefix_url)) {
      if (object.key.find('/', location.key.size()) != std::string::npos) continue;  // deeper
      urls.push_back("s3://" + location.bucket + "/" + object.key);
    }
    return urls;  // ListObjectsV2 returns keys in UTF-8 binary order
  }
  // A client of its own with the call's settings over the configured ones (one download).
  void Fetch(const std::string& url, const std::string& local, const io::DownloadOptions& options) override {
    StorageConfig config = ConfigFromEnvironment();
    if (!options.ca_file.empty()) config.ca_file = options.ca_file;
    if (options.attempts > 0) config.retry.max_attempts = options.attempts;
    if (options.first_backoff_seconds > 0)
      config.retry.base_delay = Milliseconds(options.first_backoff_seconds);
    if (options.max_backoff_seconds > 0) config.retry.max_delay = Milliseconds(options.max_backoff_seconds);
    if (options.connect_timeout_seconds > 0)
      config.connect_timeout = std::chrono::seconds(options.connect_timeout_seconds);
    if (options.stall_timeout_seconds > 0)
      config.stall_timeout = std::chrono::seconds(options.stall_timeout_seconds);
    ObjectClient client(std::move(config));
    if (options.on_retry)
      client.OnRetry([&](const std::string& reason, std::chrono::milliseconds delay) {
        options.on_retry(reason, std::chrono::duration<double>(delay).count());
      });
    client.Get(url, local, options.expected_sha256);
  }
  void Upload(const std::string& local, const std::string& url) override {
    if (url.rfind("s3://", 0) != 0 && url.rfind("S3://", 0) != 0)
      throw StorageError(StorageError::Kind::kBadInput,
                         RedactUrl(url) + ": outputs can be written to local paths or s3://bucket/key only");
    const std::lock_guard lock(mutex_);
    Client().Put(local, url);
  }

 private:
  ObjectClient& Client() {  // called with mutex_ held
    if (!client_) client_ = std::make_unique<ObjectClient>(ConfigFromEnvironment());
    return *client_;
  }
  std::mutex mutex_;
  std::unique_ptr<ObjectClient> client_;
};

// The one instance: installed into io/ and used for listings, so both share one connection.
const std::shared_ptr<ClientRemoteFiles>& Shared() {
  static const auto remote = std::make_shared<ClientRemoteFiles>();
  return remote;
}

}  // namespace

void InstallRemoteFiles() {
  static const bool installed = [] {
    io::SetRemoteFiles(Shared());
    return true;
  }();
  (void)installed;
}

std::vector<std::string> ListRemoteDirectory(const std::string& prefix_url) {
  if (prefix_url.empty() || prefix_url.back() != '/')
    throw StorageError(StorageError::Kind::kBadInput,
                       RedactUrl(prefix_url) + ": a remote directory is an s3:// prefix ending in '/'");
  return Shared()->List(prefix_url);
}

}  // namespace seed::storage
