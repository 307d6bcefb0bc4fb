#include "kube/controller.h"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>

namespace kube {
namespace {

// Waits (bounded, real time) for a condition.
template <class F>
bool Eventually(F f) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (!f()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::yield();
  }
  return true;
}

TEST(ControllerTest, ResultsMapToQueueActions) {
  FakeClock clock;
  Metrics metrics;
  std::atomic<int> calls{0};
  Controller c({"test", 1}, std::make_shared<FuncReconciler>([&](const ReconcileContext& ctx) -> Result<ReconcileResult> {
                 ++calls;
                 if (ctx.name() == "fails") return MakeError(ErrorCode::kTransport, "boom");
                 if (ctx.name() == "throws") throw std::runtime_error("bad json");
                 if (ctx.name() == "later") return ReconcileResult{false, std::chrono::seconds(30)};
                 EXPECT_EQ(ctx.ns(), "ns");
                 EXPECT_EQ(ctx.reconcile_id().size(), 36u);
                 return ReconcileResult{};
               }),
               clock, metrics);
  c.queue().Add("ns/ok");
  c.queue().Add("ns/fails");
  c.queue().Add("ns/throws");
  c.queue().Add("ns/later");
  c.Start();
  ASSERT_TRUE(Eventually([&] { return calls.load() == 4 && c.queue().ProcessingLen() == 0; }));
  // fails/throws back off 5 ms; later waits 30 s; ok is forgotten.
  EXPECT_EQ(c.queue().DelayedLen(), 3u);
  EXPECT_EQ(c.queue().NumRequeues("ns/fails"), 1);
  EXPECT_EQ(c.queue().NumRequeues("ns/throws"), 1);
  EXPECT_EQ(c.queue().NumRequeues("ns/later"), 0);
  c.Stop();
  std::string text = metrics.Render();
  EXPECT_NE(text.find("controller_runtime_reconcile_total{controller=\"test\",result=\"success\"} 1\n"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("controller_runtime_reconcile_total{controller=\"test\",result=\"error\"} 2\n"),
            std::string::npos);
  EXPECT_NE(text.find("controller_runtime_reconcile_total{controller=\"test\",result=\"requeue_after\"} 1\n"),
            std::string::npos);
  EXPECT_NE(text.find("controller_runtime_reconcile_errors_total{controller=\"test\"} 2\n"), std::string::npos);
  EXPECT_NE(text.find("controller_runtime_reconcile_time_seconds_count{controller=\"test\"} 4\n"), std::string::npos);
  EXPECT_NE(text.find("controller_runtime_active_workers{controller=\"test\"} 0\n"), std::string::npos);
}

TEST(ControllerTest, StopWaitsForInFlightReconciles) {
  RealClock clock;
  Metrics metrics;
  std::atomic<bool> entered{false}, release{false}, finished{false};
  Controller c({"test", 2}, std::make_shared<FuncReconciler>([&](const ReconcileContext&) -> Result<ReconcileResult> {
                 entered = true;
                 while (!release) std::this_thread::yield();
                 finished = true;
                 return ReconcileResult{};
               }),
               clock, metrics);
  c.queue().Add("ns/a");
  c.Start();
  ASSERT_TRUE(Eventually([&] { return entered.load(); }));
  std::thread stopper([&] { c.Stop(); });
  ASSERT_TRUE(Eventually([&] { return c.queue().ShuttingDown(); }));
  c.queue().Add("ns/b");  // refused: shutting down
  EXPECT_FALSE(finished.load()) << "Stop() must wait for the in-flight reconcile";
  release = true;
  stopper.join();
  EXPECT_TRUE(finished.load());
  EXPECT_EQ(c.queue().Len(), 0u);
}

TEST(ControllerTest, YieldsToAnUrgentQueueWhileItHasReadyKeys) {
  RealClock clock;
  Metrics metrics;
  WorkQueue urgent("urgent", clock, std::make_unique<ItemExponentialRateLimiter>(Clock::Duration::zero(),
                                                                                 Clock::Duration::zero()));
  urgent.Add("ns/due");
  std::atomic<int> calls{0};
  std::atomic<size_t> urgent_ready_at_reconcile{99};
  Controller c({"low", 1}, std::make_shared<FuncReconciler>([&](const ReconcileContext&) -> Result<ReconcileResult> {
                 urgent_ready_at_reconcile = urgent.Len();
                 ++calls;
                 return ReconcileResult{};
               }),
               clock, metrics);
  c.YieldTo(urgent, std::chrono::seconds(60));
  c.queue().Add("ns/run");
  c.Start();
  // The worker has taken its key and waits for the urgent queue.
  ASSERT_TRUE(Eventually([&] { return c.queue().ProcessingLen() == 1; }));
  EXPECT_EQ(urgent.TryGet(), "ns/due");  // the urgent worker takes its key
  ASSERT_TRUE(Eventually([&] { return calls.load() == 1; }));
  EXPECT_EQ(urgent_ready_at_reconcile.load(), 0u) << "the low-priority reconcile ran before the urgent key was taken";
  urgent.Done("ns/due");
  c.Stop();
}

TEST(ControllerTest, AYieldingControllerIsDelayedNotStarved) {
  RealClock clock;
  Metrics metrics;
  WorkQueue urgent("urgent", clock, std::make_unique<ItemExponentialRateLimiter>(Clock::Duration::zero(),
                                                                                 Clock::Duration::zero()));
  urgent.Add("ns/never-taken");
  std::atomic<int> calls{0};
  Controller c({"low", 1}, std::make_shared<FuncReconciler>([&](const ReconcileContext&) -> Result<ReconcileResult> {
                 ++calls;
                 return ReconcileResult{};
               }),
               clock, metrics);
  const auto max_wait = std::chrono::milliseconds(300);
  c.YieldTo(urgent, max_wait);
  c.queue().Add("ns/run");
  auto start = std::chrono::steady_clock::now();
  c.Start();
  ASSERT_TRUE(Eventually([&] { return calls.load() == 1; }));
  EXPECT_GE(std::chrono::steady_clock::now() - start, max_wait);
  c.Stop();
}

}  // namespace
}  // namespace kube
