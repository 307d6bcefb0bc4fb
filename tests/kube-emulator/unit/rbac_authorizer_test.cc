// The RBAC authorizer as a pure function: rules and bindings plus request attributes in, decision out.
#include "kube-emulator/server/rbac_authorizer.h"

#include <gtest/gtest.h>

#include "kube-emulator/server/request_attributes.h"
#include "kube-emulator/server/request_router.h"

namespace kubeemu {
namespace {

constexpr char kOperator[] = "system:serviceaccount:seed-system:seed-operator";

json Role(const std::string& kind, const std::string& ns, const std::string& name, const json& rules) {
  json meta = {{"name", name}};
  if (!ns.empty()) meta["namespace"] = ns;
  return {{"kind", kind}, {"metadata", meta}, {"rules", rules}};
}

json Binding(const std::string& ns, const std::string& name, const std::string& role_kind,
             const std::string& role, const json& subjects) {
  json meta = {{"name", name}};
  if (!ns.empty()) meta["namespace"] = ns;
  return {{"metadata", meta}, {"roleRef", {{"kind", role_kind}, {"name", role}}}, {"subjects", subjects}};
}

json OperatorSubject() {
  return json::array({{{"kind", "ServiceAccount"}, {"name", "seed-operator"}, {"namespace", "seed-system"}}});
}

UserInfo OperatorUser() { return {kOperator, GroupsOf(kOperator, {})}; }

RequestAttributes Resource(const std::string& verb, const std::string& group, const std::string& resource,
                           const std::string& ns, const std::string& name = "",
                           const std::string& subresource = "") {
  RequestAttributes request;
  request.verb = verb;
  request.api_group = group;
  request.resource = resource;
  request.subresource = subresource;
  request.ns = ns;
  request.name = name;
  return request;
}

RequestAttributes Path(const std::string& path) {
  RequestAttributes request;
  request.resource_request = false;
  request.verb = "get";
  request.path = path;
  return request;
}

RbacPolicy ClusterWide(const json& rules) {
  RbacPolicy policy = BootstrapPolicy();
  policy.cluster_roles.push_back(Role("ClusterRole", "", "seed", rules));
  policy.cluster_role_bindings.push_back(Binding("", "seed", "ClusterRole", "seed", OperatorSubject()));
  return policy;
}

TEST(GroupsOfTest, ServiceAccountsGetTheirGroupsAndEveryoneIsAuthenticated) {
  EXPECT_EQ(GroupsOf(kOperator, {}),
            (std::vector<std::string>{"system:serviceaccounts", "system:serviceaccounts:seed-system",
                                      "system:authenticated"}));
  EXPECT_EQ(GroupsOf("alice", {"system:masters"}),
            (std::vector<std::string>{"system:masters", "system:authenticated"}));
  EXPECT_EQ(GroupsOf("system:anonymous", {}), (std::vector<std::string>{"system:unauthenticated"}));
}

TEST(RbacAuthorizerTest, SystemMastersBypassesEveryRule) {
  AuthorizationDecision decision = Authorize(RbacPolicy{}, {"admin", GroupsOf("admin", {"system:masters"})},
                                             Resource("delete", "", "pods", "x", "p"));
  EXPECT_TRUE(decision.allowed);
  EXPECT_EQ(decision.bypass, "system:masters");
}

TEST(RbacAuthorizerTest, ClusterRoleBindingGrantsMatchingVerbGroupAndResourceOnly) {
  RbacPolicy policy =
      ClusterWide(json::array({{{"apiGroups", {""}}, {"resources", {"pods"}}, {"verbs", {"list", "watch"}}},
                               {{"apiGroups", {"apps"}}, {"resources", {"deployments"}}, {"verbs", {"*"}}}}));
  AuthorizationDecision watch = Authorize(policy, OperatorUser(), Resource("watch", "", "pods", ""));
  EXPECT_TRUE(watch.allowed);
  EXPECT_EQ(watch.binding, "ClusterRoleBinding/seed");
  EXPECT_EQ(watch.role, "ClusterRole/seed");
  EXPECT_EQ(watch.rule_index, 0);
  AuthorizationDecision patch =
      Authorize(policy, OperatorUser(), Resource("patch", "apps", "deployments", "ns1", "d"));
  EXPECT_TRUE(patch.allowed);
  EXPECT_EQ(patch.rule_index, 1);
  EXPECT_FALSE(Authorize(policy, OperatorUser(), Resource("create", "", "pods", "ns1")).allowed);
  EXPECT_FALSE(
      Authorize(policy, OperatorUser(), Resource("list", "apps", "pods", "ns1")).allowed);  // wrong group
  EXPECT_FALSE(Authorize(policy, OperatorUser(), Resource("list", "", "services", "ns1")).allowed);
  // Another service account, or the same name in another namespace, gets nothing.
  const std::string other = "system:serviceaccount:other:seed-operator";
  EXPECT_FALSE(Authorize(policy, {other, GroupsOf(other, {})}, Resource("list", "", "pods", "")).allowed);
}

TEST(RbacAuthorizerTest, SubresourcesNeedTheirOwnRuleOrAWildcardResource) {
  RbacPolicy policy = ClusterWide(
      json::array({{{"apiGroups", {"seed.dev"}}, {"resources", {"pipelineruns"}}, {"verbs", {"update"}}},
                   {{"apiGroups", {"seed.dev"}}, {"resources", {"*/status"}}, {"verbs", {"patch"}}}}));
  EXPECT_TRUE(
      Authorize(policy, OperatorUser(), Resource("update", "seed.dev", "pipelineruns", "d", "r")).allowed);
  EXPECT_FALSE(
      Authorize(policy, OperatorUser(), Resource("update", "seed.dev", "pipelineruns", "d", "r", "status"))
          .allowed);
  AuthorizationDecision star =
      Authorize(policy, OperatorUser(), Resource("patch", "seed.dev", "pipelines", "d", "p", "status"));
  EXPECT_TRUE(star.allowed);
  EXPECT_EQ(star.rule_index, 1);
  EXPECT_FALSE(
      Authorize(policy, OperatorUser(), Resource("patch", "seed.dev", "pipelines", "d", "p")).allowed);
}

TEST(RbacAuthorizerTest, ResourceNamesLimitNamedRequestsAndNeverAllowCreateOrList) {
  RbacPolicy policy = ClusterWide(json::array({{{"apiGroups", {"coordination.k8s.io"}},
                                                {"resources", {"leases"}},
                                                {"resourceNames", {"seed-leader"}},
                                                {"verbs", {"get", "update", "create", "list"}}}}));
  EXPECT_TRUE(
      Authorize(policy, OperatorUser(), Resource("get", "coordination.k8s.io", "leases", "s", "seed-leader"))
          .allowed);
  EXPECT_FALSE(
      Authorize(policy, OperatorUser(), Resource("get", "coordination.k8s.io", "leases", "s", "other"))
          .allowed);
  EXPECT_FALSE(
      Authorize(policy, OperatorUser(), Resource("create", "coordination.k8s.io", "leases", "s")).allowed);
  EXPECT_FALSE(
      Authorize(policy, OperatorUser(), Resource("list", "coordination.k8s.io", "leases", "s")).allowed);
}

TEST(RbacAuthorizerTest, RoleBindingsGrantOnlyInTheirNamespaceAndMayReferToClusterRoles) {
  RbacPolicy policy = BootstrapPolicy();
  json rules = json::array({{{"apiGroups", {""}}, {"resources", {"pods"}}, {"verbs", {"create"}}}});
  policy.roles.push_back(Role("Role", "team-a", "seed", rules));
  policy.role_bindings.push_back(Binding("team-a", "seed", "Role", "seed", OperatorSubject()));
  policy.cluster_roles.push_back(
      Role("ClusterRole", "", "reader",
           json::array({{{"apiGroups", {""}}, {"resources", {"services"}}, {"verbs", {"get"}}}})));
  // A ServiceAccount subject without a namespace is one in the binding's namespace.
  std::string local = "system:serviceaccount:team-b:runner";
  policy.role_bindings.push_back(Binding("team-b", "read", "ClusterRole", "reader",
                                         json::array({{{"kind", "ServiceAccount"}, {"name", "runner"}}})));

  AuthorizationDecision in_a = Authorize(policy, OperatorUser(), Resource("create", "", "pods", "team-a"));
  EXPECT_TRUE(in_a.allowed);
  EXPECT_EQ(in_a.binding, "RoleBinding/team-a/seed");
  EXPECT_EQ(in_a.role, "Role/team-a/seed");
  EXPECT_FALSE(Authorize(policy, OperatorUser(), Resource("create", "", "pods", "team-b")).allowed);
  EXPECT_FALSE(
      Authorize(policy, OperatorUser(), Resource("create", "", "pods", "")).allowed);  // all namespaces
  AuthorizationDecision read =
      Authorize(policy, {local, GroupsOf(local, {})}, Resource("get", "", "services", "team-b", "s"));
  EXPECT_TRUE(read.allowed);
  EXPECT_EQ(read.role, "ClusterRole/reader");
  EXPECT_FALSE(Authorize(policy, {local, GroupsOf(local, {})}, Resource("get", "", "services", "team-a", "s"))
                   .allowed);
}

TEST(RbacAuthorizerTest, GroupAndUserSubjects) {
  RbacPolicy policy = BootstrapPolicy();
  policy.cluster_roles.push_back(
      Role("ClusterRole", "", "view",
           json::array({{{"apiGroups", {"*"}}, {"resources", {"*"}}, {"verbs", {"get"}}}})));
  policy.cluster_role_bindings.push_back(
      Binding("", "sa-view", "ClusterRole", "view",
              json::array({{{"kind", "Group"}, {"name", "system:serviceaccounts:seed-system"}}})));
  policy.cluster_role_bindings.push_back(
      Binding("", "bob-view", "ClusterRole", "view", json::array({{{"kind", "User"}, {"name", "bob"}}})));
  EXPECT_TRUE(Authorize(policy, OperatorUser(), Resource("get", "apps", "deployments", "x", "d")).allowed);
  EXPECT_TRUE(
      Authorize(policy, {"bob", GroupsOf("bob", {})}, Resource("get", "", "secrets", "x", "s")).allowed);
  EXPECT_FALSE(
      Authorize(policy, {"carol", GroupsOf("carol", {})}, Resource("get", "", "secrets", "x", "s")).allowed);
}

TEST(RbacAuthorizerTest, DiscoveryIsOpenToAuthenticatedUsersOnly) {
  RbacPolicy policy = BootstrapPolicy();
  for (const char* path : {"/api", "/api/v1", "/apis", "/apis/apps/v1", "/version", "/openapi/v2",
                           "/openapi/v3/apis/seed.dev/v1alpha1"}) {
    AuthorizationDecision decision = Authorize(policy, OperatorUser(), Path(path));
    EXPECT_TRUE(decision.allowed) << path;
    EXPECT_EQ(decision.role, "ClusterRole/system:discovery") << path;
  }
  EXPECT_FALSE(Authorize(policy, OperatorUser(), Path("/metrics")).allowed);
  UserInfo anonymous{"system:anonymous", GroupsOf("system:anonymous", {})};
  EXPECT_FALSE(Authorize(policy, anonymous, Path("/apis")).allowed);
  EXPECT_TRUE(Authorize(policy, anonymous, Path("/version")).allowed);
}

TEST(RbacAuthorizerTest, NonResourceUrlsAreNeverGrantedByRoleBindings) {
  RbacPolicy policy;
  policy.cluster_roles.push_back(Role(
      "ClusterRole", "", "metrics", json::array({{{"nonResourceURLs", {"/metrics"}}, {"verbs", {"get"}}}})));
  policy.role_bindings.push_back(
      Binding("seed-system", "metrics", "ClusterRole", "metrics", OperatorSubject()));
  EXPECT_FALSE(Authorize(policy, OperatorUser(), Path("/metrics")).allowed);
}

TEST(ForbiddenMessageTest, WordedAsTheApiServerWordsIt) {
  UserInfo user = OperatorUser();
  EXPECT_EQ(ForbiddenMessage(user, Resource("get", "", "pods", "default", "p1")),
            "pods \"p1\" is forbidden: User \"system:serviceaccount:seed-system:seed-operator\" cannot get "
            "resource "
            "\"pods\" in API group \"\" in the namespace \"default\"");
  EXPECT_EQ(
      ForbiddenMessage(user, Resource("list", "seed.dev", "pipelines", "")),
      "pipelines.seed.dev is forbidden: User \"system:serviceaccount:seed-system:seed-operator\" cannot list "
      "resource \"pipelines\" in API group \"seed.dev\" at the cluster scope");
  EXPECT_EQ(ForbiddenMessage(user, Resource("update", "seed.dev", "pipelineruns", "d", "r", "status")),
            "pipelineruns.seed.dev \"r\" is forbidden: User "
            "\"system:serviceaccount:seed-system:seed-operator\" cannot "
            "update resource \"pipelineruns/status\" in API group \"seed.dev\" in the namespace \"d\"");
  EXPECT_EQ(
      ForbiddenMessage(user, Path("/metrics")),
      "forbidden: User \"system:serviceaccount:seed-system:seed-operator\" cannot get path \"/metrics\"");
}

TEST(RequestAttributesTest, VerbsNamesAndNamespacesFollowTheRequestInfoRules) {
  auto of = [](const std::string& method, const std::string& path,
               std::map<std::string, std::string> query = {}) {
    return AttributesOf(method, path, ParseRoute(path), query);
  };
  RequestAttributes list = of("GET", "/apis/seed.dev/v1alpha1/pipelines");
  EXPECT_EQ(list.verb, "list");
  EXPECT_EQ(list.api_group, "seed.dev");
  EXPECT_EQ(list.ns, "");
  EXPECT_EQ(of("GET", "/api/v1/namespaces/d/pods", {{"watch", "true"}}).verb, "watch");
  EXPECT_EQ(of("GET", "/api/v1/watch/namespaces/d/pods").verb, "watch");
  RequestAttributes status = of("PUT", "/apis/seed.dev/v1alpha1/namespaces/d/pipelineruns/r/status");
  EXPECT_EQ(status.verb, "update");
  EXPECT_EQ(status.resource, "pipelineruns");
  EXPECT_EQ(status.subresource, "status");
  EXPECT_EQ(status.ns, "d");
  EXPECT_EQ(status.name, "r");
  EXPECT_EQ(of("POST", "/api/v1/namespaces/d/pods").verb, "create");
  EXPECT_EQ(of("PATCH", "/api/v1/namespaces/d/pods/p").verb, "patch");
  EXPECT_EQ(of("DELETE", "/api/v1/namespaces/d/pods").verb, "deletecollection");
  EXPECT_EQ(of("DELETE", "/api/v1/namespaces/d/pods/p").verb, "delete");
  EXPECT_EQ(of("GET", "/api/v1/namespaces/team-a").ns, "team-a");  // a Namespace is in itself
  RequestAttributes pinned = of("GET", "/apis/coordination.k8s.io/v1/namespaces/s/leases",
                                {{"watch", "1"}, {"fieldSelector", "metadata.name=seed-leader"}});
  EXPECT_EQ(pinned.name, "seed-leader");
  RequestAttributes discovery = of("GET", "/apis/apps/v1");
  EXPECT_FALSE(discovery.resource_request);
  EXPECT_EQ(discovery.verb, "get");
  EXPECT_EQ(discovery.path, "/apis/apps/v1");
}

}  // namespace
}  // namespace kubeemu
