#include "kube/leader_election.h"

#include <unistd.h>

#include <algorithm>
#include <random>

#include "kube/credentials.h"
#include "kube/logging.h"

namespace kube {

namespace {

// The record's fields, read without trusting their types (a malformed Lease must not throw).
std::string HolderOf(const Json& spec) {
  auto it = spec.is_object() ? spec.find("holderIdentity") : spec.end();
  return it != spec.end() && it->is_string() ? it->get<std::string>() : "";
}

std::chrono::seconds LeaseDurationOf(const Json& spec) {
  auto it = spec.is_object() ? spec.find("leaseDurationSeconds") : spec.end();
  return std::chrono::seconds(it != spec.end() && it->is_number_integer() ? it->get<int64_t>() : 0);
}

// client-go refuses a record it cannot decode; so do we, naming the field (never a takeover).
std::string MalformedField(const Json& spec) {
  auto holder = spec.find("holderIdentity");
  if (holder != spec.end() && !holder->is_string() && !holder->is_null())
    return "spec.holderIdentity must be a string";
  auto duration = spec.find("leaseDurationSeconds");
  if (duration != spec.end() && !duration->is_number_integer() && !duration->is_null()) {
    return "spec.leaseDurationSeconds must be an integer";
  }
  return "";
}

int64_t TransitionsOf(const Json& spec) {
  auto it = spec.is_object() ? spec.find("leaseTransitions") : spec.end();
  return it != spec.end() && it->is_number_integer() ? it->get<int64_t>() : 0;
}

}  // namespace

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
    auto acquired = old_spec.find("acquireTime");
    spec["acquireTime"] = acquired != old_spec.end() && acquired->is_string() ? *acquired : Json(now);
    spec["leaseTransitions"] = TransitionsOf(old_spec);
  } else {
    spec["acquireTime"] = now;
    spec["leaseTransitions"] = TransitionsOf(old_spec) + 1;
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
                {{"lease", config_.lease_namespace + "/" + config_.lease_name},
                 {"error", current.error().ToString()}});
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
  if (!current->is_object()) {
    LogFields(spdlog::level::warn, "leader election: the lease read is not an object",
              {{"lease", config_.lease_namespace + "/" + config_.lease_name}});
    return false;
  }
  Json spec = current->value("spec", Json::object());
  if (!spec.is_object()) spec = Json::object();
  if (std::string bad = MalformedField(spec); !bad.empty()) {
    LogFields(spdlog::level::warn, "leader election: cannot use the lease record",
              {{"lease", config_.lease_namespace + "/" + config_.lease_name}, {"error", bad}});
    return false;
  }
  if (spec != observed_spec_) {
    observed_spec_ = spec;
    observed_time_ = clock_.Now();
  }
  lease_ = *current;
  std::string holder = HolderOf(spec);
  auto duration = LeaseDurationOf(spec);
  bool held_by_other = !holder.empty() && holder != config_.identity;
  if (held_by_other && observed_time_ + duration > clock_.Now()) return false;

  Json updated = *current;
  updated["spec"] = Spec(spec, holder == config_.identity);
  auto result = client_->Call("PUT", path, updated.dump(), "application/json", true);
  if (!result.ok()) {
    if (!IsConflict(result.error())) {
      LogFields(spdlog::level::warn, "leader election: cannot update lease",
                {{"lease", config_.lease_namespace + "/" + config_.lease_name},
                 {"error", result.error().ToString()}});
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
      LogFields(
          spdlog::level::info, "leader election: acquired lease",
          {{"lease", config_.lease_namespace + "/" + config_.lease_name}, {"identity", config_.identity}});
      return true;
    }
    double factor = 1.0 + kAcquireJitter * std::uniform_real_distribution<double>(0, 1)(rng);
    auto jittered = std::chrono::duration_cast<Clock::Duration>(config_.retry_period * factor);
    if (stop.WaitFor(NextAcquireDelay(jittered))) break;
  }
  return false;
}

Clock::Duration LeaderElector::NextAcquireDelay(Clock::Duration jittered_retry) const {
  std::lock_guard lock(mu_);
  std::string holder = HolderOf(observed_spec_);
  if (holder.empty() || holder == config_.identity) return jittered_retry;
  auto expiry = observed_time_ + LeaseDurationOf(observed_spec_);
  auto now = clock_.Now();
  // Past expiry, the last attempt failed for another reason (an error, a lost race): wait normally.
  if (expiry <= now) return jittered_retry;
  return std::min(jittered_retry, expiry - now);
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
      LogFields(
          spdlog::level::err, "leader election: lost lease",
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
  auto result =
      client_->Call("PUT", Client::Path(LeasesResource(), config_.lease_namespace, config_.lease_name),
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
