// The emulator's RBAC mode (--authorization rbac) over HTTPS: requests checked against the stored
// Roles, ClusterRoles and bindings, 403 Forbidden Status objects worded like the API server's, the
// decision log at /emulator/authorizations, and the protobuf OpenAPI v2 document clients download.
#include <gtest/gtest.h>

#include "http_test_client.h"
#include "kube-emulator/emulator_process.h"

namespace kubeemu::testing {
namespace {

constexpr char kSaToken[] = "token-operator";
constexpr char kSaUser[] = "system:serviceaccount:seed-system:seed-operator";
constexpr char kAdminToken[] = "token-root";

EmulatorOptions RbacOptions() {
  EmulatorOptions options;
  options.rbac = true;
  options.tokens = {{kSaToken, kSaUser}, {kAdminToken, "root"}};
  options.groups = {{"root", "system:masters,ops"}};
  return options;
}

HttpResponse As(const EmulatorProcess& emulator, const std::string& token, const std::string& method,
                const std::string& path, const json& body = nullptr) {
  HttpOptions options;
  options.token = token;
  return Http(emulator, method, path, body.is_null() ? "" : body.dump(), options);
}

json PodObject(const std::string& name) {
  return {{"apiVersion", "v1"},
          {"kind", "Pod"},
          {"metadata", {{"name", name}}},
          {"spec", {{"containers", json::array()}}}};
}

void GrantPodsInDefault(const EmulatorProcess& emulator) {
  json role = {{"apiVersion", "rbac.authorization.k8s.io/v1"},
               {"kind", "Role"},
               {"metadata", {{"name", "pods"}, {"namespace", "default"}}},
               {"rules", {{{"apiGroups", {""}}, {"resources", {"pods"}}, {"verbs", {"create", "get"}}}}}};
  json binding = {
      {"apiVersion", "rbac.authorization.k8s.io/v1"},
      {"kind", "RoleBinding"},
      {"metadata", {{"name", "pods"}, {"namespace", "default"}}},
      {"roleRef", {{"apiGroup", "rbac.authorization.k8s.io"}, {"kind", "Role"}, {"name", "pods"}}},
      {"subjects", {{{"kind", "ServiceAccount"}, {"name", "seed-operator"}, {"namespace", "seed-system"}}}}};
  ASSERT_EQ(
      emulator.Request("POST", "/apis/rbac.authorization.k8s.io/v1/namespaces/default/roles", role)["kind"],
      "Role");
  ASSERT_EQ(emulator.Request("POST", "/apis/rbac.authorization.k8s.io/v1/namespaces/default/rolebindings",
                             binding)["kind"],
            "RoleBinding");
}

TEST(EmulatorRbacTest, DeniedUntilARoleBindingGrantsTheVerbThenAllowedByThatRule) {
  EmulatorProcess emulator(RbacOptions());
  HttpResponse denied = As(emulator, kSaToken, "POST", "/api/v1/namespaces/default/pods", PodObject("p1"));
  ASSERT_EQ(denied.code, 403) << denied.body;
  json status = denied.Json();
  EXPECT_EQ(status["kind"], "Status");
  EXPECT_EQ(status["reason"], "Forbidden");
  EXPECT_EQ(status["code"], 403);
  EXPECT_EQ(
      status["message"],
      "pods is forbidden: User \"system:serviceaccount:seed-system:seed-operator\" cannot create resource "
      "\"pods\" in API group \"\" in the namespace \"default\"");
  EXPECT_EQ(status["details"]["kind"], "pods");

  GrantPodsInDefault(emulator);
  EXPECT_EQ(As(emulator, kSaToken, "POST", "/api/v1/namespaces/default/pods", PodObject("p1")).code, 201);
  EXPECT_EQ(As(emulator, kSaToken, "GET", "/api/v1/namespaces/default/pods/p1").code, 200);
  HttpResponse no_delete = As(emulator, kSaToken, "DELETE", "/api/v1/namespaces/default/pods/p1");
  EXPECT_EQ(no_delete.code, 403);
  EXPECT_EQ(no_delete.Json()["message"],
            "pods \"p1\" is forbidden: User \"system:serviceaccount:seed-system:seed-operator\" cannot "
            "delete resource "
            "\"pods\" in API group \"\" in the namespace \"default\"");
  EXPECT_EQ(As(emulator, kSaToken, "GET", "/api/v1/namespaces/other/pods/p1").code, 403);

  json log = emulator.Admin("GET", "/authorizations?user=" + std::string(kSaUser));
  ASSERT_EQ(log.size(), 5u) << log.dump(2);
  EXPECT_EQ(log[0]["allowed"], false);
  EXPECT_EQ(log[0]["verb"], "create");
  EXPECT_EQ(log[0]["resource"], "pods");
  EXPECT_EQ(log[0]["namespace"], "default");
  EXPECT_EQ(log[1]["allowed"], true);
  EXPECT_EQ(log[1]["binding"], "RoleBinding/default/pods");
  EXPECT_EQ(log[1]["role"], "Role/default/pods");
  EXPECT_EQ(log[1]["ruleIndex"], 0);
  EXPECT_EQ(log[1]["rule"]["verbs"], json({"create", "get"}));
  EXPECT_EQ(log[2]["verb"], "get");
  EXPECT_EQ(log[2]["name"], "p1");
  EXPECT_EQ(log[3]["allowed"], false);
  EXPECT_EQ(log[4]["namespace"], "other");
  EXPECT_EQ(log[0]["groups"],
            json({"system:serviceaccounts", "system:serviceaccounts:seed-system", "system:authenticated"}));
}

TEST(EmulatorRbacTest, BlockOwnerDeletionNeedsUpdateOnTheOwnersFinalizers) {
  EmulatorProcess emulator(RbacOptions());
  GrantPodsInDefault(emulator);
  auto owned_pod = [](const std::string& name, bool block) {
    json pod = PodObject(name);
    pod["metadata"]["ownerReferences"] = {{{"apiVersion", "v1"},
                                           {"kind", "ConfigMap"},
                                           {"name", "owner"},
                                           {"uid", "u-1"},
                                           {"controller", true},
                                           {"blockOwnerDeletion", block}}};
    return pod;
  };
  EXPECT_EQ(As(emulator, kSaToken, "POST", "/api/v1/namespaces/default/pods", owned_pod("free", false)).code,
            201);
  HttpResponse denied =
      As(emulator, kSaToken, "POST", "/api/v1/namespaces/default/pods", owned_pod("blocking", true));
  ASSERT_EQ(denied.code, 403) << denied.body;
  EXPECT_EQ(denied.Json()["message"],
            "pods \"blocking\" is forbidden: cannot set blockOwnerDeletion if an ownerReference refers to a "
            "resource "
            "you can't set finalizers on: User \"system:serviceaccount:seed-system:seed-operator\" cannot "
            "update resource "
            "\"configmaps/finalizers\" in API group \"\" in the namespace \"default\"");
  json role = {
      {"apiVersion", "rbac.authorization.k8s.io/v1"},
      {"kind", "ClusterRole"},
      {"metadata", {{"name", "owners"}}},
      {"rules", {{{"apiGroups", {""}}, {"resources", {"configmaps/finalizers"}}, {"verbs", {"update"}}}}}};
  json binding = {
      {"apiVersion", "rbac.authorization.k8s.io/v1"},
      {"kind", "ClusterRoleBinding"},
      {"metadata", {{"name", "owners"}}},
      {"roleRef", {{"apiGroup", "rbac.authorization.k8s.io"}, {"kind", "ClusterRole"}, {"name", "owners"}}},
      {"subjects", {{{"kind", "Group"}, {"name", "system:serviceaccounts:seed-system"}}}}};
  emulator.Request("POST", "/apis/rbac.authorization.k8s.io/v1/clusterroles", role);
  emulator.Request("POST", "/apis/rbac.authorization.k8s.io/v1/clusterrolebindings", binding);
  EXPECT_EQ(
      As(emulator, kSaToken, "POST", "/api/v1/namespaces/default/pods", owned_pod("blocking", true)).code,
      201);
  json log = emulator.Admin("GET", "/authorizations?user=" + std::string(kSaUser));
  const json& check = log[log.size() - 1];
  EXPECT_EQ(check["verb"], "update");
  EXPECT_EQ(check["resource"], "configmaps");
  EXPECT_EQ(check["subresource"], "finalizers");
  EXPECT_EQ(check["name"], "owner");
  EXPECT_EQ(check["role"], "ClusterRole/owners");
}

TEST(EmulatorRbacTest, SystemMastersBypassesAndDiscoveryIsOpenToAuthenticatedUsers) {
  EmulatorProcess emulator(RbacOptions());
  EXPECT_EQ(As(emulator, kAdminToken, "DELETE", "/api/v1/namespaces/default/pods").code, 200);
  json admin = emulator.Admin("GET", "/authorizations?user=root");
  ASSERT_EQ(admin.size(), 1u);
  EXPECT_EQ(admin[0]["bypass"], "system:masters");
  EXPECT_EQ(admin[0]["verb"], "deletecollection");

  for (const char* path :
       {"/api", "/api/v1", "/apis", "/apis/rbac.authorization.k8s.io/v1", "/version", "/openapi/v3"}) {
    EXPECT_EQ(As(emulator, kSaToken, "GET", path).code, 200) << path;
  }
  HttpResponse denied = As(emulator, kSaToken, "GET", "/apis/rbac.authorization.k8s.io/v1/clusterroles");
  EXPECT_EQ(denied.code, 403);
  EXPECT_EQ(denied.Json()["message"],
            "clusterroles.rbac.authorization.k8s.io is forbidden: User "
            "\"system:serviceaccount:seed-system:seed-operator\" "
            "cannot list resource \"clusterroles\" in API group \"rbac.authorization.k8s.io\" at the cluster "
            "scope");
  json log = emulator.Admin("GET", "/authorizations?user=" + std::string(kSaUser));
  ASSERT_EQ(log.size(), 7u);
  EXPECT_EQ(log[0]["resourceRequest"], false);
  EXPECT_EQ(log[0]["path"], "/api");
  EXPECT_EQ(log[0]["role"], "ClusterRole/system:discovery");
}

TEST(EmulatorRbacTest, WithoutRbacEveryRequestIsAllowedAndNothingIsRecorded) {
  EmulatorOptions options;
  options.tokens = {{kSaToken, kSaUser}};
  EmulatorProcess emulator(options);
  EXPECT_EQ(As(emulator, kSaToken, "POST", "/api/v1/namespaces/default/pods", PodObject("p1")).code, 201);
  EXPECT_EQ(emulator.Admin("GET", "/authorizations"), json::array());
}

TEST(EmulatorRbacTest, ServesRbacPolicyAndNetworkingKinds) {
  EmulatorProcess emulator(RbacOptions());
  json rbac = As(emulator, kAdminToken, "GET", "/apis/rbac.authorization.k8s.io/v1").Json();
  std::vector<std::string> names;
  for (const auto& resource : rbac["resources"]) names.push_back(resource["name"]);
  EXPECT_EQ(names,
            (std::vector<std::string>{"clusterrolebindings", "clusterroles", "rolebindings", "roles"}));
  json pdb = {{"apiVersion", "policy/v1"},
              {"kind", "PodDisruptionBudget"},
              {"metadata", {{"name", "seed"}}},
              {"spec", {{"maxUnavailable", 1}}}};
  EXPECT_EQ(
      As(emulator, kAdminToken, "POST", "/apis/policy/v1/namespaces/default/poddisruptionbudgets", pdb).code,
      201);
  EXPECT_EQ(
      As(emulator, kAdminToken, "GET", "/apis/networking.k8s.io/v1/namespaces/default/networkpolicies").code,
      200);
}

TEST(EmulatorRbacTest, OpenApiV2IsAMinimalProtobufDocument) {
  EmulatorProcess emulator(RbacOptions());
  HttpResponse doc = As(emulator, kSaToken, "GET", "/openapi/v2");
  ASSERT_EQ(doc.code, 200);
  EXPECT_EQ(doc.headers["content-type"], "application/octet-stream");
  // openapi_v2.Document{swagger: "2.0", info: {title: "test API emulator", version: "v1.32.0"}}.
  const std::string expected = std::string(
                                   "\x0a\x03"
                                   "2.0"
                                   "\x12\x1c\x0a\x11",
                                   9) +
                               "test API emulator" + "\x12\x07" + "v1.32.0";
  EXPECT_EQ(doc.body, expected);
}

}  // namespace
}  // namespace kubeemu::testing
