#include "kube/leader_election.h"

#include <unistd.h>

#include <random>

#include "kube/credentials.h"
#include "kube/logging.h"

namespace kube {

std::string DefaultLeaderIdentity() {
  char host[256] = {0};
  gethostname(host, sizeof(host) - 1);
  std::mt19937_64 rng(std::random_device{}());
  char suffix[17];
  std::snprintf(suffix, sizeof(suffix), "%016llx", static_cast<unsigned long long>(rng()));
  return std::string(host) + "_" + suffix;
}

LeaderElector::LeaderElector(std::shared_ptr<Client> client, LeaderElectionConfig config, Clock& clock,
                             Metrics* metrics)
    : client_(std::move(client)), config_(std::move(config)), clock_(clock) {
  if (metrics) {
    master_status_ = &metrics->GetGauge("leader_election_master_status",
                                        "Gauge of if the reporting system is master of the relevant lease, 0 "
                                        "indicates backup, 1 indicates master.",
                                        {{"name", config_.lease_name}});
  }
}

void LeaderElector::SetLeading(bool leading) {
  leading_ = leading;
  if (master_status_) master_status_->Set(leading ? 1 : 0);
}

Json LeaderElector::Spec(const Json& old_spec, bool renewing) const {
  std::string now = FormatRfc3339Micro(clock_.WallNow());
  Json spec = {{"holderIdentity", config_.identity},
               {"leaseDurationSeconds",
                std::chrono::duration_cast<std::chrono::seconds>(config_.lease_duration).count()},
               {"renewTime", now}};
  if (renewing) {
    spec["acquireTime"] = old_spec.value("acquireTime", now);
    spec["leaseTransitions"] = old_spec.value("leaseTransitions", 0);
  } else {
    spec["acquireTime"] = now;
    int transitions = old_spec.value("leaseTransitions", 0);
    spec["leaseTransitions"] = transitions + 1;
  }
  return spec;
}

bool LeaderElector::TryAcquireOrRenew() {
  const auto gvr = LeasesResource();
  const std::string path = Client::Path(gvr, config_.lease_namespace, config_.lease_name);
  auto attempt_start = clock_.Now();
  auto current = client_->Call("GET", path, "", "", true);
  std::lock_guard lock(mu_);
  if (!current.ok()) {
    if (!IsNotFound(current.error())) {
      LogFields(spdlog::level::warn, "leader election: cannot read lease",
                {{"lease", config_.lease_namespace + "/" + config_.lease_name}, {"error", current.error().ToString()}});
      return false;
    }
    Json lease = {{"apiVersion", "coordination.k8s.io/v1"},
                  {"kind", "Lease"},
                  {"metadata", {{"name", config_.lease_name}, {"namespace", config_.lease_namespace}}},
                  {"spec", Spec(Json::object(), false)}};
    lease["spec"]["leaseTransitions"] = 0;
    auto created = client_->Call("POST", Client::Path(gvr, config_.lease_namespace), lease.dump(),
                                 "application/json", true);
    if (!created.ok()) return false;
    lease_ = *created;
    observed_spec_ = (*created)["spec"];
    observed_time_ = clock_.Now();
    last_renew_start_ = attempt_start;
    return true;
  }
  Json spec = current->value("spec", Json::object());
  if (spec != observed_spec_) {
    observed_spec_ = spec;
    observed_time_ = clock_.Now();
  }
  lease_ = *current;
  std::string holder = spec.value("holderIdentity", "");
  auto duration = std::chrono::seconds(spec.value("leaseDurationSeconds", 0));
  bool held_by_other = !holder.empty() && holder != config_.identity;
  if (held_by_other && observed_time_ + duration > clock_.Now()) return false;

  Json updated = *current;
  updated["spec"] = Spec(spec, holder == config_.identity);
  auto result = client_->Call("PUT", path, updated.dump(), "application/json", true);
  if (!result.ok()) {
    if (!IsConflict(result.error())) {
      LogFields(spdlog::level::warn, "leader election: cannot update lease",
                {{"lease", config_.lease_namespace + "/" + config_.lease_name}, {"error", result.error().ToString()}});
    }
    return false;
  }
  lease_ = *result;
  observed_spec_ = (*result)["spec"];
  observed_time_ = clock_.Now();
  last_renew_start_ = attempt_start;
  return true;
}

bool LeaderElector::Acquire(const StopSignal& stop) {
  std::mt19937 rng(std::random_device{}());
  LogFields(spdlog::level::info, "leader election: trying to acquire lease",
            {{"lease", config_.lease_namespace + "/" + config_.lease_name}, {"identity", config_.identity}});
  while (!stop.Stopped()) {
    if (TryAcquireOrRenew()) {
      {
        std::lock_guard lock(mu_);
        SetLeading(true);
      }
      LogFields(spdlog::level::info, "leader election: acquired lease",
                {{"lease", config_.lease_namespace + "/" + config_.lease_name}, {"identity", config_.identity}});
      return true;
    }
    // client-go's JitterUntil: retry_period * [1, 2.2).
    double factor = 1.0 + 1.2 * std::uniform_real_distribution<double>(0, 1)(rng);
    if (stop.WaitFor(std::chrono::duration_cast<Clock::Duration>(config_.retry_period * factor))) break;
  }
  return false;
}

bool LeaderElector::RenewLoop(const StopSignal& stop) {
  while (!stop.WaitFor(config_.retry_period)) {
    bool renewed = false;
    while (!stop.Stopped()) {
      if (TryAcquireOrRenew()) {
        renewed = true;
        break;
      }
      Clock::TimePoint deadline;
      {
        std::lock_guard lock(mu_);
        deadline = last_renew_start_ + config_.renew_deadline;
      }
      if (clock_.Now() + config_.retry_period >= deadline) break;
      if (stop.WaitFor(config_.retry_period)) return true;
    }
    if (stop.Stopped()) return true;
    if (!renewed) {
      std::lock_guard lock(mu_);
      SetLeading(false);
      LogFields(spdlog::level::err, "leader election: lost lease",
                {{"lease", config_.lease_namespace + "/" + config_.lease_name}, {"identity", config_.identity}});
      return false;
    }
  }
  return true;
}

Status LeaderElector::Release() {
  std::lock_guard lock(mu_);
  if (!leading_ || !lease_) return {};
  SetLeading(false);  // close the fence before the lease is given away
  Json updated = *lease_;
  std::string now = FormatRfc3339Micro(clock_.WallNow());
  updated["spec"]["holderIdentity"] = "";
  updated["spec"]["leaseDurationSeconds"] = 1;
  updated["spec"]["renewTime"] = now;
  updated["spec"]["acquireTime"] = now;
  auto result = client_->Call("PUT", Client::Path(LeasesResource(), config_.lease_namespace, config_.lease_name),
                              updated.dump(), "application/json", true);
  if (!result.ok()) return result.error();
  lease_ = *result;
  LogFields(spdlog::level::info, "leader election: released lease",
            {{"lease", config_.lease_namespace + "/" + config_.lease_name}, {"identity", config_.identity}});
  return {};
}

bool LeaderElector::IsLeader() const {
  std::lock_guard lock(mu_);
  return leading_ && clock_.Now() < last_renew_start_ + config_.renew_deadline;
}

Status LeaderElector::Fence() const {
  if (IsLeader()) return {};
  return MakeError(ErrorCode::kNotLeader, "not the leader of lease " + config_.lease_namespace + "/" +
                                              config_.lease_name + "; write refused");
}

}  // namespace kube
