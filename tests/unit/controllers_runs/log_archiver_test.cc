// The log archiver's queue: a pod is offered once while it is queued or in hand, the queue is
// bounded, a failed archive (here: the repository Secret is missing) is logged and the pod may be
// offered again, and the worker never runs on the caller's thread.
#include "controllers/log_archiver.h"

#include <gtest/gtest.h>

#include <condition_variable>
#include <mutex>
#include <thread>

#include "fake_transport.h"

namespace seed::controllers {
namespace {

using kube::HttpRequest;
using kube::HttpResponse;

LogArchiveJob Job(const std::string& uid) {
  LogArchiveJob job;
  job.ns = "plants";
  job.pod = "run-qc-" + uid;
  job.uid = uid;
  job.dir = "s3://seed-artifacts/wind/run/qc/1";
  job.repository.endpoint = "http://127.0.0.1:1";
  job.repository.bucket = "seed-artifacts";
  job.repository.secret_name = "seed-s3";
  return job;
}

TEST(LogArchiverTest, OffersAreBoundedDeduplicatedAndRetriedAfterAFailure) {
  auto transport = std::make_shared<kube::testing::FakeTransport>();
  std::mutex mu;
  std::condition_variable cv;
  bool release = false;
  int secret_reads = 0;
  const std::thread::id caller = std::this_thread::get_id();
  bool on_caller_thread = false;
  transport->handler = [&](const HttpRequest& request) {
    std::unique_lock lock(mu);
    on_caller_thread = on_caller_thread || std::this_thread::get_id() == caller;
    if (request.url.find("/secrets/seed-s3") != std::string::npos) ++secret_reads;
    cv.notify_all();
    cv.wait(lock, [&] { return release; });  // the first job stays in hand until released
    return HttpResponse{404, {}, R"({"kind":"Status","reason":"NotFound","code":404,"message":"secrets \"seed-s3\" not found"})"};
  };
  kube::RestConfig config;
  config.server = "https://api.test:6443";
  config.qps = 0;
  auto client = std::make_shared<kube::Client>(config, transport);
  {
    LogArchiver archiver(client, /*capacity=*/1);
    ASSERT_TRUE(archiver.Offer(Job("a")));
    {
      std::unique_lock lock(mu);
      ASSERT_TRUE(cv.wait_for(lock, std::chrono::seconds(10), [&] { return secret_reads == 1; }));
    }
    EXPECT_FALSE(archiver.Offer(Job("a"))) << "in hand";
    EXPECT_TRUE(archiver.Offer(Job("b")));
    EXPECT_FALSE(archiver.Offer(Job("b"))) << "queued";
    EXPECT_FALSE(archiver.Offer(Job("c"))) << "the queue holds one";
    {
      std::lock_guard lock(mu);
      release = true;
    }
    cv.notify_all();
    // "a" fails (no Secret) and "b" is taken: "a" may be offered again; nothing was archived.
    {
      std::unique_lock lock(mu);
      ASSERT_TRUE(cv.wait_for(lock, std::chrono::seconds(10), [&] { return secret_reads == 2; }));
    }
    EXPECT_TRUE(archiver.Offer(Job("a")));
    EXPECT_EQ(archiver.archived(), 0u);
  }
  std::lock_guard lock(mu);
  EXPECT_FALSE(on_caller_thread);
  EXPECT_GE(secret_reads, 2);
}

}  // namespace
}  // namespace seed::controllers
