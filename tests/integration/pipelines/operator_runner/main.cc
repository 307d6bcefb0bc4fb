// A minimal operator process running the Seed controllers (the same registration seed-operator
// uses), so tests can start, SIGKILL and restart it against the test API emulator.
#include <signal.h>

#include <CLI/CLI.hpp>
#include <memory>
#include <thread>

#include "controllers/file_clock.h"
#include "controllers/register.h"
#include "kube/curl_transport.h"
#include "kube/logging.h"
#include "kube/manager.h"

int main(int argc, char** argv) {
  CLI::App app{"seed-operator-under-test: the Seed controllers against a test API emulator"};
  std::string kubeconfig, clock_file, log_level = "info";
  int workers = 2;
  int64_t max_requeue_ms = 0;
  seed::controllers::SeedControllerOptions options;
  app.add_option("--kubeconfig", kubeconfig)->required();
  app.add_option("--test-clock-file", clock_file, "wall clock read from this file (RFC 3339)");
  app.add_option("--job-image", options.job_image);
  app.add_option("--workers", workers);
  app.add_option("--log-level", log_level);
  app.add_flag("!--no-events", options.record_events, "do not record Events");
  app.add_option("--max-requeue-ms", max_requeue_ms);
  CLI11_PARSE(app, argc, argv);
  if (auto s = kube::SetupLogging(log_level, "text"); !s.ok()) return 2;

  signal(SIGPIPE, SIG_IGN);
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  kube::InitCurlGlobal();

  auto config = kube::LoadKubeconfig({kubeconfig});
  if (!config.ok()) {
    std::cerr << config.error().ToString() << "\n";
    return 2;
  }
  config->qps = 100000;
  config->burst = 100000;
  kube::ManagerOptions manager_options;
  manager_options.workers = workers;
  manager_options.metrics_addr = "127.0.0.1:0";
  manager_options.health_addr = "127.0.0.1:0";
  std::unique_ptr<seed::controllers::FileClock> file_clock;
  if (!clock_file.empty()) {
    file_clock = std::make_unique<seed::controllers::FileClock>(clock_file);
    options.clock = file_clock.get();
    options.max_requeue = std::chrono::milliseconds(200);
  }
  if (max_requeue_ms > 0) options.max_requeue = std::chrono::milliseconds(max_requeue_ms);
  kube::Manager manager(kube::Client::FromConfig(*config), manager_options);
  seed::controllers::RegisterSeedControllers(manager, options);

  kube::StopSignal stop;
  std::thread signal_thread([&] {
    int sig = 0;
    sigwait(&signals, &sig);
    stop.Stop();
  });
  int code = manager.Run(stop);
  if (!stop.Stopped()) stop.Stop();
  pthread_kill(signal_thread.native_handle(), SIGTERM);
  signal_thread.join();
  return code;
}
