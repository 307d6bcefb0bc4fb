// The emulator's REST behaviour, checked over HTTPS with direct HTTP calls.
#include <gtest/gtest.h>

#include "http_test_client.h"
#include "kube-emulator/emulator_process.h"
#include "test_objects.h"

namespace kubeemu::testing {
namespace {

constexpr const char* kToken = "token-alice";

class EmulatorApiTest : public ::testing::Test {
 protected:
  EmulatorApiTest() : emulator_(Options()) {}
  static EmulatorOptions Options() {
    EmulatorOptions options;
    options.tokens = {{kToken, "alice"}, {"token-bob", "bob"}};
    return options;
  }
  HttpResponse Call(const std::string& method, const std::string& path, const json& body = nullptr,
                    const std::string& content_type = "application/json") {
    HttpOptions options;
    options.token = kToken;
    options.content_type = content_type;
    return Http(emulator_, method, path, body.is_null() ? "" : body.is_string() ? body.get<std::string>() : body.dump(),
                options);
  }
  json CreateWidgetCrd() {
    HttpResponse created = Call("POST", "/apis/apiextensions.k8s.io/v1/customresourcedefinitions", WidgetCrd());
    EXPECT_EQ(created.code, 201) << created.body;
    return created.Json();
  }

  EmulatorProcess emulator_;
};

void ExpectStatus(const HttpResponse& response, long code, const std::string& reason) {
  EXPECT_EQ(response.code, code) << response.body;
  json status = response.Json();
  EXPECT_EQ(status["kind"], "Status");
  EXPECT_EQ(status["apiVersion"], "v1");
  EXPECT_EQ(status["status"], "Failure");
  EXPECT_EQ(status["code"], code);
  EXPECT_EQ(status["reason"], reason);
  EXPECT_TRUE(status["message"].is_string() && !status["message"].get<std::string>().empty());
}

TEST_F(EmulatorApiTest, DiscoveryListsBuiltinGroupsAndVersion) {
  json api = Call("GET", "/api").Json();
  EXPECT_EQ(api["kind"], "APIVersions");
  EXPECT_EQ(api["versions"], json::array({"v1"}));

  json groups = Call("GET", "/apis").Json();
  std::map<std::string, std::string> preferred;
  for (const auto& group : groups["groups"]) preferred[group["name"]] = group["preferredVersion"]["groupVersion"];
  EXPECT_EQ(preferred["apps"], "apps/v1");
  EXPECT_EQ(preferred["autoscaling"], "autoscaling/v2");
  EXPECT_EQ(preferred["coordination.k8s.io"], "coordination.k8s.io/v1");
  EXPECT_EQ(preferred["events.k8s.io"], "events.k8s.io/v1");
  EXPECT_EQ(preferred["apiextensions.k8s.io"], "apiextensions.k8s.io/v1");
  EXPECT_EQ(preferred.count("gateway.networking.k8s.io"), 0u);

  json core = Call("GET", "/api/v1").Json();
  std::map<std::string, json> resources;
  for (const auto& resource : core["resources"]) resources[resource["name"]] = resource;
  for (const char* name : {"namespaces", "configmaps", "secrets", "pods", "services", "events",
                           "persistentvolumeclaims", "serviceaccounts", "pods/status"}) {
    EXPECT_EQ(resources.count(name), 1u) << name;
  }
  EXPECT_EQ(resources["pods"]["shortNames"], json::array({"po"}));
  EXPECT_EQ(resources["namespaces"]["namespaced"], false);
  EXPECT_EQ(resources.count("configmaps/status"), 0u);

  json version = Call("GET", "/version").Json();
  EXPECT_EQ(version["major"], "1");
  EXPECT_EQ(Call("GET", "/openapi/v2").code, 200);  // a minimal protobuf document (emulator_rbac_test.cc)
  ExpectStatus(Call("GET", "/apis/no.such.group/v1/things"), 404, "NotFound");
}

TEST(EmulatorGatewayTest, GatewayApiServedOnlyWhenEnabled) {
  EmulatorOptions options;
  options.gateway_api = true;
  EmulatorProcess emulator(options);
  json list = emulator.Request("GET", "/apis/gateway.networking.k8s.io/v1");
  ASSERT_EQ(list["resources"].size(), 2u) << list;
  EXPECT_EQ(list["resources"][0]["name"], "httproutes");
  EXPECT_EQ(list["resources"][1]["name"], "httproutes/status");
  json route = emulator.Request("POST", "/apis/gateway.networking.k8s.io/v1/namespaces/default/httproutes",
                                {{"apiVersion", "gateway.networking.k8s.io/v1"},
                                 {"kind", "HTTPRoute"},
                                 {"metadata", {{"name", "r"}}},
                                 {"spec", {{"hostnames", {"a.example.com"}}}}});
  EXPECT_EQ(route["metadata"]["name"], "r");
}

TEST_F(EmulatorApiTest, CrdServesItsResourceInDiscoveryAndDeletingItRemovesObjects) {
  json crd = CreateWidgetCrd();
  EXPECT_EQ(crd["status"]["conditions"][1]["type"], "Established");
  json list = Call("GET", "/apis/example.dev/v1").Json();
  ASSERT_EQ(list["resources"].size(), 2u) << list;
  EXPECT_EQ(list["resources"][0]["name"], "widgets");
  EXPECT_EQ(list["resources"][0]["kind"], "Widget");
  EXPECT_EQ(list["resources"][0]["namespaced"], true);
  EXPECT_EQ(list["resources"][0]["shortNames"], json::array({"wg"}));
  EXPECT_EQ(list["resources"][0]["categories"], json::array({"toys"}));
  EXPECT_EQ(list["resources"][1]["name"], "widgets/status");

  EXPECT_EQ(Call("POST", kWidgets, Widget("w1", 1)).code, 201);
  EXPECT_EQ(Call("DELETE", "/apis/apiextensions.k8s.io/v1/customresourcedefinitions/widgets.example.dev").code, 200);
  ExpectStatus(Call("GET", std::string(kWidgets) + "/w1"), 404, "NotFound");
  ExpectStatus(Call("GET", "/apis/example.dev/v1"), 404, "NotFound");

  // A cluster-scoped definition serves a cluster-scoped resource without status.
  json cluster = WidgetCrd();
  cluster["spec"]["scope"] = "Cluster";
  cluster["spec"]["versions"][0].erase("subresources");
  EXPECT_EQ(Call("POST", "/apis/apiextensions.k8s.io/v1/customresourcedefinitions", cluster).code, 201);
  json resources = Call("GET", "/apis/example.dev/v1").Json()["resources"];
  ASSERT_EQ(resources.size(), 1u);
  EXPECT_EQ(resources[0]["namespaced"], false);
  EXPECT_EQ(Call("POST", "/apis/example.dev/v1/widgets", Widget("c1", 1)).code, 201);

  json bad = WidgetCrd();
  bad["metadata"]["name"] = "wrong.example.dev";
  ExpectStatus(Call("POST", "/apis/apiextensions.k8s.io/v1/customresourcedefinitions", bad), 422, "Invalid");
}

TEST_F(EmulatorApiTest, CreateFillsServerFieldsAndReportsAlreadyExists) {
  HttpResponse created = Call("POST", kConfigMaps, ConfigMap("a"));
  ASSERT_EQ(created.code, 201) << created.body;
  json meta = created.Json()["metadata"];
  EXPECT_EQ(meta["namespace"], "default");
  EXPECT_EQ(meta["generation"], 1);
  EXPECT_EQ(meta["uid"].get<std::string>().size(), 36u);
  EXPECT_EQ(meta["creationTimestamp"].get<std::string>().size(), 20u);
  const std::string rv = meta["resourceVersion"];
  EXPECT_FALSE(rv.empty());
  EXPECT_EQ(rv.find_first_not_of("0123456789"), std::string::npos);

  HttpResponse again = Call("POST", kConfigMaps, ConfigMap("a"));
  ExpectStatus(again, 409, "AlreadyExists");
  EXPECT_EQ(again.Json()["details"]["name"], "a");
  EXPECT_EQ(again.Json()["details"]["kind"], "configmaps");

  json generated = ConfigMap("");
  generated["metadata"].erase("name");
  generated["metadata"]["generateName"] = "gen-";
  HttpResponse named = Call("POST", kConfigMaps, generated);
  ASSERT_EQ(named.code, 201);
  std::string name = named.Json()["metadata"]["name"];
  EXPECT_EQ(name.rfind("gen-", 0), 0u);
  EXPECT_EQ(name.size(), 9u);

  ExpectStatus(Call("POST", "/api/v1/namespaces/missing/configmaps", ConfigMap("b")), 404, "NotFound");
  ExpectStatus(Call("POST", kConfigMaps, ConfigMap("Not_A_Name")), 422, "Invalid");
  ExpectStatus(Call("POST", kConfigMaps, ConfigMap("c", {{"bad label", "x"}})), 422, "Invalid");
  ExpectStatus(Call("POST", kConfigMaps, "{not json"), 400, "BadRequest");
  ExpectStatus(Call("POST", kConfigMaps, ConfigMap("d"), "application/vnd.kubernetes.protobuf"), 415,
               "UnsupportedMediaType");
  ExpectStatus(Call("PUT", kConfigMaps, ConfigMap("e")), 405, "MethodNotAllowed");
}

TEST_F(EmulatorApiTest, StaleUpdateIsConflictAndNoOpUpdateKeepsResourceVersion) {
  json object = Call("POST", kConfigMaps, ConfigMap("a")).Json();
  json fresh = object;
  fresh["data"]["k"] = "v2";
  HttpResponse updated = Call("PUT", std::string(kConfigMaps) + "/a", fresh);
  ASSERT_EQ(updated.code, 200) << updated.body;
  EXPECT_EQ(updated.Json()["metadata"]["generation"], 2);

  object["data"]["k"] = "stale";  // still carries the first resourceVersion
  HttpResponse conflict = Call("PUT", std::string(kConfigMaps) + "/a", object);
  ExpectStatus(conflict, 409, "Conflict");
  EXPECT_NE(conflict.Json()["message"].get<std::string>().find("the object has been modified"), std::string::npos);

  json same = updated.Json();
  HttpResponse unchanged = Call("PUT", std::string(kConfigMaps) + "/a", same);
  EXPECT_EQ(unchanged.Json()["metadata"]["resourceVersion"], same["metadata"]["resourceVersion"]);
  ExpectStatus(Call("PUT", std::string(kConfigMaps) + "/missing", ConfigMap("missing")), 404, "NotFound");
  ExpectStatus(Call("PUT", std::string(kConfigMaps) + "/a", ConfigMap("other")), 400, "BadRequest");
}

TEST_F(EmulatorApiTest, StatusSubresourceSeparatesStatusFromSpecAndGeneration) {
  CreateWidgetCrd();
  json widget = Widget("w", 1);
  widget["status"] = {{"phase", "ignored on create"}};
  json created = Call("POST", kWidgets, widget).Json();
  EXPECT_FALSE(created.contains("status"));

  json with_status = created;
  with_status["status"] = {{"ready", true}};
  with_status["spec"]["size"] = 99;  // ignored by /status
  HttpResponse status_put = Call("PUT", std::string(kWidgets) + "/w/status", with_status);
  ASSERT_EQ(status_put.code, 200) << status_put.body;
  EXPECT_EQ(status_put.Json()["status"]["ready"], true);
  EXPECT_EQ(status_put.Json()["spec"]["size"], 1);
  EXPECT_EQ(status_put.Json()["metadata"]["generation"], 1);

  json main = status_put.Json();
  main["status"] = {{"ready", false}};  // ignored by the main resource
  main["spec"]["size"] = 2;
  HttpResponse main_put = Call("PUT", std::string(kWidgets) + "/w", main);
  ASSERT_EQ(main_put.code, 200) << main_put.body;
  EXPECT_EQ(main_put.Json()["status"]["ready"], true);
  EXPECT_EQ(main_put.Json()["metadata"]["generation"], 2);

  HttpResponse status_patch = Call("PATCH", std::string(kWidgets) + "/w/status",
                                   json{{"status", {{"observedGeneration", 2}}}}, "application/merge-patch+json");
  EXPECT_EQ(status_patch.Json()["status"], json({{"ready", true}, {"observedGeneration", 2}}));
  EXPECT_EQ(status_patch.Json()["metadata"]["generation"], 2);

  // Custom resources need a resourceVersion on update; status is absent for kinds without it.
  json no_rv = main_put.Json();
  no_rv["metadata"].erase("resourceVersion");
  ExpectStatus(Call("PUT", std::string(kWidgets) + "/w", no_rv), 422, "Invalid");
  ExpectStatus(Call("GET", std::string(kConfigMaps) + "/a/status"), 404, "NotFound");
}

TEST_F(EmulatorApiTest, PatchTypes) {
  Call("POST", kConfigMaps, ConfigMap("a", {{"app", "x"}}));
  const std::string url = std::string(kConfigMaps) + "/a";
  json merged = Call("PATCH", url, json{{"data", {{"k2", "v2"}, {"k", nullptr}}}}, "application/merge-patch+json").Json();
  EXPECT_EQ(merged["data"], json({{"k2", "v2"}}));

  json strategic = Call("PATCH", url,
                        json{{"metadata", {{"labels", {{"tier", "gold"}}}}}, {"$setElementOrder/x", json::array()}},
                        "application/strategic-merge-patch+json")
                       .Json();
  EXPECT_EQ(strategic["metadata"]["labels"], json({{"app", "x"}, {"tier", "gold"}}));

  const std::string rv = strategic["metadata"]["resourceVersion"];
  json ops = json::array({{{"op", "test"}, {"path", "/metadata/resourceVersion"}, {"value", rv}},
                          {{"op", "add"}, {"path", "/data/k3"}, {"value", "v3"}}});
  HttpResponse patched = Call("PATCH", url, ops, "application/json-patch+json");
  ASSERT_EQ(patched.code, 200) << patched.body;
  EXPECT_EQ(patched.Json()["data"]["k3"], "v3");
  // The same test now fails: the resourceVersion moved on.
  ExpectStatus(Call("PATCH", url, ops, "application/json-patch+json"), 422, "Invalid");
  ExpectStatus(Call("PATCH", url, json{{"data", {{"a", "b"}}}}, "text/plain"), 415, "UnsupportedMediaType");
  ExpectStatus(Call("PATCH", url, json{{"metadata", {{"resourceVersion", "1"}}}}, "application/merge-patch+json"), 409,
               "Conflict");
  ExpectStatus(Call("PATCH", std::string(kConfigMaps) + "/missing", json::object(), "application/merge-patch+json"),
               404, "NotFound");
}

TEST_F(EmulatorApiTest, ServerSideApplyTracksManagersAndConflicts) {
  const std::string url = std::string(kConfigMaps) + "/applied";
  const std::string apply = "application/apply-patch+yaml";
  std::string first = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: applied\n  labels:\n    a: \"1\"\n"
                      "data:\n  x: \"1\"\n  y: \"2\"\n";
  HttpResponse created = Call("PATCH", url + "?fieldManager=op", first, apply);
  ASSERT_EQ(created.code, 201) << created.body;
  EXPECT_EQ(created.Json()["data"], json({{"x", "1"}, {"y", "2"}}));
  EXPECT_EQ(created.Json()["metadata"]["managedFields"][0]["manager"], "op");
  EXPECT_EQ(created.Json()["metadata"]["managedFields"][0]["operation"], "Apply");

  // Dropping y from the applied configuration removes it; another manager's field stays.
  Call("PATCH", url + "?fieldManager=other", json{{"data", {{"z", "3"}}}}, "application/merge-patch+json");
  std::string second = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: applied\ndata:\n  x: \"1\"\n";
  json after = Call("PATCH", url + "?fieldManager=op", second, apply).Json();
  EXPECT_EQ(after["data"], json({{"x", "1"}, {"z", "3"}}));
  EXPECT_FALSE(after["metadata"].contains("labels"));

  // Changing a field another manager set is a conflict unless forced.
  std::string takeover = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: applied\ndata:\n  x: \"1\"\n  z: \"9\"\n";
  HttpResponse conflict = Call("PATCH", url + "?fieldManager=op", takeover, apply);
  ExpectStatus(conflict, 409, "Conflict");
  EXPECT_NE(conflict.Json()["message"].get<std::string>().find("conflict with \"other\": .data.z"), std::string::npos);
  HttpResponse forced = Call("PATCH", url + "?fieldManager=op&force=true", takeover, apply);
  ASSERT_EQ(forced.code, 200) << forced.body;
  EXPECT_EQ(forced.Json()["data"]["z"], "9");

  // JSON is YAML too; a missing fieldManager is refused.
  HttpResponse json_body = Call("PATCH", url + "?fieldManager=op&force=true",
                                json{{"apiVersion", "v1"}, {"kind", "ConfigMap"}, {"metadata", {{"name", "applied"}}},
                                     {"data", {{"x", "2"}}}}.dump(), apply);
  EXPECT_EQ(json_body.Json()["data"], json({{"x", "2"}}));
  ExpectStatus(Call("PATCH", url, first, apply), 422, "Invalid");
}

TEST_F(EmulatorApiTest, ListWithSelectorsAndPagination) {
  Call("POST", kConfigMaps, ConfigMap("a", {{"app", "web"}, {"tier", "gold"}}));
  Call("POST", kConfigMaps, ConfigMap("b", {{"app", "web"}}));
  Call("POST", kConfigMaps, ConfigMap("c", {{"app", "db"}}));
  Call("POST", kConfigMaps, ConfigMap("d"));
  auto names = [&](const std::string& query) {
    std::vector<std::string> out;
    const json list = Call("GET", std::string(kConfigMaps) + "?" + query).Json();
    for (const auto& item : list["items"]) {
      out.push_back(item["metadata"]["name"]);
    }
    return out;
  };
  using Names = std::vector<std::string>;
  EXPECT_EQ(names("labelSelector=app%3Dweb"), (Names{"a", "b"}));
  EXPECT_EQ(names("labelSelector=app%3D%3Dweb"), (Names{"a", "b"}));
  EXPECT_EQ(names("labelSelector=app!%3Dweb"), (Names{"c", "d"}));
  EXPECT_EQ(names("labelSelector=app%20in%20(db,web),tier"), (Names{"a"}));
  EXPECT_EQ(names("labelSelector=app%20notin%20(web)"), (Names{"c", "d"}));
  EXPECT_EQ(names("labelSelector=app"), (Names{"a", "b", "c"}));
  EXPECT_EQ(names("labelSelector=!app"), (Names{"d"}));
  EXPECT_EQ(names("fieldSelector=metadata.name%3Dc"), (Names{"c"}));
  EXPECT_EQ(names("fieldSelector=metadata.name!%3Dc,metadata.namespace%3Ddefault"), (Names{"a", "b", "d"}));
  ExpectStatus(Call("GET", std::string(kConfigMaps) + "?labelSelector=app%20in%20web)"), 400, "BadRequest");

  json pod = {{"apiVersion", "v1"}, {"kind", "Pod"}, {"metadata", {{"name", "p"}}}, {"spec", {{"containers", json::array()}}}};
  Call("POST", "/api/v1/namespaces/default/pods", pod);
  EXPECT_EQ(Call("GET", "/api/v1/pods?fieldSelector=status.phase%3DPending").Json()["items"].size(), 1u);
  EXPECT_EQ(Call("GET", "/api/v1/pods?fieldSelector=status.phase%3DRunning").Json()["items"].size(), 0u);

  json page1 = Call("GET", std::string(kConfigMaps) + "?limit=3").Json();
  ASSERT_EQ(page1["items"].size(), 3u);
  EXPECT_EQ(page1["metadata"]["remainingItemCount"], 1);
  const std::string list_rv = page1["metadata"]["resourceVersion"];
  EXPECT_EQ(list_rv, Call("GET", "/api/v1/pods/").Json()["metadata"]["resourceVersion"]);
  Call("POST", kConfigMaps, ConfigMap("e"));
  json page2 = Call("GET", std::string(kConfigMaps) + "?limit=3&continue=" + page1["metadata"]["continue"].get<std::string>()).Json();
  ASSERT_EQ(page2["items"].size(), 2u);
  EXPECT_EQ(page2["items"][0]["metadata"]["name"], "d");
  EXPECT_EQ(page2["metadata"]["resourceVersion"], list_rv);  // the continuation keeps the list's version
  EXPECT_FALSE(page2["metadata"].contains("continue"));

  emulator_.Admin("POST", "/compact");
  ExpectStatus(Call("GET", std::string(kConfigMaps) + "?limit=3&continue=" + page1["metadata"]["continue"].get<std::string>()),
               410, "Expired");
}

TEST(EmulatorAuthTest, TokensAndClientCertificatesIdentifyUsers) {
  EmulatorOptions options;
  options.tokens = {{"token-alice", "alice"}};
  options.client_ca = true;
  EmulatorProcess emulator(options);
  HttpOptions alice;
  alice.token = "token-alice";
  EXPECT_EQ(Http(emulator, "POST", kConfigMaps, ConfigMap("by-alice").dump(), alice).code, 201);

  auto [cert, key] = emulator.IssueClientCert("bob");
  HttpOptions bob;
  bob.client_cert = cert;
  bob.client_key = key;
  EXPECT_EQ(Http(emulator, "POST", kConfigMaps, ConfigMap("by-bob").dump(), bob).code, 201);

  HttpResponse anonymous = Http(emulator, "GET", kConfigMaps);
  ExpectStatus(anonymous, 401, "Unauthorized");
  HttpOptions wrong;
  wrong.token = "nope";
  ExpectStatus(Http(emulator, "GET", kConfigMaps, "", wrong), 401, "Unauthorized");
  EXPECT_EQ(Http(emulator, "GET", "/emulator/healthz").code, 200);  // admin endpoints need no auth

  json writes = emulator.Admin("GET", "/writes");
  ASSERT_EQ(writes.size(), 2u) << writes;
  EXPECT_EQ(writes[0]["user"], "alice");
  EXPECT_EQ(writes[0]["name"], "by-alice");
  EXPECT_EQ(writes[1]["user"], "bob");
  EXPECT_EQ(writes[1]["verb"], "create");
  EXPECT_EQ(writes[1]["code"], 201);
}

TEST(EmulatorAuthTest, PlainHttpWithoutAuthIsAnonymous) {
  EmulatorOptions options;
  options.tls = false;
  EmulatorProcess emulator(options);
  EXPECT_EQ(emulator.Url().rfind("http://127.0.0.1:", 0), 0u);
  HttpOptions any;
  any.token = "whatever";
  EXPECT_EQ(Http(emulator, "POST", kConfigMaps, ConfigMap("a").dump(), any).code, 201);
  EXPECT_EQ(emulator.Admin("GET", "/writes")[0]["user"], "system:anonymous");
}

TEST_F(EmulatorApiTest, FaultsFailMatchingRequestsUntilCleared) {
  emulator_.Admin("POST", "/faults",
                  {{"rules",
                    {{{"verb", "create"}, {"resource", "configmaps"}, {"code", 500}, {"count", 2}},
                     {{"verb", "list"}, {"resource", "*"}, {"code", 429}, {"retryAfterSeconds", 3}},
                     {{"verb", "get"}, {"resource", "configmaps"}, {"code", 503}, {"rate", 0.0}}}}});
  ExpectStatus(Call("POST", kConfigMaps, ConfigMap("a")), 500, "InternalError");
  ExpectStatus(Call("POST", kConfigMaps, ConfigMap("a")), 500, "InternalError");
  EXPECT_EQ(Call("POST", kConfigMaps, ConfigMap("a")).code, 201);  // count exhausted
  HttpResponse throttled = Call("GET", kConfigMaps);
  ExpectStatus(throttled, 429, "TooManyRequests");
  EXPECT_EQ(throttled.headers["retry-after"], "3");
  EXPECT_EQ(throttled.Json()["details"]["retryAfterSeconds"], 3);
  EXPECT_EQ(Call("GET", std::string(kConfigMaps) + "/a").code, 200);  // rate 0 never fires

  emulator_.Admin("DELETE", "/faults");
  EXPECT_EQ(Call("GET", kConfigMaps).code, 200);
  json bad = emulator_.Admin("POST", "/faults", {{"rules", {{{"verb", "fly"}}}}});
  EXPECT_EQ(bad["code"], 400);

  json writes = emulator_.Admin("GET", "/writes");
  ASSERT_EQ(writes.size(), 3u);
  EXPECT_EQ(writes[0]["code"], 500);
  EXPECT_EQ(writes[2]["code"], 201);
  EXPECT_EQ(writes[2]["resourceVersion"], Call("GET", std::string(kConfigMaps) + "/a").Json()["metadata"]["resourceVersion"]);
}

TEST_F(EmulatorApiTest, WriteLogRecordsEveryWriteWithItsIdentity) {
  HttpOptions bob;
  bob.token = "token-bob";
  Call("POST", kConfigMaps, ConfigMap("lease-a"));
  Http(emulator_, "POST", kConfigMaps, ConfigMap("lease-a").dump(), bob);  // a second "leader" collides
  Call("PATCH", std::string(kConfigMaps) + "/lease-a", json{{"data", {{"k", "2"}}}}, "application/merge-patch+json");
  Call("DELETE", std::string(kConfigMaps) + "/lease-a");
  json writes = emulator_.Admin("GET", "/writes");
  ASSERT_EQ(writes.size(), 4u) << writes;
  std::vector<std::tuple<std::string, std::string, int>> seen;
  for (const auto& write : writes) seen.emplace_back(write["user"], write["verb"], write["code"]);
  EXPECT_EQ(seen, (std::vector<std::tuple<std::string, std::string, int>>{
                      {"alice", "create", 201}, {"bob", "create", 409}, {"alice", "patch", 200}, {"alice", "delete", 200}}));
  EXPECT_EQ(writes[1]["name"], "lease-a");
  EXPECT_EQ(writes[1]["resourceVersion"], "");  // nothing was written
  EXPECT_GT(std::stoull(writes[3]["resourceVersion"].get<std::string>()),
            std::stoull(writes[2]["resourceVersion"].get<std::string>()));  // the deletion's version
  EXPECT_EQ(writes[0]["seq"], 1);
  EXPECT_EQ(writes[0]["resource"], "configmaps");
  EXPECT_EQ(writes[0]["namespace"], "default");
  EXPECT_EQ(writes[0]["version"], "v1");
}

TEST_F(EmulatorApiTest, ServiceClusterIpIsAllocatedAndImmutable) {
  json service = {{"apiVersion", "v1"}, {"kind", "Service"}, {"metadata", {{"name", "svc"}}},
                  {"spec", {{"ports", {{{"port", 80}}}}}}};
  json created = Call("POST", "/api/v1/namespaces/default/services", service).Json();
  const std::string ip = created["spec"]["clusterIP"];
  EXPECT_EQ(ip.rfind("10.96.", 0), 0u);
  json replaced = created;
  replaced["spec"].erase("clusterIP");
  replaced["spec"].erase("clusterIPs");
  replaced["spec"]["ports"][0]["port"] = 81;
  HttpResponse kept = Call("PUT", "/api/v1/namespaces/default/services/svc", replaced);
  EXPECT_EQ(kept.Json()["spec"]["clusterIP"], ip);
  ExpectStatus(Call("PATCH", "/api/v1/namespaces/default/services/svc", json{{"spec", {{"clusterIP", "10.0.0.1"}}}},
                    "application/merge-patch+json"),
               422, "Invalid");
}

}  // namespace
}  // namespace kubeemu::testing
