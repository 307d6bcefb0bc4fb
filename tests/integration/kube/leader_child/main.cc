// kube_leader_child KUBECONFIG NAMESPACE LEASE_MS RENEW_MS RETRY_MS
// A Manager with leader election and one controller that, while leading, patches ConfigMap "tick"
// about every 50 ms. Exits 0 on SIGTERM (after releasing the lease), non-zero on a lost lease.
#include <signal.h>

#include <cstdlib>
#include <iostream>
#include <thread>

#include "kube/client.h"
#include "kube/config.h"
#include "kube/curl_transport.h"
#include "kube/logging.h"
#include "kube/manager.h"

int main(int argc, char** argv) {
  if (argc != 6) {
    std::cerr << "usage: kube_leader_child KUBECONFIG NAMESPACE LEASE_MS RENEW_MS RETRY_MS\n";
    return 2;
  }
  signal(SIGPIPE, SIG_IGN);
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  kube::InitCurlGlobal();
  (void)kube::SetupLogging("info", "json");

  auto config = kube::LoadKubeconfig({argv[1]});
  if (!config.ok()) {
    std::cerr << config.error().message << "\n";
    return 2;
  }
  config->qps = 0;
  std::string ns = argv[2];
  kube::ManagerOptions options;
  options.namespaces = {ns};
  options.leader_elect = true;
  options.leader_election_id = "it-leader";
  options.leader_election_namespace = ns;
  options.lease_duration = std::chrono::milliseconds(std::atol(argv[3]));
  options.renew_deadline = std::chrono::milliseconds(std::atol(argv[4]));
  options.retry_period = std::chrono::milliseconds(std::atol(argv[5]));
  options.metrics_addr = "127.0.0.1:0";
  options.health_addr = "127.0.0.1:0";
  options.workers = 1;
  kube::Manager manager(kube::Client::FromConfig(*config), options);
  const auto configmaps = kube::ConfigMapsResource();
  auto& ticker = manager.NewController(
      "ticker", std::make_shared<kube::FuncReconciler>([&](const kube::ReconcileContext& ctx)
                                                           -> kube::Result<kube::ReconcileResult> {
        if (ctx.name() != "tick") return kube::ReconcileResult{};
        kube::Json patch = {{"data", {{"holder", manager.options().identity}}}};
        auto r = manager.client().Patch(configmaps, ctx.ns(), "tick", kube::PatchType::kMerge, patch);
        if (!r.ok()) return r.error();
        return kube::ReconcileResult{false, std::chrono::milliseconds(50)};
      }));
  ticker.For(manager.GetInformer(configmaps));

  kube::StopSignal stop;
  std::thread signal_thread([&] {
    int sig = 0;
    sigwait(&signals, &sig);
    stop.Stop();
  });
  int code = manager.Run(stop);
  stop.Stop();
  pthread_kill(signal_thread.native_handle(), SIGTERM);
  signal_thread.join();
  return code;
}
