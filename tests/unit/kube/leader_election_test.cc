#include "kube/leader_election.h"

#include <gtest/gtest.h>

#include "fake_transport.h"

namespace kube {
namespace {

using testing::FakeTransport;
using testing::JsonResponse;

// One Lease held in memory with optimistic concurrency, shared by several candidates.
class LeaseServer {
 public:
  HttpResponse Handle(const HttpRequest& r) {
    std::lock_guard lock(mu_);
    if (fail_) return JsonResponse(500, R"({"kind":"Status","code":500,"reason":"InternalError"})");
    if (r.method == "GET") {
      if (lease_.is_null()) return JsonResponse(404, R"({"kind":"Status","code":404,"reason":"NotFound"})");
      return JsonResponse(200, lease_.dump());
    }
    Json body = Json::parse(r.body);
    if (r.method == "POST") {
      if (!lease_.is_null())
        return JsonResponse(409, R"({"kind":"Status","code":409,"reason":"AlreadyExists"})");
      lease_ = body;
    } else if (r.method == "PUT") {
      if (body["metadata"].value("resourceVersion", "") != lease_["metadata"].value("resourceVersion", "")) {
        return JsonResponse(409, R"({"kind":"Status","code":409,"reason":"Conflict"})");
      }
      lease_ = body;
    }
    lease_["metadata"]["resourceVersion"] = std::to_string(++rv_);
    ++writes_;
    return JsonResponse(200, lease_.dump());
  }
  Json lease() {
    std::lock_guard lock(mu_);
    return lease_;
  }
  void SetSpec(const Json& spec) {
    std::lock_guard lock(mu_);
    if (lease_.is_null()) {
      lease_ = {{"apiVersion", "coordination.k8s.io/v1"},
                {"kind", "Lease"},
                {"metadata", {{"name", "seed-operator-leader"}, {"namespace", "seed-system"}}}};
    }
    lease_["spec"] = spec;
    lease_["metadata"]["resourceVersion"] = std::to_string(++rv_);
  }
  void SetFailing(bool f) {
    std::lock_guard lock(mu_);
    fail_ = f;
  }

 private:
  std::mutex mu_;
  Json lease_;
  int rv_ = 0;
  int writes_ = 0;
  bool fail_ = false;
};

class LeaderElectionTest : public ::testing::Test {
 protected:
  std::unique_ptr<LeaderElector> Candidate(const std::string& identity) {
    auto transport = std::make_shared<FakeTransport>();
    transport->handler = [this](const HttpRequest& r) { return server_.Handle(r); };
    RestConfig config;
    config.server = "https://api.test";
    config.qps = 0;
    auto client = std::make_shared<Client>(config, transport, clock_);
    LeaderElectionConfig le{"seed-system", "seed-operator-leader", identity};
    return std::make_unique<LeaderElector>(client, le, clock_, &metrics_);
  }

  FakeClock clock_;
  Metrics metrics_;
  LeaseServer server_;
};

TEST_F(LeaderElectionTest, FirstCandidateCreatesTheLease) {
  auto a = Candidate("a");
  EXPECT_TRUE(a->TryAcquireOrRenew());
  Json lease = server_.lease();
  EXPECT_EQ(lease["spec"]["holderIdentity"], "a");
  EXPECT_EQ(lease["spec"]["leaseDurationSeconds"], 15);
  EXPECT_EQ(lease["spec"]["leaseTransitions"], 0);
  EXPECT_EQ(lease["spec"]["renewTime"], "2026-01-01T00:00:00.000000Z");
}

TEST_F(LeaderElectionTest, StandbyWaitsAFullLeaseDurationOfUnchangedRecord) {
  auto a = Candidate("a");
  auto b = Candidate("b");
  ASSERT_TRUE(a->TryAcquireOrRenew());
  EXPECT_FALSE(b->TryAcquireOrRenew());  // b first observes the record now
  clock_.Advance(std::chrono::seconds(14));
  EXPECT_FALSE(b->TryAcquireOrRenew());
  // a renews: b's observation restarts.
  ASSERT_TRUE(a->TryAcquireOrRenew());
  clock_.Advance(std::chrono::seconds(2));
  EXPECT_FALSE(b->TryAcquireOrRenew());
  clock_.Advance(std::chrono::seconds(14));
  EXPECT_FALSE(b->TryAcquireOrRenew()) << "only 16 s since a's renew, but b saw it 2 s late";
  clock_.Advance(std::chrono::seconds(1));
  EXPECT_TRUE(b->TryAcquireOrRenew()) << "15 s after b observed the last renew";
  Json lease = server_.lease();
  EXPECT_EQ(lease["spec"]["holderIdentity"], "b");
  EXPECT_EQ(lease["spec"]["leaseTransitions"], 1);
  // a now sees another holder and cannot renew.
  EXPECT_FALSE(a->TryAcquireOrRenew());
}

TEST_F(LeaderElectionTest, FenceClosesWhenRenewalsStopBeforeAnyoneCanTakeOver) {
  auto a = Candidate("a");
  StopSignal stop;
  ASSERT_TRUE(a->Acquire(stop));
  EXPECT_TRUE(a->IsLeader());
  EXPECT_TRUE(a->Fence().ok());
  clock_.Advance(std::chrono::milliseconds(9999));
  EXPECT_TRUE(a->IsLeader());
  clock_.Advance(std::chrono::milliseconds(1));
  EXPECT_FALSE(a->IsLeader()) << "renew deadline (10 s) passed without a renew";
  EXPECT_TRUE(IsNotLeader(a->Fence().error()));
  EXPECT_EQ(
      metrics_.GetGauge("leader_election_master_status", "", {{"name", "seed-operator-leader"}}).Value(), 1)
      << "the gauge follows Acquire/RenewLoop, the fence follows time";
}

TEST_F(LeaderElectionTest, CandidateRetriesTheMomentTheObservedRecordExpires) {
  using std::chrono::seconds;
  auto a = Candidate("a");
  auto b = Candidate("b");
  EXPECT_EQ(b->NextAcquireDelay(seconds(2)), seconds(2)) << "nothing observed yet";
  ASSERT_TRUE(a->TryAcquireOrRenew());
  EXPECT_FALSE(b->TryAcquireOrRenew());  // b observes a's record now
  EXPECT_EQ(b->NextAcquireDelay(seconds(2)), seconds(2));
  clock_.Advance(seconds(14));
  EXPECT_EQ(b->NextAcquireDelay(seconds(2)), seconds(1)) << "not a full retry period past the expiry";
  clock_.Advance(std::chrono::milliseconds(999));
  EXPECT_EQ(b->NextAcquireDelay(seconds(2)), std::chrono::milliseconds(1));
  EXPECT_FALSE(b->TryAcquireOrRenew()) << "1 ms before the expiry by b's own clock";
  clock_.Advance(std::chrono::milliseconds(1));
  EXPECT_TRUE(b->TryAcquireOrRenew()) << "at the expiry";
  EXPECT_EQ(b->NextAcquireDelay(seconds(2)), seconds(2)) << "b holds the lease";
}

TEST_F(LeaderElectionTest, AFailedAttemptAfterTheExpiryWaitsAFullRetryPeriod) {
  using std::chrono::seconds;
  auto a = Candidate("a");
  auto b = Candidate("b");
  ASSERT_TRUE(a->TryAcquireOrRenew());
  EXPECT_FALSE(b->TryAcquireOrRenew());
  clock_.Advance(seconds(15));
  server_.SetFailing(true);
  EXPECT_FALSE(b->TryAcquireOrRenew());
  EXPECT_EQ(b->NextAcquireDelay(seconds(2)), seconds(2)) << "no busy loop on a failing server";
}

TEST_F(LeaderElectionTest, AMalformedRecordIsNeverTakenOverNorACrash) {
  auto b = Candidate("b");
  // Written by another tool with wrong types: b cannot tell when it expires, so (like client-go,
  // which fails to decode it) b never takes it, and nothing throws.
  server_.SetSpec(Json::parse(R"({"holderIdentity":"x","leaseDurationSeconds":"15"})"));
  EXPECT_FALSE(b->TryAcquireOrRenew());
  clock_.Advance(std::chrono::hours(1));
  EXPECT_FALSE(b->TryAcquireOrRenew());
  EXPECT_EQ(server_.lease()["spec"]["holderIdentity"], "x");
  // Other fields of a wrong type are replaced when the lease is taken.
  server_.SetSpec(Json::parse(R"({"holderIdentity":"x","leaseDurationSeconds":15,"leaseTransitions":"3",
                                  "acquireTime":7})"));
  EXPECT_FALSE(b->TryAcquireOrRenew());
  clock_.Advance(std::chrono::seconds(15));
  EXPECT_TRUE(b->TryAcquireOrRenew());
  EXPECT_EQ(server_.lease()["spec"]["holderIdentity"], "b");
  EXPECT_EQ(server_.lease()["spec"]["leaseTransitions"], 1);
}

TEST_F(LeaderElectionTest, ReleaseLetsAStandbyTakeOverAtOnce) {
  auto a = Candidate("a");
  auto b = Candidate("b");
  StopSignal stop;
  ASSERT_TRUE(a->Acquire(stop));
  EXPECT_FALSE(b->TryAcquireOrRenew());
  ASSERT_TRUE(a->Release().ok());
  EXPECT_FALSE(a->IsLeader());
  Json lease = server_.lease();
  EXPECT_EQ(lease["spec"]["holderIdentity"], "");
  EXPECT_EQ(lease["spec"]["leaseDurationSeconds"], 1);
  EXPECT_TRUE(b->TryAcquireOrRenew()) << "an empty holder is free to take";
}

TEST_F(LeaderElectionTest, ConcurrentUpdatesRaceThroughConflicts) {
  auto a = Candidate("a");
  auto b = Candidate("b");
  ASSERT_TRUE(a->TryAcquireOrRenew());
  ASSERT_TRUE(b->TryAcquireOrRenew() == false);
  clock_.Advance(std::chrono::seconds(16));
  // Both saw the same record long enough; a renews first, so b's update carries a stale version.
  ASSERT_TRUE(a->TryAcquireOrRenew());
  EXPECT_FALSE(b->TryAcquireOrRenew());
  EXPECT_EQ(server_.lease()["spec"]["holderIdentity"], "a");
}

TEST_F(LeaderElectionTest, ServerErrorsDoNotGrantTheLease) {
  auto a = Candidate("a");
  server_.SetFailing(true);
  EXPECT_FALSE(a->TryAcquireOrRenew());
  EXPECT_FALSE(a->IsLeader());
}

}  // namespace
}  // namespace kube
