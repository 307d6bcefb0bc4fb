// seed-job serve: the model server behind an InferenceService (Open Inference Protocol v2 REST).
#include <pthread.h>
#include <signal.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>

#include "commands/commands.h"
#include "io/input_error.h"
#include "serve/artifact_model.h"
#include "serve/model_server.h"
#include "serve/model_uri.h"
#include "serve/model_watcher.h"

#ifndef SEED_VERSION
#define SEED_VERSION "dev"
#endif

namespace seed::commands {
namespace {

struct ServeFlags {
  std::string model, name = "model", version, host = "0.0.0.0", sha256;
  int port = 8080;
  int threads = 0;
  size_t max_body_bytes = 1 << 20;
  bool watch = false;
  int watch_interval_ms = 2000;
};

void Run(const ServeFlags& f) {
  if (f.port < 0 || f.port > 65535) throw io::UsageError("--port must be between 0 and 65535");
  if (f.threads < 0) throw io::UsageError("--threads must be 0 (one per core) or more");
  if (f.max_body_bytes < 1024) throw io::UsageError("--max-body-bytes must be at least 1024");
  if (f.watch && !f.sha256.empty()) {
    throw io::UsageError("--sha256 pins one artifact and --watch follows a changing one: use one of them");
  }
  if (f.watch_interval_ms < 10 || f.watch_interval_ms > 3'600'000) {
    throw io::UsageError("--watch-interval-ms must be from 10 to 3600000");
  }
  const std::string path = serve::ResolveModelPath(f.model);

  // Block the shutdown signals before any thread starts: every thread inherits the mask, and this
  // thread takes them synchronously with sigwait, so no code runs inside a signal handler.
  // SIGUSR1 is the load thread telling this thread that loading has settled.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGUSR1);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  serve::ServerOptions options{.host = f.host,
                               .port = f.port,
                               .threads = f.threads,
                               .max_body_bytes = f.max_body_bytes,
                               .model_name = f.name,
                               .model_version = f.version,
                               .server_version = SEED_VERSION};
  const std::string sha256 = f.sha256;
  // The checksum of what the first load read: the watcher starts from it.
  auto loaded_sha256 = std::make_shared<std::string>();
  serve::ModelServer server(options, [path, sha256, loaded_sha256] {
    if (!sha256.empty()) return serve::LoadArtifactModel(path, sha256);
    serve::ArtifactBytes artifact = serve::ReadArtifact(path);
    *loaded_sha256 = artifact.sha256;
    return serve::ParseArtifactModel(artifact);
  });
  std::unique_ptr<serve::ModelWatcher> watcher;
  server.OnLoadSettled([](serve::ModelState) { kill(getpid(), SIGUSR1); });
  server.Start();
  std::fprintf(stderr, "seed-job serve: listening on %s:%d; loading model %s from %s\n", f.host.c_str(), server.port(),
               f.name.c_str(), path.c_str());

  for (;;) {
    int signal = 0;
    if (sigwait(&signals, &signal) != 0) continue;
    if (signal == SIGUSR1) {
      if (server.state() == serve::ModelState::kFailed) {
        server.Stop();
        throw io::UsageError("cannot serve model " + f.name + ": " + server.load_error());
      }
      if (server.state() == serve::ModelState::kReady) {
        std::fprintf(stderr, "seed-job serve: model %s%s%s is ready at /v2/models/%s/infer\n", f.name.c_str(),
                     f.version.empty() ? "" : " version ", f.version.c_str(), f.name.c_str());
        if (f.watch && !watcher) {
          watcher = std::make_unique<serve::ModelWatcher>(
              server, path, *loaded_sha256, std::chrono::milliseconds(f.watch_interval_ms),
              [](const std::string& line) { std::fprintf(stderr, "seed-job serve: %s\n", line.c_str()); });
          watcher->Start();
          std::fprintf(stderr, "seed-job serve: watching %s for new artifacts every %d ms\n", path.c_str(),
                       f.watch_interval_ms);
        }
      }
      continue;
    }
    std::fprintf(stderr, "seed-job serve: %s received; finishing requests in flight\n",
                 signal == SIGTERM ? "SIGTERM" : "SIGINT");
    if (watcher) watcher->Stop();
    server.Stop();
    if (server.state() == serve::ModelState::kLoading) {
      // Nothing is served yet and a load cannot be interrupted: leave without waiting for it.
      std::fflush(stderr);
      std::_Exit(0);
    }
    std::fprintf(stderr, "seed-job serve: stopped\n");
    return;
  }
}

}  // namespace

void AddServe(CLI::App& app) {
  auto flags = std::make_shared<ServeFlags>();
  CLI::App* cmd = app.add_subcommand(
      "serve",
      "Model server: Open Inference Protocol v2 REST (/v2/health/live, /v2/health/ready, /v2,\n"
      "/v2/models/{name}[/versions/{v}][/ready|/infer]) and Prometheus /metrics");
  cmd->add_option("--model", flags->model,
                  "Model artifact: a path (a directory means its model.json), file://PATH, or pvc://CLAIM/PATH "
                  "(read from the claim mounted at /mnt/models)")
      ->envname("SEED_MODEL_PATH")
      ->required();
  cmd->add_option("--name", flags->name, "Model name in the URL paths")->envname("SEED_MODEL_NAME")->capture_default_str();
  cmd->add_option("--version", flags->version, "Model version (empty: served without a version)")
      ->envname("SEED_MODEL_VERSION");
  cmd->add_option("--port", flags->port, "TCP port (0: any free port)")->envname("PORT")->capture_default_str();
  cmd->add_option("--host", flags->host, "Address to listen on")->capture_default_str();
  cmd->add_option("--sha256", flags->sha256, "Expected SHA-256 of the artifact file (hex); refuse to serve otherwise");
  cmd->add_flag("--watch", flags->watch,
                "Reload the artifact when its content changes (a new SHA-256), without dropping a request or "
                "turning not-ready; a new artifact that does not load is refused and the old one kept")
      ->envname("SEED_MODEL_WATCH");
  cmd->add_option("--watch-interval-ms", flags->watch_interval_ms, "How often --watch looks at the artifact")
      ->capture_default_str();
  cmd->add_option("--threads", flags->threads, "Worker threads (0: one per core)")->capture_default_str();
  cmd->add_option("--max-body-bytes", flags->max_body_bytes, "Largest request body accepted (larger: 413)")
      ->capture_default_str();
  cmd->callback([flags] { Run(*flags); });
}

}  // namespace seed::commands
