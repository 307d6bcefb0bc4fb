#include "storage/remote_files.h"

#include <memory>
#include <mutex>

#include "io/remote_path.h"
#include "storage/object_client.h"
#include "storage/object_url.h"
#include "storage/storage_error.h"

namespace seed::storage {
namespace {

class ClientRemoteFiles : public io::RemoteFiles {
 public:
  // One transfer at a time: commands read inputs from several threads, and a client owns one
  // connection.
  void Download(const std::string& url, const std::string& local) override {
    const std::lock_guard lock(mutex_);
    Client().Get(url, local);
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

}  // namespace

void InstallRemoteFiles() {
  static const bool installed = [] {
    io::SetRemoteFiles(std::make_shared<ClientRemoteFiles>());
    return true;
  }();
  (void)installed;
}

}  // namespace seed::storage
