#include "kube/manager.h"

#include <algorithm>
#include <thread>

#include "kube/logging.h"

namespace kube {

Manager::Manager(std::shared_ptr<Client> client, ManagerOptions options, Clock& clock)
    : client_(std::move(client)), options_(std::move(options)), clock_(clock) {
  if (options_.identity.empty()) options_.identity = DefaultLeaderIdentity();
  if (options_.leader_election_namespace.empty()) {
    options_.leader_election_namespace =
        client_->config().namespace_.empty() ? "default" : client_->config().namespace_;
  }
  // Events have a budget of their own: however many there are, they never spend a controller's.
  events_ = std::make_unique<EventRecorder>(client_->WithOwnRateLimit(), options_.field_manager,
                                            options_.identity, clock_);
  events_->SetMetrics(metrics_);
  metrics_.GetGauge("leader_election_master_status",
                    "Gauge of if the reporting system is master of the relevant lease, 0 indicates backup, 1 "
                    "indicates master.",
                    {{"name", options_.leader_election_id}})
      .Set(options_.leader_elect ? 0 : 1);
}

Manager::~Manager() { Shutdown(false); }

Informer& Manager::GetInformer(const GroupVersionResource& gvr) {
  for (auto& [g, informer] : informers_) {
    if (g == gvr) return *informer;
  }
  InformerOptions options;
  options.gvr = gvr;
  options.namespaces = options_.namespaces;
  options.resync_period = options_.resync_period;
  informers_.emplace_back(gvr, std::make_unique<Informer>(client_, options, clock_));
  return *informers_.back().second;
}

Controller& Manager::NewController(const std::string& name, std::shared_ptr<Reconciler> reconciler) {
  return NewController(name, std::move(reconciler), options_.workers);
}

Controller& Manager::NewController(const std::string& name, std::shared_ptr<Reconciler> reconciler, int workers) {
  controllers_.push_back(std::make_unique<Controller>(ControllerOptions{name, std::max(1, workers)},
                                                      std::move(reconciler), clock_, metrics_));
  return *controllers_.back();
}

bool Manager::Ready() const {
  if (!started_) return false;
  for (const auto& [gvr, informer] : informers_) {
    if (!informer->HasSynced()) return false;
  }
  return true;
}

bool Manager::IsLeader() const { return !options_.leader_elect || (elector_ && elector_->IsLeader()); }

int Manager::Run(StopSignal& stop) {
  // 1. Health and metrics first, so probes answer while the rest starts.
  auto healthy = [this] { return !lost_lease_.load(); };
  auto ready = [this] { return Ready(); };
  // One server when both addresses name the same fixed port; port 0 means "any free port" each.
  bool same_port = options_.metrics_addr == options_.health_addr &&
                   !(options_.health_addr.size() >= 2 && options_.health_addr.substr(options_.health_addr.size() - 2) == ":0");
  if (same_port) {
    servers_.push_back(std::make_unique<HttpServer>(options_.health_addr, HttpServer::Endpoints{true, true},
                                                    &metrics_, healthy, ready));
  } else {
    if (options_.metrics_addr != "0" && !options_.metrics_addr.empty()) {
      servers_.push_back(std::make_unique<HttpServer>(options_.metrics_addr, HttpServer::Endpoints{false, true},
                                                      &metrics_, healthy, ready));
    }
    servers_.push_back(std::make_unique<HttpServer>(options_.health_addr, HttpServer::Endpoints{true, false},
                                                    &metrics_, healthy, ready));
  }
  for (size_t i = 0; i < servers_.size(); ++i) {
    auto port = servers_[i]->Start();
    if (!port.ok()) {
      LogFields(spdlog::level::err, "cannot start HTTP server", {{"error", port.error().ToString()}});
      Shutdown(false);
      return 2;
    }
    bool is_health = (servers_.size() == 1) || i == servers_.size() - 1;
    if (is_health) health_port_ = *port;
    if (servers_.size() == 1 || i == 0) metrics_port_ = *port;
    LogFields(spdlog::level::info, "serving", {{"port", std::to_string(*port)},
                                               {"endpoints", servers_.size() == 1 ? "healthz,readyz,metrics"
                                                             : is_health         ? "healthz,readyz"
                                                                                 : "metrics"}});
  }

  // 2. Informers: reads only; a standby keeps a warm cache and reports ready.
  for (auto& [gvr, informer] : informers_) informer->Start();
  started_ = true;

  // 3. Leadership before any worker can write.
  std::thread renew_thread;
  if (options_.leader_elect) {
    LeaderElectionConfig config{options_.leader_election_namespace, options_.leader_election_id, options_.identity,
                                options_.lease_duration, options_.renew_deadline, options_.retry_period};
    elector_ = std::make_unique<LeaderElector>(client_, config, clock_, &metrics_);
    client_->SetWriteFence([e = elector_.get()] { return e->Fence(); });
    if (!elector_->Acquire(stop)) {
      Shutdown(false);
      return 0;  // stopped while waiting: a clean exit
    }
    renew_thread = std::thread([this, &stop] {
      if (!elector_->RenewLoop(stop)) {
        lost_lease_ = true;
        stop.Stop();
      }
    });
  }

  // 4. Caches synced before workers start, so reconciles never see a partial world.
  auto deadline = clock_.Now() + options_.cache_sync_timeout;
  for (auto& [gvr, informer] : informers_) {
    while (!informer->HasSynced() && !stop.Stopped()) {
      if (clock_.Now() > deadline) {
        LogFields(spdlog::level::err, "caches did not sync in time", {{"resource", gvr.ToString()}});
        stop.Stop();
        if (renew_thread.joinable()) renew_thread.join();
        Shutdown(true);
        return 1;
      }
      informer->WaitForSync(std::chrono::milliseconds(200));
    }
  }

  // 5. Workers.
  if (!stop.Stopped()) {
    for (auto& c : controllers_) c->Start();
    LogFields(spdlog::level::info, "manager running",
              {{"controllers", std::to_string(controllers_.size())}, {"informers", std::to_string(informers_.size())}});
  }
  stop.Wait();
  if (renew_thread.joinable()) renew_thread.join();
  if (lost_lease_) {
    LogFields(spdlog::level::err, "leadership lost: stopping", {{"lease", options_.leader_election_id}});
    Shutdown(false);
    return 1;
  }
  LogFields(spdlog::level::info, "shutting down: finishing in-flight reconciles", {});
  Shutdown(true);
  LogFields(spdlog::level::info, "shutdown complete", {});
  return 0;
}

void Manager::Shutdown(bool release_lease) {
  for (auto& c : controllers_) c->Stop();  // in-flight reconciles finish before the lease goes
  events_->Stop();                          // best-effort: what is buffered gets a short grace
  for (auto& [gvr, informer] : informers_) informer->RequestStop();
  for (auto& [gvr, informer] : informers_) informer->Stop();
  if (release_lease && elector_) {
    if (auto s = elector_->Release(); !s.ok()) {
      LogFields(spdlog::level::warn, "could not release the lease", {{"error", s.error().ToString()}});
    }
  }
  for (auto& s : servers_) s->Stop();
}

}  // namespace kube
