// The audit trail: it keeps every change of the resources asked for, with the whole object, and a
// compaction of the watch history (which a chaos test does on purpose) takes nothing from it.
#include "kube-emulator/server/audit_trail.h"

#include <gtest/gtest.h>

namespace kubeemu {
namespace {

json Named(const std::string& name, int replicas) {
  return {{"metadata", {{"namespace", "default"}, {"name", name}}}, {"spec", {{"replicas", replicas}}}};
}

TEST(AuditTrailTest, KeepsEveryChangeOfTheWatchedResourcesAcrossACompaction) {
  ObjectStore store(/*history_limit=*/2);
  AuditTrail audit;
  store.SetListener([&](const StoreEvent& event) { audit.Record(event); });
  store.Put("apps/deployments", Named("before", 1));  // before the test asked: not kept
  audit.Watch({"deployments"});
  store.Put("apps/deployments", Named("a", 1));
  store.Put("/services", Named("s", 0));  // not asked for
  store.Compact();
  store.Put("apps/deployments", Named("a", 3));
  store.Put("apps/deployments", Named("b", 1));  // the history (limit 2) drops older events too
  store.Remove("apps/deployments", "default", "a");
  EXPECT_FALSE(store.HasHistorySince(2));

  const json events = audit.ToJson();
  ASSERT_EQ(events.size(), 4u) << events.dump();
  EXPECT_EQ(events[0]["type"], "ADDED");
  EXPECT_EQ(events[1]["type"], "MODIFIED");
  EXPECT_EQ(events[1]["object"]["spec"]["replicas"], 3);
  EXPECT_EQ(events[2]["object"]["metadata"]["name"], "b");
  EXPECT_EQ(events[3]["type"], "DELETED");
  EXPECT_EQ(events[3]["object"]["metadata"]["name"], "a");
  for (size_t i = 1; i < events.size(); ++i) {
    EXPECT_LT(std::stoll(events[i - 1]["resourceVersion"].get<std::string>()),
              std::stoll(events[i]["resourceVersion"].get<std::string>()));
  }
}

TEST(AuditTrailTest, RecordsNothingUntilAskedAndStartsAfreshWhenAskedAgain) {
  ObjectStore store(10);
  AuditTrail audit;
  store.SetListener([&](const StoreEvent& event) { audit.Record(event); });
  store.Put("apps/deployments", Named("a", 1));
  EXPECT_EQ(audit.ToJson(), json::array());
  audit.Watch({"deployments"});
  store.Put("apps/deployments", Named("a", 2));
  audit.Watch({"services"});
  store.Put("apps/deployments", Named("a", 3));
  store.Put("/services", Named("s", 0));
  const json events = audit.ToJson();
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0]["object"]["metadata"]["name"], "s");
}

}  // namespace
}  // namespace kubeemu
