#include "kube/informer.h"

#include <gtest/gtest.h>

#include <mutex>

#include "fake_transport.h"
#include "kube/controller.h"

namespace kube {
namespace {

using testing::FakeTransport;
using testing::JsonResponse;

std::string Pod(const std::string& name, const std::string& rv, const std::string& owner_uid = "") {
  Json pod = {{"apiVersion", "v1"},
              {"kind", "Pod"},
              {"metadata",
               {{"name", name},
                {"namespace", "ns"},
                {"resourceVersion", rv},
                {"managedFields", Json::array({{{"manager", "kubectl"}}})}}}};
  if (!owner_uid.empty()) {
    pod["metadata"]["ownerReferences"] = Json::array({{{"apiVersion", "seed.dev/v1alpha1"},
                                                       {"kind", "PipelineRun"},
                                                       {"name", "run-1"},
                                                       {"uid", owner_uid},
                                                       {"controller", true}}});
  }
  return pod.dump();
}

std::string Event(const std::string& type, const std::string& object) {
  return R"({"type":")" + type + R"(","object":)" + object + "}\n";
}

// Records handler calls in order.
struct Recorder {
  std::mutex mu;
  std::condition_variable cv;
  std::vector<std::string> calls;
  void Add(const std::string& s) {
    std::lock_guard lock(mu);
    calls.push_back(s);
    cv.notify_all();
  }
  bool WaitFor(size_t n) {
    std::unique_lock lock(mu);
    return cv.wait_for(lock, std::chrono::seconds(10), [&] { return calls.size() >= n; });
  }
  std::vector<std::string> Get() {
    std::lock_guard lock(mu);
    return calls;
  }
  EventHandlers Handlers() {
    auto name = [](const ObjectPtr& o) {
      return (*o)["metadata"].value("name", "") + "@" + (*o)["metadata"].value("resourceVersion", "");
    };
    return {
        [this, name](const ObjectPtr& o) { Add("add " + name(o)); },
        [this, name](const ObjectPtr& a, const ObjectPtr& b) { Add("update " + name(a) + "->" + name(b)); },
        [this, name](const ObjectPtr& o) { Add("delete " + name(o)); }};
  }
};

class InformerTest : public ::testing::Test {
 protected:
  InformerTest() {
    config_.server = "https://api.test";
    config_.qps = 0;
    transport_ = std::make_shared<FakeTransport>();
    client_ = std::make_shared<Client>(config_, transport_);
    options_.gvr = PodsResource();
    options_.namespaces = {"ns"};
    options_.backoff.initial = std::chrono::milliseconds(1);
    options_.backoff.max = std::chrono::milliseconds(5);
  }
  void ListReturns(const std::string& rv, const std::vector<std::string>& items) {
    std::string joined;
    for (const auto& i : items) joined += (joined.empty() ? "" : ",") + i;
    std::lock_guard lock(mu_);
    list_body_ =
        R"({"kind":"PodList","metadata":{"resourceVersion":")" + rv + R"("},"items":[)" + joined + "]}";
    transport_->handler = [this](const HttpRequest&) {
      std::lock_guard l(mu_);
      ++lists_;
      return JsonResponse(200, list_body_);
    };
  }
  std::vector<std::string> WatchUrls() {
    std::vector<std::string> out;
    for (const auto& r : transport_->Requests()) {
      if (r.url.find("watch=true") != std::string::npos) out.push_back(r.url);
    }
    return out;
  }

  RestConfig config_;
  std::shared_ptr<FakeTransport> transport_;
  std::shared_ptr<Client> client_;
  InformerOptions options_;
  std::mutex mu_;
  std::string list_body_;
  int lists_ = 0;
};

TEST_F(InformerTest, ListsThenWatchesFromTheListVersionWithBookmarks) {
  ListReturns("100", {Pod("a", "90"), Pod("b", "95")});
  transport_->AddStream(
      {200,
       {Event("MODIFIED", Pod("a", "101")), Event("BOOKMARK", R"({"metadata":{"resourceVersion":"150"}})"),
        Event("ADDED", Pod("c", "151")), Event("DELETED", Pod("b", "152"))},
       true});
  Informer informer(client_, options_);
  Recorder rec;
  informer.AddEventHandler(rec.Handlers());
  informer.Start();
  ASSERT_TRUE(informer.WaitForSync(std::chrono::seconds(10)));
  ASSERT_TRUE(rec.WaitFor(5));
  informer.Stop();
  auto calls = rec.Get();
  ASSERT_EQ(calls.size(), 5u);
  std::vector<std::string> initial = {calls[0], calls[1]};
  std::sort(initial.begin(), initial.end());
  EXPECT_EQ(initial, (std::vector<std::string>{"add a@90", "add b@95"}));
  EXPECT_EQ(calls[2], "update a@90->a@101");
  EXPECT_EQ(calls[3], "add c@151");
  EXPECT_EQ(calls[4], "delete b@95") << "a delete carries the last known state";
  EXPECT_EQ(informer.LastResourceVersion("ns"), "152");
  auto urls = WatchUrls();
  ASSERT_FALSE(urls.empty());
  EXPECT_NE(
      urls[0].find("/api/v1/namespaces/ns/pods?watch=true&resourceVersion=100&allowWatchBookmarks=true"),
      std::string::npos)
      << urls[0];
  EXPECT_EQ(informer.store().Size(), 2u);
  auto a = informer.store().Get("ns/a");
  ASSERT_TRUE(a);
  EXPECT_FALSE((*a)["metadata"].contains("managedFields")) << "the default transform trims managedFields";
}

TEST_F(InformerTest, DroppedWatchResumesFromTheLastVersionWithoutRelisting) {
  ListReturns("10", {Pod("a", "10")});
  transport_->AddStream({200, {Event("MODIFIED", Pod("a", "11"))}, false});  // server closes the stream
  transport_->AddStream({200, {Event("BOOKMARK", R"({"metadata":{"resourceVersion":"20"}})")}, false});
  transport_->AddStream({503, {R"({"kind":"Status","code":503,"reason":"ServiceUnavailable"})"}, false});
  transport_->AddStream({200, {Event("MODIFIED", Pod("a", "21"))}, true});
  Informer informer(client_, options_);
  Recorder rec;
  informer.AddEventHandler(rec.Handlers());
  informer.Start();
  ASSERT_TRUE(rec.WaitFor(3));
  informer.Stop();
  auto urls = WatchUrls();
  ASSERT_GE(urls.size(), 4u);
  EXPECT_NE(urls[0].find("resourceVersion=10&"), std::string::npos);
  EXPECT_NE(urls[1].find("resourceVersion=11&"), std::string::npos);
  EXPECT_NE(urls[2].find("resourceVersion=20&"), std::string::npos);
  EXPECT_NE(urls[3].find("resourceVersion=20&"), std::string::npos) << "an error keeps the version";
  EXPECT_EQ(lists_, 1) << "no relist without 410";
  EXPECT_EQ(rec.Get()[2], "update a@11->a@21");
}

TEST_F(InformerTest, GoneRelistsAndSwapsTheStoreDeliveringOnlyDifferences) {
  ListReturns("10", {Pod("a", "10"), Pod("b", "10"), Pod("c", "10")});
  transport_->AddStream(
      {200,
       {Event("ERROR", R"({"kind":"Status","code":410,"reason":"Expired","message":"too old"})")},
       false});
  Informer informer(client_, options_);
  Recorder rec;
  informer.AddEventHandler(rec.Handlers());
  // The relist sees: a unchanged, b changed, c deleted, d new.
  bool relisted = false;
  transport_->handler = [&](const HttpRequest&) {
    std::lock_guard l(mu_);
    ++lists_;
    if (lists_ == 1) return JsonResponse(200, list_body_);
    relisted = true;
    return JsonResponse(200, R"({"metadata":{"resourceVersion":"50"},"items":[)" + Pod("a", "10") + "," +
                                 Pod("b", "40") + "," + Pod("d", "45") + "]}");
  };
  transport_->AddStream({410, {R"({"kind":"Status","code":410,"reason":"Gone"})"}, false});  // HTTP 410 too
  transport_->AddStream({200, {}, true});
  informer.Start();
  ASSERT_TRUE(rec.WaitFor(3 + 4));  // 3 initial adds, then per relist: update a, update b, delete c, add d
  ASSERT_TRUE(transport_->WaitForStreams(3));
  informer.Stop();
  EXPECT_TRUE(relisted);
  EXPECT_EQ(lists_, 3) << "both the in-stream ERROR 410 and the HTTP 410 relist";
  auto calls = rec.Get();
  std::vector<std::string> after(calls.begin() + 3, calls.begin() + 7);
  std::sort(after.begin(), after.end());
  EXPECT_EQ(after,
            (std::vector<std::string>{"add d@45", "delete c@10", "update a@10->a@10", "update b@10->b@40"}));
  EXPECT_EQ(informer.store().Size(), 3u);
  EXPECT_FALSE(informer.store().Get("ns/c"));
  EXPECT_EQ(informer.stats().relists_after_gone, 2u);
  auto urls = WatchUrls();
  EXPECT_NE(urls.back().find("resourceVersion=50&"), std::string::npos);
}

TEST_F(InformerTest, StoreIndexesByNamespaceAndControllerOwner) {
  ListReturns("1",
              {Pod("a", "1", "owner-1"), Pod("b", "1", "owner-1"), Pod("c", "1", "owner-2"), Pod("d", "1")});
  Informer informer(client_, options_);
  informer.Start();
  ASSERT_TRUE(informer.WaitForSync(std::chrono::seconds(10)));
  informer.Stop();
  EXPECT_EQ(informer.store().ByIndex(kIndexControllerOwner, "owner-1").size(), 2u);
  EXPECT_EQ(informer.store().ByIndex(kIndexControllerOwner, "owner-2").size(), 1u);
  EXPECT_EQ(informer.store().ByIndex(kIndexNamespace, "ns").size(), 4u);
  informer.store().Remove("ns/a");
  EXPECT_EQ(informer.store().ByIndex(kIndexControllerOwner, "owner-1").size(), 1u);
}

TEST_F(InformerTest, ChildEventsEnqueueTheOwnersKey) {
  ListReturns("1", {Pod("task-pod", "1", "uid-run")});
  Informer informer(client_, options_);
  FakeClock clock;
  Metrics metrics;
  Controller controller({"pipelinerun", 1}, std::make_shared<FuncReconciler>([](const ReconcileContext&) {
                          return Result<ReconcileResult>(ReconcileResult{});
                        }),
                        clock, metrics);
  controller.Owns(informer, "seed.dev", "PipelineRun");
  informer.Start();
  ASSERT_TRUE(informer.WaitForSync(std::chrono::seconds(10)));
  informer.Stop();
  auto key = controller.queue().TryGet();
  EXPECT_EQ(key, "ns/run-1");
  EXPECT_EQ(controller.queue().TryGet(), std::nullopt);
  if (key) controller.queue().Done(*key);
}

TEST_F(InformerTest, SetTransformTrimsListedAndWatchedObjectsBeforeHandlersSeeThem) {
  Json full = Json::parse(R"({"apiVersion":"v1","kind":"Pod","metadata":{"name":"p","namespace":"ns",
    "resourceVersion":"2","labels":{"l":"v"},"managedFields":[{}]},"spec":{"containers":[{"name":"main"}]},
    "status":{"phase":"Running","podIP":"10.0.0.1"}})");
  ListReturns("1", {});
  transport_->AddStream({200, {Event("ADDED", full.dump())}, true});
  Informer informer(client_, options_);
  informer.SetTransform(TrimPod);
  std::mutex mu;
  std::condition_variable cv;
  std::vector<Json> seen;
  informer.AddEventHandler({[&](const ObjectPtr& o) {
                              std::lock_guard lock(mu);
                              seen.push_back(*o);
                              cv.notify_all();
                            },
                            nullptr, nullptr});
  informer.Start();
  {
    std::unique_lock lock(mu);
    ASSERT_TRUE(cv.wait_for(lock, std::chrono::seconds(10), [&] { return !seen.empty(); }));
  }
  informer.Stop();
  Json trimmed = Json::parse(R"({"apiVersion":"v1","kind":"Pod","metadata":{"name":"p","namespace":"ns",
    "resourceVersion":"2","labels":{"l":"v"}},"status":{"phase":"Running"}})");
  EXPECT_EQ(*informer.store().Get("ns/p"), trimmed);
  std::lock_guard lock(mu);
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_EQ(seen[0], trimmed);
}

TEST_F(InformerTest, TransformHookKeepsTrimmedObjects) {
  ListReturns("1", {Pod("a", "1")});
  options_.transform = [](Json& o) {
    TrimObject(o);
    o["metadata"].erase("resourceVersion");
    o["spec"] = {{"kept", true}};
  };
  Informer informer(client_, options_);
  informer.Start();
  ASSERT_TRUE(informer.WaitForSync(std::chrono::seconds(10)));
  informer.Stop();
  auto a = informer.store().Get("ns/a");
  ASSERT_TRUE(a);
  EXPECT_EQ(*a, Json::parse(R"({"apiVersion":"v1","kind":"Pod","metadata":{"name":"a","namespace":"ns"},
                                "spec":{"kept":true}})"));
}

}  // namespace
}  // namespace kube
