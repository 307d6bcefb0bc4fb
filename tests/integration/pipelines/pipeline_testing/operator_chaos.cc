#include "pipeline_testing/operator_chaos.h"

#include <condition_variable>
#include <mutex>
#include <random>
#include <stdexcept>

namespace seed::pipeline_testing {

using nlohmann::json;
using Clock = std::chrono::steady_clock;

FaultSettings ShortFaults() {
  FaultSettings faults;
  faults.drop_watches_every = std::chrono::milliseconds(1500);
  faults.gone_every = std::chrono::milliseconds(5000);
  faults.kill_every = std::chrono::milliseconds(6000);
  faults.leader_kills = 3;
  faults.lease_duration_seconds = 4;
  faults.renew_deadline_seconds = 3;
  faults.retry_period_seconds = 1;
  return faults;
}

// A stop flag with a wait that wakes on it (the chaos threads' periods).
class OperatorChaos::Stopper {
 public:
  void Stop() {
    {
      std::lock_guard lock(mu_);
      stopped_ = true;
    }
    cv_.notify_all();
  }
  // Waits until `deadline`; false when stopped first.
  bool WaitUntil(Clock::time_point deadline) {
    std::unique_lock lock(mu_);
    return !cv_.wait_until(lock, deadline, [&] { return stopped_; });
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  bool stopped_ = false;
};

OperatorChaos::OperatorChaos(SeedCluster& cluster, const FaultSettings& settings,
                             std::vector<std::string> extra_args, bool test_clock, std::ostream& log)
    : cluster_(cluster),
      settings_(settings),
      log_(log),
      stop_killer_(std::make_unique<Stopper>()),
      stop_watch_chaos_(std::make_unique<Stopper>()) {
  for (int i = 0; i < kReplicas; ++i) {
    OperatorOptions options;
    options.kubeconfig = cluster.operator_kubeconfig(i);
    if (test_clock) options.clock_file = cluster.clock_file();
    options.log_path = log_path(i);
    options.extra_args = {
        "--leader-elect",
        std::string("--leader-election-id=") + kLease,
        "--leader-election-namespace=default",
        "--leader-election-lease-duration=" + std::to_string(settings.lease_duration_seconds),
        "--leader-election-renew-deadline=" + std::to_string(settings.renew_deadline_seconds),
        "--leader-election-retry-period=" + std::to_string(settings.retry_period_seconds)};
    options.extra_args.insert(options.extra_args.end(), extra_args.begin(), extra_args.end());
    replicas_.push_back(std::make_unique<OperatorProcess>(options));
  }
  if (!WaitUntil([&] { return !HolderIdentity().empty(); }, std::chrono::seconds(60))) {
    throw std::runtime_error("chaos: no replica became leader within 60 s");
  }
}

OperatorChaos::~OperatorChaos() {
  StopFaults();
  stop_killer_->Stop();
  if (killer_.joinable()) killer_.join();
  for (auto& replica : replicas_) replica->Stop();
}

std::string OperatorChaos::log_path(int replica) const {
  return cluster_.Dir() + "/operator-" + std::to_string(replica) + ".log";
}

std::set<std::string> OperatorChaos::operator_users() const {
  std::set<std::string> users;
  for (int i = 0; i < kReplicas; ++i) users.insert(cluster_.OperatorUser(i));
  return users;
}

void OperatorChaos::StartFaults() {
  // Faults on the operators' requests only (the test's own reads and writes stay clean).
  json rules = json::array();
  for (int i = 0; i < kReplicas; ++i) {
    rules.push_back({{"user", cluster_.OperatorUser(i)}, {"code", 500}, {"rate", settings_.fault_rate / 2}});
    // The second rule sees the requests the first let through: together they fire at ~fault_rate.
    rules.push_back({{"user", cluster_.OperatorUser(i)},
                     {"code", 429},
                     {"rate", settings_.fault_rate / 2},
                     {"retryAfterSeconds", 1}});
  }
  cluster_.emulator().Admin("POST", "/faults", {{"rules", rules}});
  watch_chaos_ = std::thread([this] { WatchChaosLoop(); });
  killer_ = std::thread([this] { KillLoop(); });
}

void OperatorChaos::WaitForKills() {
  if (killer_.joinable()) killer_.join();
}

void OperatorChaos::StopFaults() {
  stop_watch_chaos_->Stop();
  if (watch_chaos_.joinable()) {
    watch_chaos_.join();
    cluster_.emulator().Admin("DELETE", "/faults");
  }
}

void OperatorChaos::WatchChaosLoop() {
  auto next_drop = Clock::now() + settings_.drop_watches_every,
       next_gone = Clock::now() + settings_.gone_every;
  while (stop_watch_chaos_->WaitUntil(std::min(next_drop, next_gone))) {
    if (Clock::now() >= next_gone) {
      cluster_.emulator().Admin("POST", "/compact");
      cluster_.emulator().Admin("POST", "/drop-watches");
      next_gone += settings_.gone_every;
    }
    if (Clock::now() >= next_drop) {
      cluster_.emulator().Admin("POST", "/drop-watches");
      next_drop += settings_.drop_watches_every;
    }
  }
}

// SIGKILL the holder, restart it at once (a new pod), time the failover.
void OperatorChaos::KillLoop() {
  std::mt19937_64 random(settings_.seed);
  std::uniform_int_distribution<int> jitter_ms(0, 2000);
  auto next = Clock::now() + settings_.kill_every;
  while (kills_ < settings_.leader_kills &&
         stop_killer_->WaitUntil(next + std::chrono::milliseconds(jitter_ms(random)))) {
    next += settings_.kill_every;
    const std::string holder = HolderIdentity();
    const int leader = LeaseHolder();
    if (holder.empty() || leader < 0) continue;
    const auto killed_at = Clock::now();
    replicas_[leader]->Kill();
    replicas_[leader]->Start();
    ++kills_;
    const bool moved = WaitUntil(
        [&] {
          const auto now_holder = HolderIdentity();
          return !now_holder.empty() && now_holder != holder;
        },
        std::chrono::seconds(120), std::chrono::milliseconds(50));
    const double seconds = std::chrono::duration<double>(Clock::now() - killed_at).count();
    failover_seconds_.push_back(moved ? seconds : -1);
    log_ << "chaos: kill " << kills_ << " of replica " << leader << ", failover "
         << (moved ? std::to_string(seconds) + " s" : std::string("never")) << std::endl;
  }
}

// The replica holding the lease now: the author of the last successful lease write.
int OperatorChaos::LeaseHolder() const {
  const auto writes = cluster_.Writes();
  for (auto it = writes.rbegin(); it != writes.rend(); ++it) {
    if (it->value("resource", "") != "leases" || !WriteSucceeded(*it)) continue;
    for (int i = 0; i < kReplicas; ++i) {
      if (it->value("user", "") == cluster_.OperatorUser(i)) return i;
    }
  }
  return -1;
}

std::string OperatorChaos::HolderIdentity() const {
  json lease = cluster_.emulator().Request(
      "GET", std::string("/apis/coordination.k8s.io/v1/namespaces/default/leases/") + kLease);
  return lease.value("spec", json::object()).value("holderIdentity", "");
}

bool WriteSucceeded(const json& write) {
  const int code = write.value("code", 0);
  return code >= 200 && code < 300;
}

LeaseTermAudit AuditLeaseTerms(const std::vector<json>& writes, const std::set<std::string>& operator_users) {
  LeaseTermAudit audit;
  std::string holder;
  for (const auto& write : writes) {
    const std::string user = write.value("user", "");
    if (!operator_users.count(user)) continue;
    const int code = write.value("code", 0);
    if (code == 500 || code == 429) ++audit.faults_injected;
    if (!WriteSucceeded(write)) continue;
    if (write.value("resource", "") == "leases") {
      holder = user;
      continue;
    }
    ++audit.operator_writes;
    audit.writes_outside_term += user != holder;
  }
  return audit;
}

std::vector<std::string> SlowFailovers(const std::vector<double>& failover_seconds,
                                       const FaultSettings& faults) {
  const double bound = faults.lease_duration_seconds + faults.retry_period_seconds + 3.0;
  std::vector<std::string> slow;
  for (size_t kill = 0; kill < failover_seconds.size(); ++kill) {
    const double seconds = failover_seconds[kill];
    if (seconds < 0) slow.push_back("kill " + std::to_string(kill + 1) + ": the lease never moved");
    if (seconds > bound) {
      slow.push_back("kill " + std::to_string(kill + 1) + ": failover " + std::to_string(seconds) +
                     " s, over " + std::to_string(bound) + " s");
    }
  }
  return slow;
}

}  // namespace seed::pipeline_testing
