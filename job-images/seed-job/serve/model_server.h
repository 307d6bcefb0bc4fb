#pragma once
// The model server: Open Inference Protocol v2 over HTTP/1.1, /metrics, and readiness that turns
// true only once the model is loaded. The model loads on its own thread after the socket listens,
// so /v2/health/live answers from the first moment.
#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <string>

#include "serve/served_model.h"

namespace seed::serve {

struct ServerOptions {
  std::string host = "0.0.0.0";
  int port = 8080;  // 0: any free port (see ModelServer::port())
  int threads = 0;  // worker threads; 0: one per core
  size_t max_body_bytes = 1 << 20;
  std::string model_name;     // the name clients use in /v2/models/{name}; known before loading
  std::string model_version;  // empty: unversioned
  std::string server_name = "seed-job";
  std::string server_version;
};

// Loads the model (it may take long); throws with a message for the log and /v2/health/ready.
// Runs on the server's load thread.
using ModelLoader = std::function<ServedModel()>;

enum class ModelState { kLoading, kReady, kFailed };

class ModelServer {
 public:
  ModelServer(ServerOptions options, ModelLoader loader);
  ~ModelServer();  // Stop()
  ModelServer(const ModelServer&) = delete;
  ModelServer& operator=(const ModelServer&) = delete;

  // Binds and starts listening, then starts loading. Throws io::UsageError when it cannot bind.
  void Start();
  int port() const;
  // Called once, on the load thread, when the model is ready or has failed to load.
  void OnLoadSettled(std::function<void(ModelState)> callback);
  ModelState state() const;
  std::string load_error() const;
  // Waits until the model is ready or failed; false on timeout.
  bool WaitUntilSettled(std::chrono::milliseconds timeout) const;
  // Hot reload: serves `model` from the next request on, atomically; requests in flight finish on
  // the model they started with, and readiness never changes. The name and version stay the
  // server's. False (nothing changes) unless the first load succeeded.
  bool ReplaceModel(ServedModel model);
  // Counts a reload attempt in /metrics (seed_serve_model_reloads_total{result}) and, when
  // accepted, shows `sha256` as the served artifact (seed_serve_model_info).
  void RecordReload(bool accepted, const std::string& sha256);
  void SetModelChecksum(const std::string& sha256);
  // Graceful drain: readiness turns false and no new connections are accepted; requests in flight
  // finish, and a request that still arrives on an open keep-alive connection (a proxy that has
  // not yet seen the endpoint go) is answered with the model and Connection: close. Each idle
  // connection is closed after such a request or at its idle timeout (5 s); then the workers are
  // joined. Idempotent.
  void Stop();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace seed::serve
