// Server-side printing of custom resources (what `kubectl get` shows): cells from printer columns
// as the API server computes them.
#include "kube-emulator/server/table.h"

#include <gtest/gtest.h>

namespace kubeemu {
namespace {

using std::chrono::seconds;

TEST(TableTest, HumanDurationMatchesKubernetes) {
  EXPECT_EQ(HumanDuration(seconds(-2)), "<invalid>");  // the future: what a date column prints for it
  EXPECT_EQ(HumanDuration(seconds(-1)), "0s");
  EXPECT_EQ(HumanDuration(seconds(59)), "59s");
  EXPECT_EQ(HumanDuration(seconds(119)), "119s");
  EXPECT_EQ(HumanDuration(seconds(150)), "2m30s");
  EXPECT_EQ(HumanDuration(seconds(600)), "10m");
  EXPECT_EQ(HumanDuration(seconds(3 * 3600 + 1800)), "3h30m");
  EXPECT_EQ(HumanDuration(seconds(30 * 3600)), "30h");
  EXPECT_EQ(HumanDuration(seconds(3 * 86400 + 5 * 3600)), "3d5h");
  EXPECT_EQ(HumanDuration(seconds(400 * 86400)), "400d");
  EXPECT_EQ(HumanDuration(seconds((3 * 365 + 10) * 86400LL)), "3y10d");
}

TEST(TableTest, CellsFromPrinterColumns) {
  const json columns = json::parse(R"([
    {"name": "Schedule", "type": "string", "jsonPath": ".spec.schedule.cron"},
    {"name": "Valid", "type": "string", "jsonPath": ".status.conditions[?(@.type==\"Valid\")].status"},
    {"name": "Replicas", "type": "integer", "jsonPath": ".status.replicas"},
    {"name": "Last", "type": "date", "jsonPath": ".status.lastScheduleTime"},
    {"name": "Next", "type": "date", "jsonPath": ".status.nextScheduleTime"},
    {"name": "Model", "type": "string", "jsonPath": ".spec.model.name", "priority": 1}])");
  const json object = json::parse(R"({"metadata": {"name": "p", "namespace": "wind", "resourceVersion": "7"},
    "spec": {"schedule": {"cron": "*/15 * * * *"}},
    "status": {"replicas": 3, "lastScheduleTime": "2026-12-07T02:45:00Z", "nextScheduleTime": "2026-12-07T03:15:00+00:00",
               "conditions": [{"type": "Ready", "status": "True"}, {"type": "Valid", "status": "False"}]}})");
  const auto now = std::chrono::system_clock::from_time_t(1796612400);  // 2026-12-07T03:00:00Z
  json table = ToTable(columns, object, false, now);
  EXPECT_EQ(table["kind"], "Table");
  EXPECT_EQ(table["apiVersion"], "meta.k8s.io/v1");
  ASSERT_EQ(table["columnDefinitions"].size(), 7u);
  EXPECT_EQ(table["columnDefinitions"][0]["name"], "Name");
  EXPECT_EQ(table["columnDefinitions"][6]["priority"], 1);
  EXPECT_EQ(table["rows"][0]["cells"],
            json::parse(R"(["p", "*/15 * * * *", "False", 3, "15m", "<invalid>", null])"));
  EXPECT_EQ(table["rows"][0]["object"]["metadata"]["name"], "p");

  json list = {
      {"kind", "PipelineList"}, {"metadata", {{"resourceVersion", "9"}}}, {"items", {object, object}}};
  json listed = ToTable(columns, list, true, now);
  EXPECT_EQ(listed["rows"].size(), 2u);
  EXPECT_EQ(listed["metadata"]["resourceVersion"], "9");
  EXPECT_TRUE(WantsTable("application/json;as=Table;v=v1;g=meta.k8s.io,application/json"));
  EXPECT_FALSE(WantsTable("application/json"));
}

}  // namespace
}  // namespace kubeemu
