#include "kube/client.h"

#include <gtest/gtest.h>

#include "fake_transport.h"

namespace kube {
namespace {

using testing::FakeTransport;
using testing::JsonResponse;

class ClientTest : public ::testing::Test {
 protected:
  ClientTest() {
    config_.server = "https://api.test:6443";
    config_.bearer_token = "s3cret-token";
    config_.qps = 0;  // unlimited unless a test sets it
    transport_ = std::make_shared<FakeTransport>();
  }
  std::shared_ptr<Client> MakeClient() { return std::make_shared<Client>(config_, transport_, clock_); }
  std::string Header(const HttpRequest& r, const std::string& name) {
    for (const auto& [k, v] : r.headers) {
      if (k == name) return v;
    }
    return "";
  }

  RestConfig config_;
  FakeClock clock_;
  std::shared_ptr<FakeTransport> transport_;
  GroupVersionResource pods_ = PodsResource();
  GroupVersionResource deployments_{"apps", "v1", "deployments", true, "Deployment"};
};

std::string StatusBody(int code, const std::string& reason, const std::string& message,
                       const std::string& causes = "") {
  std::string details = causes.empty() ? "" : R"(,"details":{"causes":)" + causes + "}";
  return R"({"kind":"Status","apiVersion":"v1","status":"Failure","code":)" + std::to_string(code) +
         R"(,"reason":")" + reason + R"(","message":")" + message + "\"" + details + "}";
}

TEST_F(ClientTest, PathsForCoreGroupAndNamedGroups) {
  EXPECT_EQ(Client::Path(pods_, "ns1", "p1"), "/api/v1/namespaces/ns1/pods/p1");
  EXPECT_EQ(Client::Path(pods_, ""), "/api/v1/pods");
  EXPECT_EQ(Client::Path(deployments_, "ns1", "d", "status"), "/apis/apps/v1/namespaces/ns1/deployments/d/status");
  GroupVersionResource nodes{"", "v1", "nodes", false, "Node"};
  EXPECT_EQ(Client::Path(nodes, "ignored", "n1"), "/api/v1/nodes/n1");
}

TEST_F(ClientTest, GetSendsTokenAndParsesTheObject) {
  transport_->handler = [](const HttpRequest&) { return JsonResponse(200, R"({"metadata":{"name":"p1"}})"); };
  auto client = MakeClient();
  auto pod = client->Get(pods_, "ns1", "p1");
  ASSERT_TRUE(pod.ok());
  EXPECT_EQ((*pod)["metadata"]["name"], "p1");
  auto req = transport_->Requests().at(0);
  EXPECT_EQ(req.method, "GET");
  EXPECT_EQ(req.url, "https://api.test:6443/api/v1/namespaces/ns1/pods/p1");
  EXPECT_EQ(Header(req, "Authorization"), "Bearer s3cret-token");
  EXPECT_EQ(Header(req, "Accept"), "application/json");
}

TEST_F(ClientTest, TypedErrorsFromStatusBodies) {
  std::string body;
  int code = 0;
  transport_->handler = [&](const HttpRequest&) { return JsonResponse(code, body); };
  auto client = MakeClient();

  code = 404;
  body = StatusBody(404, "NotFound", "pods \\\"p\\\" not found");
  auto nf = client->Get(pods_, "ns", "p");
  ASSERT_FALSE(nf.ok());
  EXPECT_TRUE(IsNotFound(nf.error()));
  EXPECT_EQ(nf.error().message, "pods \"p\" not found");

  code = 409;
  body = StatusBody(409, "AlreadyExists", "exists");
  auto ae = client->Create(pods_, "ns", {{"metadata", {{"name", "p"}}}});
  ASSERT_FALSE(ae.ok());
  EXPECT_TRUE(IsAlreadyExists(ae.error()));
  EXPECT_FALSE(IsConflict(ae.error()));

  body = StatusBody(409, "Conflict", "the object has been modified");
  auto cf = client->Replace(pods_, "ns", {{"metadata", {{"name", "p"}, {"resourceVersion", "5"}}}});
  ASSERT_FALSE(cf.ok());
  EXPECT_TRUE(IsConflict(cf.error()));
  EXPECT_FALSE(IsAlreadyExists(cf.error()));

  code = 410;
  body = StatusBody(410, "Expired", "too old resource version");
  auto gone = client->List(pods_, "ns");
  ASSERT_FALSE(gone.ok());
  EXPECT_TRUE(IsGone(gone.error()));
  EXPECT_TRUE(IsExpired(gone.error()));

  code = 403;
  body = StatusBody(403, "Forbidden", "nope");
  EXPECT_TRUE(IsForbidden(client->Get(pods_, "ns", "p").error()));

  code = 422;
  body = StatusBody(422, "Invalid", "Pod is invalid",
                    R"([{"reason":"FieldValueRequired","message":"Required value","field":"spec.containers"}])");
  auto inv = client->Create(pods_, "ns", {{"metadata", {{"name", "p"}}}});
  ASSERT_FALSE(inv.ok());
  EXPECT_TRUE(IsInvalid(inv.error()));
  ASSERT_EQ(inv.error().causes.size(), 1u);
  EXPECT_EQ(inv.error().causes[0].field, "spec.containers");
  EXPECT_EQ(inv.error().causes[0].type, "FieldValueRequired");
  EXPECT_EQ(inv.error().ToString(), "HTTP 422 Invalid: Pod is invalid; spec.containers: Required value");

  code = 502;
  body = "<html>bad gateway</html>";
  auto bad = client->Get(pods_, "ns", "p");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().http_status, 502);
  EXPECT_EQ(bad.error().reason, "InternalError");
  EXPECT_EQ(bad.error().message, "<html>bad gateway</html>");
}

TEST_F(ClientTest, TooManyRequestsHonoursRetryAfter) {
  int calls = 0;
  transport_->handler = [&](const HttpRequest&) {
    if (++calls <= 2) return JsonResponse(429, StatusBody(429, "TooManyRequests", "slow down"), {{"retry-after", "3"}});
    return JsonResponse(200, R"({"metadata":{"name":"p"}})");
  };
  auto client = MakeClient();
  auto r = client->Get(pods_, "ns", "p");
  ASSERT_TRUE(r.ok()) << r.error().ToString();
  EXPECT_EQ(calls, 3);
  EXPECT_EQ(clock_.TotalSlept(), std::chrono::seconds(6));
}

TEST_F(ClientTest, TooManyRequestsGivesUpAfterTenAttempts) {
  int calls = 0;
  transport_->handler = [&](const HttpRequest&) {
    ++calls;
    return JsonResponse(429, StatusBody(429, "TooManyRequests", "slow down"), {{"retry-after", "1"}});
  };
  auto r = MakeClient()->Get(pods_, "ns", "p");
  ASSERT_FALSE(r.ok());
  EXPECT_TRUE(IsTooManyRequests(r.error()));
  EXPECT_EQ(r.error().retry_after, std::chrono::seconds(1));
  EXPECT_EQ(calls, 10);
}

TEST_F(ClientTest, ServerErrorWithoutRetryAfterIsNotRetried) {
  int calls = 0;
  transport_->handler = [&](const HttpRequest&) {
    ++calls;
    return JsonResponse(500, StatusBody(500, "InternalError", "boom"));
  };
  EXPECT_FALSE(MakeClient()->Get(pods_, "ns", "p").ok());
  EXPECT_EQ(calls, 1);
}

TEST_F(ClientTest, QpsLimiterSpacesRequests) {
  config_.qps = 5;
  config_.burst = 2;
  transport_->handler = [](const HttpRequest&) { return JsonResponse(200, "{}"); };
  auto client = MakeClient();
  for (int i = 0; i < 7; ++i) ASSERT_TRUE(client->Get(pods_, "ns", "p").ok());
  // 2 from the burst, then 5 more at 5 qps: 1 s of waiting in total.
  EXPECT_EQ(std::chrono::duration_cast<std::chrono::milliseconds>(clock_.TotalSlept()).count(), 1000);
}

TEST_F(ClientTest, OwnRateLimitClientsDoNotSpendEachOthersBudget) {
  config_.qps = 5;
  config_.burst = 2;
  transport_->handler = [](const HttpRequest&) { return JsonResponse(200, "{}"); };
  auto shared = MakeClient();
  auto pipelines = shared->WithOwnRateLimit();
  auto runs = shared->WithOwnRateLimit();
  EXPECT_EQ(runs->config().qps, 5);
  EXPECT_EQ(runs->config().burst, 2);
  // One controller drains its burst and waits: 2 at once, then 3 more at 5 qps (0.6 s).
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(pipelines->Get(pods_, "ns", "p").ok());
  EXPECT_EQ(std::chrono::duration_cast<std::chrono::milliseconds>(clock_.TotalSlept()).count(), 600);
  // The other's burst is still whole, and so is the parent's (informers, the Lease).
  for (int i = 0; i < 2; ++i) ASSERT_TRUE(runs->Get(pods_, "ns", "p").ok());
  for (int i = 0; i < 2; ++i) ASSERT_TRUE(shared->Get(pods_, "ns", "p").ok());
  EXPECT_EQ(std::chrono::duration_cast<std::chrono::milliseconds>(clock_.TotalSlept()).count(), 600);
  // A budget of its own size: 0 is unlimited.
  auto events = shared->WithOwnRateLimit(0, 1);
  for (int i = 0; i < 20; ++i) ASSERT_TRUE(events->Get(pods_, "ns", "p").ok());
  EXPECT_EQ(std::chrono::duration_cast<std::chrono::milliseconds>(clock_.TotalSlept()).count(), 600);
  EXPECT_EQ(transport_->Requests().size(), 29u);
}

TEST_F(ClientTest, OwnRateLimitClientsShareTheWriteFence) {
  transport_->handler = [](const HttpRequest&) { return JsonResponse(200, "{}"); };
  auto shared = MakeClient();
  auto controller = shared->WithOwnRateLimit();  // made before the fence is set, as the manager does
  bool leader = false;
  shared->SetWriteFence([&]() -> Status {
    if (leader) return {};
    return MakeError(ErrorCode::kNotLeader, "not leader");
  });
  auto refused = controller->Create(pods_, "ns", {{"metadata", {{"name", "p"}}}});
  ASSERT_FALSE(refused.ok());
  EXPECT_TRUE(IsNotLeader(refused.error()));
  EXPECT_TRUE(transport_->Requests().empty())
      << "a controller's write never reaches the server without the lease";
  leader = true;
  EXPECT_TRUE(controller->Create(pods_, "ns", {{"metadata", {{"name", "p"}}}}).ok());
}

TEST_F(ClientTest, ListWithSelectorsAndPagination) {
  transport_->handler = [](const HttpRequest& r) {
    if (r.url.find("continue=tok1") != std::string::npos) {
      return JsonResponse(200, R"({"kind":"PodList","metadata":{"resourceVersion":"42"},"items":[{"metadata":{"name":"c"}}]})");
    }
    return JsonResponse(200,
                        R"({"kind":"PodList","metadata":{"resourceVersion":"41","continue":"tok1"},"items":[{"metadata":{"name":"a"}},{"metadata":{"name":"b"}}]})");
  };
  ListOptions options;
  options.label_selector = "app=seed,tier in (a,b)";
  options.field_selector = "status.phase=Running";
  options.limit = 2;
  auto list = MakeClient()->ListAll(pods_, "ns", options);
  ASSERT_TRUE(list.ok());
  EXPECT_EQ((*list)["items"].size(), 3u);
  EXPECT_EQ((*list)["items"][2]["metadata"]["name"], "c");
  EXPECT_EQ((*list)["metadata"]["resourceVersion"], "42");
  EXPECT_FALSE((*list)["metadata"].contains("continue"));
  auto reqs = transport_->Requests();
  ASSERT_EQ(reqs.size(), 2u);
  EXPECT_EQ(reqs[0].url,
            "https://api.test:6443/api/v1/namespaces/ns/pods?labelSelector=app%3Dseed%2Ctier%20in%20%28a%2Cb%29"
            "&fieldSelector=status.phase%3DRunning&limit=2");
  EXPECT_EQ(reqs[1].url,
            "https://api.test:6443/api/v1/namespaces/ns/pods?labelSelector=app%3Dseed%2Ctier%20in%20%28a%2Cb%29"
            "&fieldSelector=status.phase%3DRunning&limit=2&continue=tok1");
}

TEST_F(ClientTest, WriteVerbsUseTheRightMethodsAndContentTypes) {
  transport_->handler = [](const HttpRequest&) { return JsonResponse(200, "{}"); };
  auto client = MakeClient();
  Json obj = {{"apiVersion", "apps/v1"}, {"kind", "Deployment"}, {"metadata", {{"name", "d"}}}};
  ASSERT_TRUE(client->Create(deployments_, "ns", obj, {"seed-operator", false}).ok());
  ASSERT_TRUE(client->Replace(deployments_, "ns", obj).ok());
  ASSERT_TRUE(client->ReplaceStatus(deployments_, "ns", obj).ok());
  ASSERT_TRUE(client->Patch(deployments_, "ns", "d", PatchType::kMerge, {{"spec", {{"replicas", 2}}}}).ok());
  ASSERT_TRUE(client->Patch(deployments_, "ns", "d", PatchType::kJson,
                            Json::parse(R"([{"op":"test","path":"/metadata/finalizers","value":[]}])")).ok());
  ASSERT_TRUE(client->Apply(deployments_, "ns", obj, "seed-operator", true).ok());
  ASSERT_TRUE(client->Apply(deployments_, "ns", obj, "seed-operator", false, "status").ok());
  DeleteOptions del;
  del.propagation_policy = "Foreground";
  del.precondition_uid = "uid-1";
  del.precondition_resource_version = "7";
  ASSERT_TRUE(client->Delete(deployments_, "ns", "d", del).ok());

  auto reqs = transport_->Requests();
  ASSERT_EQ(reqs.size(), 8u);
  const std::string base = "https://api.test:6443/apis/apps/v1/namespaces/ns/deployments";
  EXPECT_EQ(reqs[0].method, "POST");
  EXPECT_EQ(reqs[0].url, base + "?fieldManager=seed-operator");
  EXPECT_EQ(Header(reqs[0], "Content-Type"), "application/json");
  EXPECT_EQ(reqs[1].method, "PUT");
  EXPECT_EQ(reqs[1].url, base + "/d");
  EXPECT_EQ(reqs[2].url, base + "/d/status");
  EXPECT_EQ(reqs[3].method, "PATCH");
  EXPECT_EQ(Header(reqs[3], "Content-Type"), "application/merge-patch+json");
  EXPECT_EQ(reqs[3].body, R"({"spec":{"replicas":2}})");
  EXPECT_EQ(Header(reqs[4], "Content-Type"), "application/json-patch+json");
  EXPECT_EQ(Header(reqs[5], "Content-Type"), "application/apply-patch+yaml");
  EXPECT_EQ(reqs[5].url, base + "/d?fieldManager=seed-operator&force=true");
  EXPECT_EQ(reqs[6].url, base + "/d/status?fieldManager=seed-operator");
  EXPECT_EQ(reqs[7].method, "DELETE");
  EXPECT_EQ(Json::parse(reqs[7].body),
            Json::parse(R"({"kind":"DeleteOptions","apiVersion":"v1","propagationPolicy":"Foreground",
                            "preconditions":{"uid":"uid-1","resourceVersion":"7"}})"));
}

TEST_F(ClientTest, ApplyRequiresFieldManagerAndTypeMeta) {
  auto client = MakeClient();
  Json obj = {{"apiVersion", "v1"}, {"kind", "Pod"}, {"metadata", {{"name", "p"}}}};
  EXPECT_EQ(client->Apply(pods_, "ns", obj, "").error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(client->Apply(pods_, "ns", {{"metadata", {{"name", "p"}}}}, "m").error().code,
            ErrorCode::kInvalidArgument);
  EXPECT_TRUE(transport_->Requests().empty());
}

TEST_F(ClientTest, WriteFenceBlocksWritesButNotReads) {
  transport_->handler = [](const HttpRequest&) { return JsonResponse(200, "{}"); };
  auto client = MakeClient();
  bool leader = false;
  client->SetWriteFence([&]() -> Status {
    if (leader) return {};
    return MakeError(ErrorCode::kNotLeader, "not leader");
  });
  EXPECT_TRUE(client->Get(pods_, "ns", "p").ok());
  auto w = client->Create(pods_, "ns", {{"metadata", {{"name", "p"}}}});
  ASSERT_FALSE(w.ok());
  EXPECT_TRUE(IsNotLeader(w.error()));
  EXPECT_EQ(transport_->Requests().size(), 1u) << "the refused write never reached the server";
  leader = true;
  EXPECT_TRUE(client->Delete(pods_, "ns", "p").ok());
}

TEST_F(ClientTest, UnauthorizedRereadsTheTokenOnce) {
  int calls = 0;
  transport_->handler = [&](const HttpRequest&) {
    ++calls;
    return JsonResponse(401, StatusBody(401, "Unauthorized", "Unauthorized"));
  };
  auto r = MakeClient()->Get(pods_, "ns", "p");
  ASSERT_FALSE(r.ok());
  EXPECT_TRUE(IsUnauthorized(r.error()));
  EXPECT_EQ(calls, 2);
}

TEST_F(ClientTest, WatchParsesEventsSplitAcrossChunksAndStopsOnInStreamGone) {
  transport_->AddStream({200,
                         {R"({"type":"ADDED","object":{"metadata":{"name":"a","resourceVersion":"5"}}})" "\n{\"type\":\"MOD",
                          R"(IFIED","object":{"metadata":{"name":"a","resourceVersion":"6"}}})" "\n",
                          R"({"type":"BOOKMARK","object":{"metadata":{"resourceVersion":"9"}}})" "\n",
                          R"({"type":"ERROR","object":{"kind":"Status","code":410,"reason":"Expired","message":"too old"}})" "\n",
                          R"({"type":"ADDED","object":{"metadata":{"name":"never"}}})" "\n"},
                         false});
  std::vector<std::string> seen;
  WatchOptions options;
  options.resource_version = "4";
  options.timeout_seconds = 300;
  auto r = MakeClient()->Watch(
      pods_, "ns", options,
      [&](WatchEvent&& e) {
        seen.push_back(e.type + ":" + e.object["metadata"].value("resourceVersion", ""));
        return true;
      },
      CancelToken());
  ASSERT_FALSE(r.ok());
  EXPECT_TRUE(IsGone(r.error()));
  EXPECT_EQ(seen, (std::vector<std::string>{"ADDED:5", "MODIFIED:6", "BOOKMARK:9"}));
  auto req = transport_->Requests().at(0);
  EXPECT_EQ(req.url,
            "https://api.test:6443/api/v1/namespaces/ns/pods?watch=true&resourceVersion=4&allowWatchBookmarks=true"
            "&timeoutSeconds=300");
  EXPECT_EQ(req.timeout, std::chrono::seconds(330));
}

TEST_F(ClientTest, WatchWith410StatusIsGone) {
  transport_->AddStream({410, {StatusBody(410, "Gone", "gone")}, false});
  auto r = MakeClient()->Watch(pods_, "ns", {}, [](WatchEvent&&) { return true; }, CancelToken());
  ASSERT_FALSE(r.ok());
  EXPECT_TRUE(IsGone(r.error()));
}

// Found by fuzzing (tests/fuzz/corpus/watch_stream/regression-*): ill-typed events from a proxy or a
// misbehaving server end the watch with an error; before, they threw out of the watch thread.
TEST_F(ClientTest, WatchEndsWithAnErrorOnIllTypedEvents) {
  for (const std::string line :
       {R"({"type":"ERROR","object":{"kind":409}})", R"({"type":"ERROR","object":null})",
        R"({"type":"ERROR","object":{"kind":"Status","reason":5,"code":"x"}})",
        R"({"type":"ADDED","object":"a pod"})",
        R"({"type":"MODIFIED","object":{"metadata":{"name":"a","namespace":7}}})",
        R"({"type":3,"object":{}})"}) {
    transport_->AddStream({200, {line + "\n"}, false});
    int events = 0;
    auto r = MakeClient()->Watch(
        pods_, "ns", {}, [&](WatchEvent&&) { return ++events, true; }, CancelToken());
    ASSERT_FALSE(r.ok()) << line;
    EXPECT_EQ(events, 0) << line;
  }
}

TEST_F(ClientTest, ErrorFromAnIllTypedStatusBodyKeepsTheHttpStatus) {
  Error e = ErrorFromResponse(
      409,
      R"({"kind":"Status","reason":{"a":1},"message":7,"details":{"causes":[{"field":1}],"retryAfterSeconds":-5}})",
      "");
  EXPECT_EQ(e.http_status, 409);
  EXPECT_EQ(e.reason, "Conflict");  // the status's own reason, as it is not a string
  ASSERT_TRUE(e.retry_after.has_value());
  EXPECT_EQ(*e.retry_after, std::chrono::seconds(0));
}

TEST_F(ClientTest, ServerHasResourceUsesDiscovery) {
  transport_->handler = [](const HttpRequest& r) {
    if (r.url.ends_with("/apis/gateway.networking.k8s.io/v1")) {
      return JsonResponse(200, R"({"kind":"APIResourceList","resources":[{"name":"httproutes"},{"name":"httproutes/status"}]})");
    }
    return JsonResponse(404, StatusBody(404, "NotFound", "nope"));
  };
  auto client = MakeClient();
  EXPECT_TRUE(*client->ServerHasResource("gateway.networking.k8s.io", "v1", "httproutes"));
  EXPECT_FALSE(*client->ServerHasResource("gateway.networking.k8s.io", "v1", "grpcroutes"));
  EXPECT_FALSE(*client->ServerHasResource("example.com", "v1", "things"));
}

TEST_F(ClientTest, RetryAfterParsing) {
  EXPECT_EQ(ParseRetryAfter("5"), std::chrono::seconds(5));
  EXPECT_EQ(ParseRetryAfter(" 0 "), std::chrono::seconds(0));
  EXPECT_EQ(ParseRetryAfter(""), std::nullopt);
  EXPECT_EQ(ParseRetryAfter("soon"), std::nullopt);
  EXPECT_EQ(ParseRetryAfter("-1"), std::nullopt);
}

}  // namespace
}  // namespace kube

#include "kube/retry.h"

namespace kube {
namespace {

TEST(RetryOnConflictTest, RetriesConflictsOnlyAndStopsAfterFiveSteps) {
  FakeClock clock;
  int calls = 0;
  auto conflict = [] {
    Error e;
    e.http_status = 409;
    e.reason = "Conflict";
    return e;
  };
  EXPECT_TRUE(RetryOnConflict([&]() -> Status { return ++calls < 3 ? Status(conflict()) : Status(); }, clock).ok());
  EXPECT_EQ(calls, 3);
  calls = 0;
  auto r = RetryOnConflict([&]() -> Status { ++calls; return conflict(); }, clock);
  EXPECT_TRUE(IsConflict(r.error()));
  EXPECT_EQ(calls, 5);
  calls = 0;
  Error exists = conflict();
  exists.reason = "AlreadyExists";
  EXPECT_TRUE(IsAlreadyExists(RetryOnConflict([&]() -> Status { ++calls; return exists; }, clock).error()));
  EXPECT_EQ(calls, 1) << "AlreadyExists is not a conflict to retry";
}

}  // namespace
}  // namespace kube
