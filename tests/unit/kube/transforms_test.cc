#include "kube/transforms.h"

#include <gtest/gtest.h>

namespace kube {
namespace {

TEST(TrimObjectTest, DropsManagedFieldsAndLastApplied) {
  Json o = Json::parse(R"({"metadata":{"name":"a","managedFields":[{}],
      "annotations":{"kubectl.kubernetes.io/last-applied-configuration":"{}"}},"spec":{}})");
  TrimObject(o);
  EXPECT_EQ(o, Json::parse(R"({"metadata":{"name":"a"},"spec":{}})"));
}

TEST(KeepOnlyFieldsTest, KeepsListedPathsThroughArrays) {
  Json pod = Json::parse(R"({"apiVersion":"v1","kind":"Pod",
    "metadata":{"name":"p","namespace":"ns","uid":"u","resourceVersion":"3","labels":{"a":"b"},"managedFields":[{}]},
    "spec":{"containers":[{"name":"c","image":"i","env":[{"name":"X"}]}]},
    "status":{"phase":"Running","containerStatuses":[{"name":"c","state":{"running":{}},"imageID":"sha"}]}})");
  KeepOnlyFields({"metadata.labels", "status.phase", "status.containerStatuses.name",
                  "status.containerStatuses.state", "metadata.absent"})(pod);
  EXPECT_EQ(pod, Json::parse(R"({"apiVersion":"v1","kind":"Pod",
    "metadata":{"name":"p","namespace":"ns","uid":"u","resourceVersion":"3","labels":{"a":"b"}},
    "status":{"phase":"Running","containerStatuses":[{"name":"c","state":{"running":{}}}]}})"));
}

TEST(TrimPodTest, KeepsWhatAPodOwnerReadsAndDropsTheRest) {
  Json pod = Json::parse(R"({"apiVersion":"v1","kind":"Pod",
    "metadata":{"name":"run-train-1","namespace":"ns","uid":"u","resourceVersion":"7","generation":1,
      "creationTimestamp":"2026-01-01T00:15:01Z","deletionTimestamp":"2026-01-01T00:20:00Z",
      "deletionGracePeriodSeconds":30,"finalizers":["f"],
      "labels":{"seed.dev/task":"train","seed.dev/attempt":"1"},
      "annotations":{"seed.dev/spec-hash":"9f2c","kubectl.kubernetes.io/last-applied-configuration":"{}"},
      "ownerReferences":[{"apiVersion":"seed.dev/v1alpha1","kind":"PipelineRun","name":"run","uid":"r",
        "controller":true,"blockOwnerDeletion":true}],
      "managedFields":[{"manager":"seed-operator"}]},
    "spec":{"containers":[{"name":"main","image":"seed-job","env":[{"name":"A","value":"b"}]}],"nodeName":"n"},
    "status":{"phase":"Failed","reason":"DeadlineExceeded","message":"too long","startTime":"2026-01-01T00:15:02Z",
      "hostIP":"10.0.0.1","podIP":"10.244.0.1","qosClass":"Burstable",
      "conditions":[{"type":"Ready","status":"False"}],
      "containerStatuses":[{"name":"main","ready":false,"restartCount":0,"image":"seed-job","imageID":"sha256:x",
        "containerID":"containerd://c",
        "state":{"terminated":{"exitCode":2,"reason":"Error","message":"{\"loss\":1}",
          "startedAt":"2026-01-01T00:15:03Z","finishedAt":"2026-01-01T00:16:00Z"}},
        "lastState":{}}]}})");
  TrimPod(pod);
  EXPECT_EQ(pod, Json::parse(R"({"apiVersion":"v1","kind":"Pod",
    "metadata":{"name":"run-train-1","namespace":"ns","uid":"u","resourceVersion":"7","generation":1,
      "creationTimestamp":"2026-01-01T00:15:01Z","deletionTimestamp":"2026-01-01T00:20:00Z",
      "deletionGracePeriodSeconds":30,"finalizers":["f"],
      "labels":{"seed.dev/task":"train","seed.dev/attempt":"1"},
      "annotations":{"seed.dev/spec-hash":"9f2c"},
      "ownerReferences":[{"apiVersion":"seed.dev/v1alpha1","kind":"PipelineRun","name":"run","uid":"r",
        "controller":true,"blockOwnerDeletion":true}]},
    "status":{"phase":"Failed","reason":"DeadlineExceeded","message":"too long","startTime":"2026-01-01T00:15:02Z",
      "conditions":[{"type":"Ready","status":"False"}],
      "containerStatuses":[{"name":"main","restartCount":0,
        "state":{"terminated":{"exitCode":2,"reason":"Error","message":"{\"loss\":1}",
          "startedAt":"2026-01-01T00:15:03Z","finishedAt":"2026-01-01T00:16:00Z"}},
        "lastState":{}}]}})"));
}

TEST(TrimPodTest, APodWithoutStatusKeepsItsIdentity) {
  Json pod = Json::parse(R"({"apiVersion":"v1","kind":"Pod","metadata":{"name":"p","namespace":"ns"},
    "spec":{"containers":[]}})");
  TrimPod(pod);
  EXPECT_EQ(pod, Json::parse(R"({"apiVersion":"v1","kind":"Pod","metadata":{"name":"p","namespace":"ns"}})"));
}

}  // namespace
}  // namespace kube
