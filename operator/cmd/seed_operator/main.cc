// seed-operator: the Seed controller process. Flags (each with an environment fallback) build a
// kube::Manager; controllers for Seed's kinds register at the marked point below.
#include <date/tz.h>
#include <signal.h>

#include <CLI/CLI.hpp>
#include <cstdlib>
#include <iostream>
#include <locale>
#include <thread>

#include "admission/webhook_server.h"
#include "controllers/artifact_repository_file.h"
#include "controllers/file_clock.h"
#include "controllers/inference_service_metrics.h"
#include "controllers/inference_service_reconciler.h"
#include "controllers/register.h"
#include "kube/client.h"
#include "kube/config.h"
#include "kube/curl_transport.h"
#include "kube/logging.h"
#include "kube/manager.h"

namespace {

std::string Env(const std::string& name) {
  const char* v = std::getenv(name.c_str());
  return v ? v : "";
}

// Lazily initialised globals of the libraries, initialised here before any thread starts:
// - libstdc++ fills std::ctype<char>'s narrow() cache with unsynchronised writes (GCC bug 77704), and
//   std::regex compiles through it: two controller threads compiling their first regex at once
//   race there (ThreadSanitizer reported it);
// - the time-zone database (date::get_tzdb, read by every Pipeline with a schedule) is built on
//   first use behind a function-local static whose fast path the uninstrumented libdate-tz reads
//   without telling ThreadSanitizer; built here, it happens before every thread.
void InitialiseLazyGlobals() {
  const auto& ctype = std::use_facet<std::ctype<char>>(std::locale());
  for (int c = 0; c < 256; ++c) ctype.narrow(static_cast<char>(c), '\0');
  date::get_tzdb();
}

}  // namespace

int main(int argc, char** argv) {
  InitialiseLazyGlobals();
  CLI::App app{"seed-operator: runs Seed's controllers against the Kubernetes API"};
  std::string kubeconfig, context, log_level = "info", log_format = "text";
  std::vector<std::string> namespaces;
  kube::ManagerOptions options;
  // Defaults that hold at 3,000 Pipelines due at the same minute on a real API server, whose writes
  // take milliseconds (docs/operations.md, "Sizing"; measured in bench/operator/RESULTS.md): 16
  // requests in flight per controller, and a QPS/burst budget per controller (not one shared by all).
  options.workers = 16;
  double qps = 200;
  int burst = 6000;
  double lease_duration = 15, renew_deadline = 10, retry_period = 2;
  app.add_option("--kubeconfig", kubeconfig, "kubeconfig file(s), ':'-separated (default: in-cluster)")
      ->envname("SEED_KUBECONFIG");
  app.add_option("--context", context, "kubeconfig context (default: current-context)")->envname("SEED_CONTEXT");
  app.add_option("--namespace", namespaces, "namespace to watch (repeatable; default: all)")
      ->envname("SEED_NAMESPACE")
      ->delimiter(',');
  app.add_flag("--leader-elect", options.leader_elect, "elect a leader through a Lease before acting")
      ->envname("SEED_LEADER_ELECT");
  app.add_option("--leader-election-id", options.leader_election_id, "name of the Lease")
      ->envname("SEED_LEADER_ELECTION_ID")
      ->capture_default_str();
  app.add_option("--leader-election-namespace", options.leader_election_namespace,
                 "namespace of the Lease (default: the pod's namespace)")
      ->envname("SEED_LEADER_ELECTION_NAMESPACE");
  app.add_option("--leader-election-lease-duration", lease_duration, "seconds")->capture_default_str();
  app.add_option("--leader-election-renew-deadline", renew_deadline, "seconds")->capture_default_str();
  app.add_option("--leader-election-retry-period", retry_period, "seconds")->capture_default_str();
  app.add_option("--workers", options.workers, "concurrent reconciles per controller")
      ->envname("SEED_WORKERS")
      ->check(CLI::Range(1, 256))
      ->capture_default_str();
  app.add_option("--qps", qps,
                 "requests per second to the API server, for each controller's client, the Events' and the "
                 "informers' (0: no limit)")
      ->envname("SEED_QPS")
      ->check(CLI::Range(0.0, 100000.0))
      ->capture_default_str();
  app.add_option("--burst", burst, "request burst above --qps, for each of those clients")
      ->envname("SEED_BURST")
      ->check(CLI::Range(1, 100000))
      ->capture_default_str();
  app.add_option("--metrics-addr", options.metrics_addr, "host:port for /metrics (port 0 = any)")
      ->envname("SEED_METRICS_ADDR")
      ->capture_default_str();
  app.add_option("--health-addr", options.health_addr, "host:port for /healthz and /readyz")
      ->envname("SEED_HEALTH_ADDR")
      ->capture_default_str();
  std::string webhook_addr, webhook_cert_dir = "/tmp/k8s-webhook-server/serving-certs";
  app.add_option("--webhook-addr", webhook_addr,
                 "host:port for the validating admission webhook (HTTPS, POST /validate); empty: off")
      ->envname("SEED_WEBHOOK_ADDR");
  app.add_option("--webhook-cert-dir", webhook_cert_dir,
                 "directory holding the webhook's tls.crt and tls.key (re-read on every TLS handshake)")
      ->envname("SEED_WEBHOOK_CERT_DIR")
      ->capture_default_str();
  app.add_option("--log-level", log_level, "trace|debug|info|warn|error")
      ->envname("SEED_LOG_LEVEL")
      ->capture_default_str();
  app.add_option("--log-format", log_format, "json|text")
      ->envname("SEED_LOG_FORMAT")
      ->check(CLI::IsMember({"json", "text"}))
      ->capture_default_str();
  seed::controllers::SeedControllerOptions seed_options;
  std::string test_clock_file;
  app.add_option("--job-image", seed_options.job_image, "image of task pods whose JobTemplate names none")
      ->envname("SEED_JOB_IMAGE")
      ->capture_default_str();
  std::string artifact_repository_file;
  app.add_option("--artifact-repository-file", artifact_repository_file,
                 "YAML file with the default artifact repository ({s3: {endpoint, bucket, keyPrefix, region, "
                 "secretRef: {name}, insecure}}) for Pipelines with neither a workspace nor a repository")
      ->envname("SEED_ARTIFACT_REPOSITORY_FILE");
  app.add_option(
         "--archive-logs", seed_options.archive_logs,
         "keep each task pod's log in its run's artifact repository (needs get on secrets and pods/log, "
         "patch on pods)")
      ->envname("SEED_ARCHIVE_LOGS")
      ->capture_default_str();
  std::vector<std::string> gateway_parent_refs;
  app.add_option("--gateway-parent-ref", gateway_parent_refs,
                 "Gateway an InferenceService's HTTPRoute attaches to: [NAMESPACE/]NAME[/SECTION] (repeatable)")
      ->envname("SEED_GATEWAY_PARENT_REF")
      ->delimiter(',');
  double retire_delay = seed::controllers::kDefaultRetireDelay.count();
  app.add_option(
         "--retire-delay", retire_delay,
         "seconds an InferenceService's old model version keeps its pods after the Services switched to "
         "the new one, so proxies drop its endpoints first")
      ->envname("SEED_RETIRE_DELAY")
      ->check(CLI::Range(0.0, 3600.0))
      ->capture_default_str();
  std::string canary_metrics_url = "http://{service}.{namespace}.svc/metrics";
  app.add_option(
         "--canary-metrics-url", canary_metrics_url,
         "where a canary's error ratio is read: the new version's model server metrics, {service} and "
         "{namespace} replaced; empty: readiness alone decides a rollback")
      ->envname("SEED_CANARY_METRICS_URL")
      ->capture_default_str();
  app.add_option("--test-clock-file", test_clock_file,
                 "FOR TESTS ONLY: read the wall clock (schedules, timeouts, retries) from this file, which holds "
                 "one RFC 3339 time and is re-read on every use")
      ->group("Testing");
  CLI11_PARSE(app, argc, argv);

  if (auto s = kube::SetupLogging(log_level, log_format); !s.ok()) {
    std::cerr << "seed-operator: " << s.error().message << "\n";
    return 2;
  }
  if (!(lease_duration > renew_deadline && renew_deadline > 1.2 * retry_period && retry_period > 0)) {
    kube::LogFields(spdlog::level::err,
                    "invalid leader election timing: need lease-duration > renew-deadline > 1.2 x retry-period", {});
    return 2;
  }
  auto seconds = [](double s) {
    return std::chrono::duration_cast<kube::Clock::Duration>(std::chrono::duration<double>(s));
  };
  options.lease_duration = seconds(lease_duration);
  options.renew_deadline = seconds(renew_deadline);
  options.retry_period = seconds(retry_period);
  options.namespaces = namespaces;

  // Signals: blocked in every thread and taken by one waiter thread, so StopSignal (a mutex and a
  // condition variable) is never touched from a signal handler.
  signal(SIGPIPE, SIG_IGN);  // libcurl with NOSIGNAL leaves SIGPIPE to the application
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  kube::InitCurlGlobal();

  if (kubeconfig.empty()) kubeconfig = Env("KUBECONFIG");
  auto config = kube::LoadConfig(kubeconfig, context, Env);
  if (!config.ok()) {
    kube::LogFields(spdlog::level::err, "cannot load cluster configuration", {{"error", config.error().message}});
    return 2;
  }
  config->qps = qps;
  config->burst = burst;
  kube::LogFields(spdlog::level::info, "starting",
                  {{"server", config->server},
                   {"context", config->context},
                   {"namespaces", namespaces.empty() ? "all" : CLI::detail::join(namespaces, ",")},
                   {"leaderElect", options.leader_elect ? "true" : "false"}});

  auto client = kube::Client::FromConfig(*config);
  kube::Manager manager(client, options);

  // The webhook answers on every replica, leader or not, with its own request budget.
  std::unique_ptr<seed::admission::WebhookServer> webhook;
  if (!webhook_addr.empty()) {
    webhook = std::make_unique<seed::admission::WebhookServer>(
        webhook_addr, webhook_cert_dir, seed::admission::LookupThroughApi(client->WithOwnRateLimit()));
    auto port = webhook->Start();
    if (!port.ok()) {
      kube::LogFields(spdlog::level::err, "cannot start the admission webhook",
                      {{"error", port.error().message}});
      return 2;
    }
    kube::LogFields(spdlog::level::info, "admission webhook serving",
                    {{"address", webhook_addr}, {"port", std::to_string(*port)}});
  }

  // ---- Controller registration point -------------------------------------------------------
  std::unique_ptr<seed::controllers::FileClock> test_clock;
  if (!test_clock_file.empty()) {
    test_clock = std::make_unique<seed::controllers::FileClock>(test_clock_file);
    seed_options.clock = test_clock.get();
    seed_options.max_requeue = std::chrono::milliseconds(200);  // notice when the test moves the clock
  }
  if (!artifact_repository_file.empty()) {
    auto repository = seed::controllers::ReadArtifactRepositoryFile(artifact_repository_file);
    if (!repository.error.empty()) {
      kube::LogFields(spdlog::level::err, "invalid default artifact repository",
                      {{"error", repository.error}});
      return 2;
    }
    seed_options.default_artifact_repository = repository.repository;
    if (!repository.repository.is_null()) {
      // Where, never with what: the file names a Secret, it holds no key.
      const auto& s3 = repository.repository["s3"];
      kube::LogFields(spdlog::level::info, "default artifact repository",
                      {{"endpoint", s3.value("endpoint", "")},
                       {"bucket", s3.value("bucket", "")},
                       {"keyPrefix", s3.value("keyPrefix", "")},
                       {"secret", s3["secretRef"].value("name", "")}});
    }
  }
  auto parent_refs = seed::controllers::ParseGatewayParentRefs(gateway_parent_refs);
  if (!parent_refs.ok()) {
    kube::LogFields(spdlog::level::err, parent_refs.error().message, {});
    return 2;
  }
  seed::controllers::InferenceServiceControllerOptions isvc_options;
  isvc_options.gateway_parent_refs = *parent_refs;
  isvc_options.retire_delay = std::chrono::seconds(static_cast<int64_t>(retire_delay));
  if (!canary_metrics_url.empty())
    isvc_options.error_ratio = seed::controllers::MetricsScraper(canary_metrics_url);
  seed::controllers::RegisterSeedControllers(manager, seed_options, isvc_options);
  // -------------------------------------------------------------------------------------------

  kube::StopSignal stop;
  std::thread signal_thread([&] {
    int sig = 0;
    sigwait(&signals, &sig);
    if (sig != 0 && !stop.Stopped()) {
      kube::LogFields(spdlog::level::info, "signal received: shutting down", {{"signal", std::to_string(sig)}});
    }
    stop.Stop();
  });
  int code = manager.Run(stop);
  if (webhook) webhook->Stop();
  // Wake the signal thread if Run() ended for another reason (lost lease, startup failure).
  if (!stop.Stopped()) stop.Stop();
  pthread_kill(signal_thread.native_handle(), SIGTERM);
  signal_thread.join();
  return code;
}
