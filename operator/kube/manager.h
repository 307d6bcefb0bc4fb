#pragma once

#include <atomic>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "kube/client.h"
#include "kube/controller.h"
#include "kube/events.h"
#include "kube/http_server.h"
#include "kube/informer.h"
#include "kube/leader_election.h"
#include "kube/metrics.h"

namespace kube {

struct ManagerOptions {
  std::vector<std::string> namespaces;  // empty = all namespaces
  bool leader_elect = false;
  std::string leader_election_id = "seed-operator-leader";
  std::string leader_election_namespace;  // default: the config's namespace, else "default"
  std::string identity;                   // default: DefaultLeaderIdentity()
  Clock::Duration lease_duration = std::chrono::seconds(15);
  Clock::Duration renew_deadline = std::chrono::seconds(10);
  Clock::Duration retry_period = std::chrono::seconds(2);
  int workers = 2;  // per controller
  std::string metrics_addr = ":8080";
  std::string health_addr = ":8081";
  Clock::Duration resync_period = std::chrono::minutes(10);
  std::chrono::seconds cache_sync_timeout{120};
  std::string field_manager = "seed-operator";
};

// Owns everything a controller process needs (controller-runtime's Manager): the client, shared
// informers (one per resource), controllers, leader election, the event recorder, and the health
// and metrics servers. Controllers are registered before Run().
//
// Run(): servers up -> informers started (reads only, so standbys are warm and ready) -> lease
// acquired -> caches synced -> workers started. On stop: stop taking work, finish in-flight
// reconciles, stop informers, release the lease, return 0. On a lost lease: the write fence is
// already closed; stop and return 1 so the process exits and restarts as a standby.
class Manager {
 public:
  Manager(std::shared_ptr<Client> client, ManagerOptions options, Clock& clock = RealClock::Instance());
  ~Manager();

  // The shared informer for a resource, created on first use, watching the manager's namespaces.
  Informer& GetInformer(const GroupVersionResource& gvr);
  // A controller with the manager's worker count; wire it with For()/Owns() on GetInformer(...).
  Controller& NewController(const std::string& name, std::shared_ptr<Reconciler> reconciler);
  // The same with its own worker count (at least 1).
  Controller& NewController(const std::string& name, std::shared_ptr<Reconciler> reconciler, int workers);

  // The manager's own client: informers' lists and watches, and the leader-election Lease.
  Client& client() { return *client_; }
  std::shared_ptr<Client> shared_client() { return client_; }
  // A client for one controller: same server and write fence, its own QPS/burst bucket (KCM gives
  // each controller its own), so neither another controller, the Events nor the Lease renewals
  // spend its budget.
  std::shared_ptr<Client> ControllerClient() const { return client_->WithOwnRateLimit(); }
  EventRecorder& events() { return *events_; }
  Metrics& metrics() { return metrics_; }
  const ManagerOptions& options() const { return options_; }

  int Run(StopSignal& stop);

  bool Ready() const;
  bool IsLeader() const;
  int health_port() const { return health_port_; }
  int metrics_port() const { return metrics_port_; }

 private:
  void Shutdown(bool release_lease);

  std::shared_ptr<Client> client_;
  ManagerOptions options_;
  Clock& clock_;
  Metrics metrics_;
  std::unique_ptr<EventRecorder> events_;
  std::vector<std::pair<GroupVersionResource, std::unique_ptr<Informer>>> informers_;
  std::vector<std::unique_ptr<Controller>> controllers_;
  std::unique_ptr<LeaderElector> elector_;
  std::vector<std::unique_ptr<HttpServer>> servers_;
  std::atomic<bool> started_{false};
  std::atomic<bool> lost_lease_{false};
  std::atomic<int> health_port_{0};
  std::atomic<int> metrics_port_{0};
};

}  // namespace kube
