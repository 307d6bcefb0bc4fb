#pragma once
// `seed-job serve --watch`: follows the model artifact at a path and hot-reloads it when its
// content changes (a new SHA-256). The path is polled (stat, then a hash only when the file's
// identity, size or mtime moved), which works on every volume a model comes from, network file
// systems and symlink swaps included, where inotify does not. A new artifact that does not parse
// or verify is refused: the old model keeps serving, the refusal is logged and counted, and that
// content is not tried again until the file changes once more.
#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <string>
#include <thread>

#include "serve/model_server.h"

namespace seed::serve {

class ModelWatcher {
 public:
  enum class Outcome { kUnchanged, kReloaded, kRefused };

  // `served_sha256`: the artifact the server serves now. `log` gets one line per reload or refusal.
  ModelWatcher(ModelServer& server, std::string path, std::string served_sha256,
               std::chrono::milliseconds interval, std::function<void(const std::string&)> log);
  ~ModelWatcher();  // Stop()
  ModelWatcher(const ModelWatcher&) = delete;
  ModelWatcher& operator=(const ModelWatcher&) = delete;

  // Polls every interval on its own thread until Stop().
  void Start();
  void Stop();
  // One look at the path (what the thread does each interval); not while the thread runs.
  Outcome CheckOnce();

 private:
  ModelServer& server_;
  std::string path_;
  std::string served_sha256_;
  std::string refused_sha256_;
  std::string last_stat_;  // identity, size and mtime at the last hash
  std::chrono::milliseconds interval_;
  std::function<void(const std::string&)> log_;
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace seed::serve
