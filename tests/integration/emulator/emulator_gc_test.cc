// Deletion: finalizers, preconditions, propagation policies, garbage collection, namespaces.
#include <gtest/gtest.h>

#include "http_test_client.h"
#include "kube-emulator/emulator_process.h"
#include "test_objects.h"

namespace kubeemu::testing {
namespace {

json OwnedBy(json object, const json& owner, bool block = false) {
  object["metadata"]["ownerReferences"] = {{{"apiVersion", owner["apiVersion"]},
                                           {"kind", owner["kind"]},
                                           {"name", owner["metadata"]["name"]},
                                           {"uid", owner["metadata"]["uid"]},
                                           {"controller", true},
                                           {"blockOwnerDeletion", block}}};
  return object;
}

class EmulatorGcTest : public ::testing::Test {
 protected:
  json Create(const json& object) { return emulator_.Request("POST", kConfigMaps, object); }
  json Get(const std::string& name) { return emulator_.Request("GET", std::string(kConfigMaps) + "/" + name); }
  bool Exists(const std::string& name) { return Get(name)["kind"] == "ConfigMap"; }
  json Delete(const std::string& name, const json& options = nullptr) {
    return emulator_.Request("DELETE", std::string(kConfigMaps) + "/" + name, options);
  }
  json RemoveFinalizers(const std::string& name) {
    return emulator_.Request("PATCH", std::string(kConfigMaps) + "/" + name,
                             json::array({{{"op", "remove"}, {"path", "/metadata/finalizers"}}}),
                             "application/json-patch+json");
  }

  EmulatorProcess emulator_;
};

TEST_F(EmulatorGcTest, FinalizersKeepTheObjectUntilRemoved) {
  json object = ConfigMap("a");
  object["metadata"]["finalizers"] = {"example.dev/cleanup"};
  Create(object);
  WatchStream watch(emulator_, std::string(kConfigMaps) + "?watch=true&fieldSelector=metadata.name%3Da");
  ASSERT_TRUE(watch.Next());  // the initial ADDED
  json deleting = Delete("a");
  EXPECT_EQ(deleting["kind"], "ConfigMap");
  EXPECT_TRUE(deleting["metadata"].contains("deletionTimestamp"));
  EXPECT_TRUE(Exists("a"));
  auto modified = watch.Next();
  ASSERT_TRUE(modified);
  EXPECT_EQ((*modified)["type"], "MODIFIED");

  // Adding a finalizer while deleting is refused; removing the last one deletes.
  json added = emulator_.Request("PATCH", std::string(kConfigMaps) + "/a",
                                 json{{"metadata", {{"finalizers", {"example.dev/cleanup", "x/y"}}}}},
                                 "application/merge-patch+json");
  EXPECT_EQ(added["code"], 403);
  RemoveFinalizers("a");
  EXPECT_FALSE(Exists("a"));
  auto deleted = watch.Next();
  ASSERT_TRUE(deleted);
  EXPECT_EQ((*deleted)["type"], "DELETED");
}

TEST_F(EmulatorGcTest, PreconditionsOnUidAndResourceVersion) {
  json object = Create(ConfigMap("a"));
  json wrong_uid = Delete("a", {{"preconditions", {{"uid", "00000000-0000-4000-8000-000000000000"}}}});
  EXPECT_EQ(wrong_uid["code"], 409);
  EXPECT_EQ(wrong_uid["reason"], "Conflict");
  json wrong_rv = Delete("a", {{"preconditions", {{"resourceVersion", "1"}}}});
  EXPECT_EQ(wrong_rv["code"], 409);
  EXPECT_TRUE(Exists("a"));
  json ok = Delete("a", {{"preconditions",
                          {{"uid", object["metadata"]["uid"]}, {"resourceVersion", object["metadata"]["resourceVersion"]}}}});
  EXPECT_EQ(ok["status"], "Success");
  EXPECT_FALSE(Exists("a"));
  EXPECT_EQ(Delete("a")["code"], 404);
}

TEST_F(EmulatorGcTest, BackgroundDeletionCollectsDependentsAfterTheOwner) {
  json owner = Create(ConfigMap("owner"));
  Create(OwnedBy(ConfigMap("child"), owner));
  json grandchild_owner = Get("child");
  Create(OwnedBy(ConfigMap("grandchild"), grandchild_owner));
  // A dependent with a second, live owner survives and only loses the dangling reference.
  json other = Create(ConfigMap("other"));
  json shared = OwnedBy(ConfigMap("shared"), owner);
  shared["metadata"]["ownerReferences"].push_back(OwnedBy(ConfigMap("x"), other)["metadata"]["ownerReferences"][0]);
  Create(shared);

  WatchStream watch(emulator_, std::string(kConfigMaps) + "?watch=true&resourceVersion=" +
                                   Get("shared")["metadata"]["resourceVersion"].get<std::string>());
  EXPECT_EQ(Delete("owner", {{"propagationPolicy", "Background"}})["status"], "Success");
  EXPECT_FALSE(Exists("owner"));
  EXPECT_FALSE(Exists("child"));
  EXPECT_FALSE(Exists("grandchild"));
  ASSERT_TRUE(Exists("shared"));
  EXPECT_EQ(Get("shared")["metadata"]["ownerReferences"].size(), 1u);
  EXPECT_EQ(Get("shared")["metadata"]["ownerReferences"][0]["name"], "other");
  auto first = watch.Next();
  ASSERT_TRUE(first);
  EXPECT_EQ((*first)["type"], "DELETED");
  EXPECT_EQ((*first)["object"]["metadata"]["name"], "owner");  // the owner goes first
}

TEST_F(EmulatorGcTest, ForegroundDeletionWaitsForBlockingDependents) {
  json owner = Create(ConfigMap("owner"));
  json child = OwnedBy(ConfigMap("child"), owner, /*block=*/true);
  child["metadata"]["finalizers"] = {"example.dev/hold"};
  Create(child);
  Create(OwnedBy(ConfigMap("loose"), owner, /*block=*/false));

  json deleting = Delete("owner", {{"propagationPolicy", "Foreground"}});
  EXPECT_EQ(deleting["kind"], "ConfigMap");
  json waiting = Get("owner");
  EXPECT_TRUE(waiting["metadata"].contains("deletionTimestamp"));
  EXPECT_EQ(waiting["metadata"]["finalizers"], json::array({"foregroundDeletion"}));
  EXPECT_FALSE(Exists("loose"));
  json held = Get("child");
  EXPECT_TRUE(held["metadata"].contains("deletionTimestamp"));

  RemoveFinalizers("child");
  EXPECT_FALSE(Exists("child"));
  EXPECT_FALSE(Exists("owner"));  // no blocking dependent left
}

TEST_F(EmulatorGcTest, OrphanKeepsDependentsWithoutTheReference) {
  json owner = Create(ConfigMap("owner"));
  Create(OwnedBy(ConfigMap("child"), owner));
  Delete("owner", {{"propagationPolicy", "Orphan"}});
  EXPECT_FALSE(Exists("owner"));
  ASSERT_TRUE(Exists("child"));
  EXPECT_FALSE(Get("child")["metadata"].contains("ownerReferences"));
  EXPECT_EQ(Delete("child", {{"propagationPolicy", "Sideways"}})["code"], 400);
}

TEST_F(EmulatorGcTest, DeletingANamespaceRemovesItsObjects) {
  emulator_.Request("POST", "/api/v1/namespaces", {{"metadata", {{"name", "team"}}}});
  const std::string team = "/api/v1/namespaces/team/configmaps";
  emulator_.Request("POST", team, ConfigMap("a"));
  json held = ConfigMap("held");
  held["metadata"]["finalizers"] = {"example.dev/hold"};
  emulator_.Request("POST", team, held);

  emulator_.Request("DELETE", "/api/v1/namespaces/team");
  json ns = emulator_.Request("GET", "/api/v1/namespaces/team");
  EXPECT_EQ(ns["status"]["phase"], "Terminating");
  EXPECT_EQ(emulator_.Request("GET", team + "/a")["code"], 404);
  json refused = emulator_.Request("POST", team, ConfigMap("new"));
  EXPECT_EQ(refused["code"], 403);
  EXPECT_EQ(refused["reason"], "Forbidden");

  emulator_.Request("PATCH", team + "/held", json::array({{{"op", "remove"}, {"path", "/metadata/finalizers"}}}),
                    "application/json-patch+json");
  EXPECT_EQ(emulator_.Request("GET", "/api/v1/namespaces/team")["code"], 404);
}

}  // namespace
}  // namespace kubeemu::testing
