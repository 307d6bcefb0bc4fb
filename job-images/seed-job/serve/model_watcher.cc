#include "serve/model_watcher.h"

#include <sys/stat.h>

#include <exception>

#include "serve/artifact_model.h"
#include "serve/model_uri.h"

namespace seed::serve {

namespace {

// What changes when a file is replaced (rename: a new inode) or rewritten (size, mtime); "" when
// it cannot be read now (mid-swap), which is then simply looked at again next time.
std::string StatKey(const std::string& file) {
  struct stat info {};
  if (::stat(file.c_str(), &info) != 0) return "";
  return std::to_string(info.st_dev) + ":" + std::to_string(info.st_ino) + ":" +
         std::to_string(info.st_size) + ":" + std::to_string(info.st_mtim.tv_sec) + "." +
         std::to_string(info.st_mtim.tv_nsec);
}

}  // namespace

ModelWatcher::ModelWatcher(ModelServer& server, std::string path, std::string served_sha256,
                           std::chrono::milliseconds interval, std::function<void(const std::string&)> log)
    : server_(server),
      path_(std::move(path)),
      served_sha256_(std::move(served_sha256)),
      interval_(interval),
      log_(std::move(log)) {
  server_.SetModelChecksum(served_sha256_);
}

ModelWatcher::~ModelWatcher() { Stop(); }

void ModelWatcher::Start() {
  thread_ = std::thread([this] {
    std::unique_lock lock(mutex_);
    while (!stopping_) {
      lock.unlock();
      CheckOnce();
      lock.lock();
      wake_.wait_for(lock, interval_, [this] { return stopping_; });
    }
  });
}

void ModelWatcher::Stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

ModelWatcher::Outcome ModelWatcher::CheckOnce() {
  const std::string file = ModelArtifactFile(path_);
  const std::string key = StatKey(file);
  if (key.empty() || key == last_stat_) return Outcome::kUnchanged;
  ArtifactBytes artifact;
  try {
    artifact = ReadArtifact(path_);
  } catch (const std::exception&) {
    return Outcome::kUnchanged;  // gone between stat and open (a swap in progress): next time
  }
  last_stat_ = key;
  if (artifact.sha256 == served_sha256_ || artifact.sha256 == refused_sha256_) return Outcome::kUnchanged;
  try {
    ServedModel model = ParseArtifactModel(artifact);
    if (!server_.ReplaceModel(std::move(model))) return Outcome::kUnchanged;
  } catch (const std::exception& e) {
    refused_sha256_ = artifact.sha256;
    server_.RecordReload(false, artifact.sha256);
    log_("refused the new model artifact " + artifact.file + " (sha256 " + artifact.sha256 +
         "): " + e.what() + "; still serving sha256 " + served_sha256_);
    return Outcome::kRefused;
  }
  log_("reloaded the model from " + artifact.file + ": sha256 " + served_sha256_ + " -> " + artifact.sha256);
  served_sha256_ = artifact.sha256;
  refused_sha256_.clear();
  server_.RecordReload(true, artifact.sha256);
  return Outcome::kReloaded;
}

}  // namespace seed::serve
