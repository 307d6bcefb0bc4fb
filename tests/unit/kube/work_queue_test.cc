#include "kube/work_queue.h"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>

namespace kube {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

std::unique_ptr<RateLimiter> NoDelay() {
  return std::make_unique<ItemExponentialRateLimiter>(Clock::Duration::zero(), Clock::Duration::zero());
}

TEST(WorkQueueTest, AddingAQueuedKeyIsANoOp) {
  FakeClock clock;
  WorkQueue q("test", clock, NoDelay());
  q.Add("ns/a");
  q.Add("ns/b");
  q.Add("ns/a");
  EXPECT_EQ(q.Len(), 2u);
  EXPECT_EQ(q.TryGet(), "ns/a");
  EXPECT_EQ(q.TryGet(), "ns/b");
  EXPECT_EQ(q.TryGet(), std::nullopt);
}

TEST(WorkQueueTest, KeyReaddedWhileProcessingWaitsForDone) {
  FakeClock clock;
  WorkQueue q("test", clock, NoDelay());
  q.Add("ns/a");
  auto first = q.TryGet();
  ASSERT_EQ(first, "ns/a");
  q.Add("ns/a");  // an event while a worker holds the key
  q.Add("ns/a");
  EXPECT_EQ(q.Len(), 0u) << "must not be handed to a second worker";
  EXPECT_EQ(q.TryGet(), std::nullopt);
  q.Done("ns/a");
  EXPECT_EQ(q.Len(), 1u) << "re-queued exactly once when the first worker finishes";
  EXPECT_EQ(q.TryGet(), "ns/a");
  q.Done("ns/a");
  EXPECT_EQ(q.TryGet(), std::nullopt);
}

TEST(WorkQueueTest, NoKeyIsEverProcessedByTwoWorkersAtOnce) {
  RealClock clock;
  WorkQueue q("test", clock, NoDelay());
  constexpr int kKeys = 5;
  std::atomic<int> in_flight[kKeys] = {};
  std::atomic<int> violations{0};
  std::atomic<int> processed{0};
  std::vector<std::thread> workers;
  for (int w = 0; w < 8; ++w) {
    workers.emplace_back([&] {
      while (auto key = q.Get()) {
        int k = (*key)[0] - '0';
        if (in_flight[k].fetch_add(1) != 0) ++violations;
        std::this_thread::yield();
        in_flight[k].fetch_sub(1);
        ++processed;
        q.Done(*key);
      }
    });
  }
  for (int i = 0; i < 20000; ++i) q.Add(std::to_string(i % kKeys));
  // Wait (bounded) for the queue to empty, then stop the workers.
  auto deadline = std::chrono::steady_clock::now() + seconds(20);
  while ((q.Len() > 0 || q.ProcessingLen() > 0) && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::yield();
  }
  q.ShutDownWithDrain();
  for (auto& w : workers) w.join();
  EXPECT_EQ(violations.load(), 0);
  EXPECT_GT(processed.load(), 0);
  EXPECT_EQ(q.Len(), 0u);
}

TEST(WorkQueueTest, ExponentialBackoffScheduleIsExact) {
  ItemExponentialRateLimiter limiter(milliseconds(5), seconds(1000));
  std::vector<Clock::Duration> got;
  for (int i = 0; i < 20; ++i) got.push_back(limiter.When("ns/a"));
  // 5 ms * 2^n: 5, 10, 20, ..., 655.36 s, then the 1000 s cap.
  for (int i = 0; i < 18; ++i) {
    EXPECT_EQ(got[i], milliseconds(5) * (1LL << i)) << "failure " << i;
  }
  EXPECT_EQ(got[18], seconds(1000));
  EXPECT_EQ(got[19], seconds(1000));
  EXPECT_EQ(limiter.NumRequeues("ns/a"), 20);
  EXPECT_EQ(limiter.When("ns/b"), milliseconds(5)) << "per key";
  limiter.Forget("ns/a");
  EXPECT_EQ(limiter.NumRequeues("ns/a"), 0);
  EXPECT_EQ(limiter.When("ns/a"), milliseconds(5));
}

TEST(WorkQueueTest, TokenBucketAllowsBurstThenQps) {
  FakeClock clock;
  BucketRateLimiter bucket(clock, 10.0, 100);
  for (int i = 0; i < 100; ++i) EXPECT_EQ(bucket.When("k"), Clock::Duration::zero()) << i;
  // Tokens refill at 10/s: the 101st waits 100 ms, the 102nd 200 ms.
  EXPECT_EQ(std::chrono::duration_cast<milliseconds>(bucket.When("k")), milliseconds(100));
  EXPECT_EQ(std::chrono::duration_cast<milliseconds>(bucket.When("k")), milliseconds(200));
  clock.Advance(seconds(1));  // pays back 10 tokens: the debt was 2
  EXPECT_EQ(std::chrono::duration_cast<milliseconds>(bucket.When("k")), milliseconds(0));
  clock.Advance(seconds(100));  // refills to the burst, never beyond
  for (int i = 0; i < 100; ++i) EXPECT_EQ(bucket.When("k"), Clock::Duration::zero());
  EXPECT_EQ(std::chrono::duration_cast<milliseconds>(bucket.When("k")), milliseconds(100));
}

TEST(WorkQueueTest, DefaultControllerLimiterIsMaxOfBothLimits) {
  FakeClock clock;
  auto limiter = DefaultControllerRateLimiter(clock);
  // The first 100 retries of different keys are limited only by their own 5 ms backoff.
  for (int i = 0; i < 100; ++i) {
    EXPECT_EQ(limiter->When("key" + std::to_string(i)), milliseconds(5));
  }
  // Then the overall bucket (10 qps) dominates.
  EXPECT_EQ(std::chrono::duration_cast<milliseconds>(limiter->When("other")), milliseconds(100));
}

TEST(WorkQueueTest, AddRateLimitedFollowsTheBackoffWithTheInjectedClock) {
  FakeClock clock;
  WorkQueue q("test", clock,
              std::make_unique<ItemExponentialRateLimiter>(milliseconds(5), seconds(1000)));
  std::vector<int> delays_ms;
  for (int attempt = 0; attempt < 6; ++attempt) {
    q.AddRateLimited("ns/a");
    EXPECT_EQ(q.TryGet(), std::nullopt);
    int waited = 0;
    while (!q.TryGet().has_value()) {
      clock.Advance(milliseconds(1));
      ++waited;
      ASSERT_LT(waited, 10000);
    }
    q.Done("ns/a");
    delays_ms.push_back(waited);
  }
  EXPECT_EQ(delays_ms, (std::vector<int>{5, 10, 20, 40, 80, 160}));
  EXPECT_EQ(q.NumRequeues("ns/a"), 6);
  q.Forget("ns/a");
  EXPECT_EQ(q.NumRequeues("ns/a"), 0);
}

TEST(WorkQueueTest, AddAfterKeepsTheEarliestTimeAndDedups) {
  FakeClock clock;
  WorkQueue q("test", clock, NoDelay());
  q.AddAfter("ns/a", seconds(10));
  q.AddAfter("ns/a", seconds(3));
  q.AddAfter("ns/a", seconds(7));
  EXPECT_EQ(q.DelayedLen(), 1u);
  clock.Advance(milliseconds(2999));
  EXPECT_EQ(q.TryGet(), std::nullopt);
  clock.Advance(milliseconds(1));
  EXPECT_EQ(q.TryGet(), "ns/a");
  q.Done("ns/a");
  clock.Advance(seconds(20));
  EXPECT_EQ(q.TryGet(), std::nullopt) << "the later duplicates were superseded";
}

TEST(WorkQueueTest, AddAfterOfAQueuedKeyDoesNotDuplicateIt) {
  FakeClock clock;
  WorkQueue q("test", clock, NoDelay());
  q.Add("ns/a");
  q.AddAfter("ns/a", seconds(1));
  clock.Advance(seconds(1));
  EXPECT_EQ(q.TryGet(), "ns/a");
  EXPECT_EQ(q.TryGet(), std::nullopt);
}

TEST(WorkQueueTest, WaitWhileReadyEndsWhenTheReadyKeysAreTaken) {
  FakeClock clock;
  WorkQueue q("test", clock, NoDelay());
  EXPECT_TRUE(q.WaitWhileReady(milliseconds(0))) << "nothing ready";
  q.Add("ns/a");
  EXPECT_FALSE(q.WaitWhileReady(milliseconds(1))) << "a ready key nobody takes: the wait times out";
  std::thread taker([&] {
    auto key = q.Get();
    q.Done(*key);
  });
  EXPECT_TRUE(q.WaitWhileReady(seconds(60)));
  taker.join();
  q.AddAfter("ns/b", seconds(5));
  EXPECT_TRUE(q.WaitWhileReady(milliseconds(0))) << "a delayed key is not ready yet";
  clock.Advance(seconds(5));
  EXPECT_FALSE(q.WaitWhileReady(milliseconds(1))) << "due now: promoted, so ready";
  q.ShutDown();
  EXPECT_TRUE(q.WaitWhileReady(seconds(60))) << "a queue shutting down holds nobody up";
}

TEST(WorkQueueTest, WaitWhileTimersReadyIgnoresEventAddedKeys) {
  // The PipelineRun controller yields to the Pipeline controller's due scheduled times only, not
  // to the status follow-ups that the new runs' watch events queue.
  FakeClock clock;
  WorkQueue q("test", clock, NoDelay());
  q.SetTimersFirst(true);
  q.Add("ns/follow-up");  // an event-added key
  q.AddAfter("ns/backstop", seconds(0), /*timer=*/false);
  EXPECT_TRUE(q.WaitWhileReady(milliseconds(0), /*timers_only=*/true)) << "no due timer: nobody waits";
  EXPECT_FALSE(q.WaitWhileReady(milliseconds(1))) << "the plain wait still waits for them";
  q.AddAfter("ns/due", seconds(60), /*timer=*/true);
  EXPECT_TRUE(q.WaitWhileReady(milliseconds(0), true)) << "not due yet";
  clock.Advance(seconds(60));
  EXPECT_FALSE(q.WaitWhileReady(milliseconds(1), true)) << "due now: promoted, so the wait times out";
  std::thread taker([&] {
    auto key = q.Get();  // the due timer goes first
    EXPECT_EQ(key, "ns/due");
    q.Done(*key);
  });
  EXPECT_TRUE(q.WaitWhileReady(seconds(60), true)) << "ends once the due timer is taken";
  taker.join();
  EXPECT_EQ(q.Len(), 2u) << "the event-added keys are still there";
}

TEST(WorkQueueTest, GetSaysWhetherTheItemWasADueTimer) {
  // The Pipeline controller's due times never yield to the runs' work; its other keys do.
  FakeClock clock;
  WorkQueue q("test", clock, NoDelay());
  q.SetTimersFirst(true);
  q.Add("ns/event");
  q.AddAfter("ns/due", seconds(1), /*timer=*/true);
  q.AddAfter("ns/follow-up", seconds(1), /*timer=*/false);
  clock.Advance(seconds(1));
  bool due = false;
  EXPECT_EQ(q.Get(&due), "ns/due");
  EXPECT_TRUE(due);
  EXPECT_EQ(q.Get(&due), "ns/event");
  EXPECT_FALSE(due);
  EXPECT_EQ(q.Get(&due), "ns/follow-up");
  EXPECT_FALSE(due) << "a requeue that is not due (ReconcileResult::due = false) is not a timer";
  // Without SetTimersFirst a timer is queued with everything else and is not reported as one.
  WorkQueue plain("plain", clock, NoDelay());
  plain.AddAfter("ns/due", seconds(1), /*timer=*/true);
  clock.Advance(seconds(1));
  due = true;
  EXPECT_EQ(plain.Get(&due), "ns/due");
  EXPECT_FALSE(due);
}

TEST(WorkQueueTest, DueTimersGoAheadOfEventAddedKeysWhenAsked) {
  for (bool timers_first : {false, true}) {
    FakeClock clock;
    WorkQueue q("test", clock, NoDelay());
    q.SetTimersFirst(timers_first);
    q.AddAfter("ns/due-1", seconds(60), /*timer=*/true);
    q.AddAfter("ns/due-2", seconds(60), /*timer=*/true);
    clock.Advance(seconds(60));
    EXPECT_EQ(q.TryGet(), "ns/due-1");  // promotes both due timers
    q.Add("ns/event");                  // e.g. the first create's watch event
    q.AddAfter("ns/retry", seconds(0));  // not a timer
    EXPECT_EQ(q.Len(), 3u);
    EXPECT_EQ(q.TryGet(), "ns/due-2");  // either way: it was promoted before the event came
    EXPECT_EQ(q.TryGet(), "ns/event");
    EXPECT_EQ(q.TryGet(), "ns/retry");
    // A timer that comes due after an event was queued still goes first when asked.
    q.Add("ns/event-2");
    q.AddAfter("ns/due-3", seconds(1), /*timer=*/true);
    clock.Advance(seconds(1));
    EXPECT_EQ(q.TryGet(), timers_first ? "ns/due-3" : "ns/event-2");
    q.Done(*q.TryGet());
    // A timer that comes due while its key is being worked on goes first once the work is done.
    q.Add("ns/busy");
    ASSERT_EQ(q.TryGet(), "ns/busy");
    q.Add("ns/event-3");
    q.AddAfter("ns/busy", seconds(1), /*timer=*/true);
    clock.Advance(seconds(1));
    EXPECT_EQ(q.Len(), 1u) << "ns/busy waits for Done()";
    q.Done("ns/busy");
    EXPECT_EQ(q.TryGet(), timers_first ? "ns/busy" : "ns/event-3");
  }
}

TEST(WorkQueueTest, ShutDownWithDrainWaitsForInFlightAndStopsHandingOut) {
  RealClock clock;
  WorkQueue q("test", clock, NoDelay());
  q.Add("ns/a");
  q.Add("ns/b");
  auto key = q.Get();
  ASSERT_EQ(key, "ns/a");
  std::atomic<bool> drained{false};
  std::thread stopper([&] {
    q.ShutDownWithDrain();
    drained = true;
  });
  // The stopper cannot finish while ns/a is in flight; no new key is handed out meanwhile.
  while (!q.ShuttingDown()) std::this_thread::yield();
  EXPECT_FALSE(drained.load());
  EXPECT_EQ(q.Get(), std::nullopt);
  q.Add("ns/c");  // ignored after shutdown
  q.Done(*key);
  stopper.join();
  EXPECT_TRUE(drained.load());
}

TEST(WorkQueueTest, GetUnblocksOnShutDown) {
  RealClock clock;
  WorkQueue q("test", clock, NoDelay());
  std::optional<std::string> got = "sentinel";
  std::thread worker([&] { got = q.Get(); });
  q.ShutDown();
  worker.join();
  EXPECT_EQ(got, std::nullopt);
}

TEST(WorkQueueTest, MetricsUseControllerRuntimeNames) {
  FakeClock clock;
  Metrics metrics;
  WorkQueue q("pipelinerun", clock, NoDelay(), &metrics);
  q.Add("ns/a");
  q.Add("ns/b");
  q.Add("ns/a");
  q.AddRateLimited("ns/c");
  std::string text = metrics.Render();
  EXPECT_NE(text.find("workqueue_depth{controller=\"pipelinerun\",name=\"pipelinerun\"} 3\n"), std::string::npos)
      << text;
  EXPECT_NE(text.find("workqueue_adds_total{controller=\"pipelinerun\",name=\"pipelinerun\"} 3\n"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("workqueue_retries_total{controller=\"pipelinerun\",name=\"pipelinerun\"} 1\n"),
            std::string::npos);
  clock.Advance(milliseconds(250));
  auto k = q.TryGet();
  clock.Advance(milliseconds(500));
  q.Done(*k);
  text = metrics.Render();
  EXPECT_NE(text.find("workqueue_queue_duration_seconds_sum{controller=\"pipelinerun\",name=\"pipelinerun\"} 0.25"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("workqueue_work_duration_seconds_sum{controller=\"pipelinerun\",name=\"pipelinerun\"} 0.5"),
            std::string::npos);
}

}  // namespace
}  // namespace kube
