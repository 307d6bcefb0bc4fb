// kube_bench [PODS]: measures, with the test API emulator over HTTPS and a bearer token,
//  1. cache memory per pod in a kube::Store after an informer-style list of PODS realistic task
//     pods (eight per owning run): raw, trimmed by TrimObject (the informers' default), and trimmed
//     by TrimPod (what Seed's pod cache keeps);
//  2. the cost of reading that cache (Get, ByIndex by owner, List) and of replacing an object;
//  3. events per second through watch -> transform -> store -> handler (the informer's hot path)
//     replaying PODS events, next to the emulator's raw send rate for the same watch read by curl.
#include <malloc.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "kube-emulator/emulator_process.h"
#include "kube/client.h"
#include "kube/config.h"
#include "kube/informer.h"
#include "kube/store.h"
#include "kube/transforms.h"

namespace {

using Clock = std::chrono::steady_clock;

// A UID shaped like the API server's, distinct per run.
std::string RunUid(int run) {
  char uid[40];
  std::snprintf(uid, sizeof(uid), "4f1d2c3b-9a8e-4b7c-8d6f-%012d", run);
  return uid;
}

// A pod as a Seed task pod looks on a real cluster: labels, owner, managedFields from two
// managers, one container with env, mounts and resources, the restricted security context,
// tolerations, and a running status with conditions.
kube::Json TypicalPod(int i) {
  constexpr int kPodsPerRun = 8;
  std::string run = "wind-run-" + std::to_string(i / kPodsPerRun);
  std::string name = run + "-task" + std::to_string(i % kPodsPerRun) + "-1";
  auto pod = kube::Json::parse(R"({
  "apiVersion": "v1", "kind": "Pod",
  "metadata": {
    "labels": {"app.kubernetes.io/managed-by": "seed-operator", "app.kubernetes.io/part-of": "seed",
               "seed.dev/pipelinerun": "wind-run", "seed.dev/task": "train", "seed.dev/attempt": "1"},
    "annotations": {"seed.dev/spec-hash": "9f2c4e1a7b3d5f60", "seed.dev/scheduled-time": "2026-01-01T00:15:00Z"},
    "ownerReferences": [{"apiVersion": "seed.dev/v1alpha1", "kind": "PipelineRun", "name": "wind-run",
                         "uid": "4f1d2c3b-9a8e-4b7c-8d6f-0a1b2c3d4e5f", "controller": true, "blockOwnerDeletion": true}],
    "managedFields": [
      {"manager": "seed-operator", "operation": "Apply", "apiVersion": "v1", "time": "2026-01-01T00:15:01Z",
       "fieldsType": "FieldsV1", "fieldsV1": {"f:metadata": {"f:labels": {"f:app.kubernetes.io/managed-by": {},
       "f:app.kubernetes.io/part-of": {}, "f:seed.dev/attempt": {}, "f:seed.dev/pipelinerun": {}, "f:seed.dev/task": {}},
       "f:ownerReferences": {"k:{\"uid\":\"4f1d2c3b-9a8e-4b7c-8d6f-0a1b2c3d4e5f\"}": {}}},
       "f:spec": {"f:containers": {"k:{\"name\":\"task\"}": {".": {}, "f:args": {}, "f:command": {}, "f:env": {},
       "f:image": {}, "f:name": {}, "f:resources": {}, "f:securityContext": {}, "f:volumeMounts": {}}},
       "f:restartPolicy": {}, "f:securityContext": {}, "f:volumes": {}}}},
      {"manager": "kubelet", "operation": "Update", "apiVersion": "v1", "time": "2026-01-01T00:15:09Z",
       "fieldsType": "FieldsV1", "subresource": "status", "fieldsV1": {"f:status": {"f:conditions": {
       "k:{\"type\":\"ContainersReady\"}": {".": {}, "f:lastProbeTime": {}, "f:lastTransitionTime": {}, "f:status": {}, "f:type": {}},
       "k:{\"type\":\"Initialized\"}": {".": {}, "f:lastProbeTime": {}, "f:lastTransitionTime": {}, "f:status": {}, "f:type": {}},
       "k:{\"type\":\"Ready\"}": {".": {}, "f:lastProbeTime": {}, "f:lastTransitionTime": {}, "f:status": {}, "f:type": {}}},
       "f:containerStatuses": {}, "f:hostIP": {}, "f:phase": {}, "f:podIP": {}, "f:podIPs": {}, "f:startTime": {}}}}
    ]
  },
  "spec": {
    "restartPolicy": "Never", "activeDeadlineSeconds": 3600, "serviceAccountName": "seed-job",
    "nodeName": "node-7", "schedulerName": "default-scheduler", "terminationGracePeriodSeconds": 30,
    "securityContext": {"runAsNonRoot": true, "seccompProfile": {"type": "RuntimeDefault"}},
    "containers": [{
      "name": "task", "image": "registry.example.com/seed-job:0.1.0", "imagePullPolicy": "IfNotPresent",
      "command": ["seed-job", "train"],
      "args": ["--data", "/seed/workspace/wind-run/qc/clean.csv", "--out", "/seed/workspace/wind-run/train/model",
               "--quantiles", "0.1,0.5,0.9"],
      "env": [{"name": "SEED_RUN", "value": "wind-run"}, {"name": "SEED_TASK", "value": "train"},
              {"name": "SEED_ATTEMPT", "value": "1"}, {"name": "SEED_SCHEDULED_TIME", "value": "2026-01-01T00:15:00Z"},
              {"name": "SEED_WORKSPACE", "value": "/seed/workspace"}, {"name": "SEED_RESULTS_FILE", "value": "/seed/results.json"}],
      "resources": {"requests": {"cpu": "500m", "memory": "256Mi"}, "limits": {"memory": "1Gi"}},
      "volumeMounts": [{"name": "workspace", "mountPath": "/seed/workspace"},
                       {"name": "kube-api-access-x7k2p", "mountPath": "/var/run/secrets/kubernetes.io/serviceaccount", "readOnly": true}],
      "securityContext": {"allowPrivilegeEscalation": false, "readOnlyRootFilesystem": true, "capabilities": {"drop": ["ALL"]}},
      "terminationMessagePath": "/seed/results.json", "terminationMessagePolicy": "File"}],
    "volumes": [{"name": "workspace", "persistentVolumeClaim": {"claimName": "wind-run-workspace"}},
                {"name": "kube-api-access-x7k2p", "projected": {"defaultMode": 420, "sources": [
                  {"serviceAccountToken": {"expirationSeconds": 3607, "path": "token"}},
                  {"configMap": {"name": "kube-root-ca.crt", "items": [{"key": "ca.crt", "path": "ca.crt"}]}},
                  {"downwardAPI": {"items": [{"path": "namespace", "fieldRef": {"apiVersion": "v1", "fieldPath": "metadata.namespace"}}]}}]}}],
    "tolerations": [{"key": "node.kubernetes.io/not-ready", "operator": "Exists", "effect": "NoExecute", "tolerationSeconds": 300},
                    {"key": "node.kubernetes.io/unreachable", "operator": "Exists", "effect": "NoExecute", "tolerationSeconds": 300}]
  },
  "status": {
    "phase": "Running", "hostIP": "10.0.3.7", "podIP": "10.244.3.41", "podIPs": [{"ip": "10.244.3.41"}],
    "startTime": "2026-01-01T00:15:02Z", "qosClass": "Burstable",
    "conditions": [
      {"type": "Initialized", "status": "True", "lastProbeTime": null, "lastTransitionTime": "2026-01-01T00:15:02Z"},
      {"type": "Ready", "status": "True", "lastProbeTime": null, "lastTransitionTime": "2026-01-01T00:15:09Z"},
      {"type": "ContainersReady", "status": "True", "lastProbeTime": null, "lastTransitionTime": "2026-01-01T00:15:09Z"},
      {"type": "PodScheduled", "status": "True", "lastProbeTime": null, "lastTransitionTime": "2026-01-01T00:15:02Z"}],
    "containerStatuses": [{"name": "task", "ready": true, "restartCount": 0, "started": true,
      "image": "registry.example.com/seed-job:0.1.0",
      "imageID": "registry.example.com/seed-job@sha256:3b1f0c9e8d7a6b5c4d3e2f1a0b9c8d7e6f5a4b3c2d1e0f9a8b7c6d5e4f3a2b1c",
      "containerID": "containerd://9c8b7a6f5e4d3c2b1a0f9e8d7c6b5a4f3e2d1c0b9a8f7e6d5c4b3a2f1e0d9c8b",
      "state": {"running": {"startedAt": "2026-01-01T00:15:08Z"}}, "lastState": {}}]
  }
})");
  pod["metadata"]["name"] = name;
  pod["metadata"]["namespace"] = "bench";
  pod["metadata"]["labels"]["seed.dev/pipelinerun"] = run;
  pod["metadata"]["ownerReferences"][0]["name"] = run;
  pod["metadata"]["ownerReferences"][0]["uid"] = RunUid(i / kPodsPerRun);
  return pod;
}

size_t HeapInUse() { return mallinfo2().uordblks; }

// Fills a store from the list items with a transform; returns bytes of heap per object.
double BytesPerObject(const kube::Json& items, const kube::Transform& transform) {
  malloc_trim(0);
  size_t before = HeapInUse();
  auto store = std::make_unique<kube::Store>();
  for (const auto& item : items) {
    kube::Json copy = item;
    if (transform) transform(copy);
    store->Upsert(std::make_shared<const kube::Json>(std::move(copy)));
  }
  malloc_trim(0);
  size_t after = HeapInUse();
  return static_cast<double>(after - before) / static_cast<double>(items.size());
}

double Seconds(Clock::time_point since) {
  return std::chrono::duration<double>(Clock::now() - since).count();
}

// Reads and replaces through a store filled the way an informer fills it; prints the cost per call.
void ReadCost(const char* label, const kube::Json& items, const kube::Transform& transform) {
  kube::Store store;
  std::vector<std::string> keys;
  std::vector<std::string> owners;
  std::vector<kube::ObjectPtr> objects;
  for (const auto& item : items) {
    kube::Json copy = item;
    if (transform) transform(copy);
    auto object = std::make_shared<const kube::Json>(std::move(copy));
    keys.push_back(kube::ObjectKey(*object));
    std::string owner = kube::ControllerOwnerUid(*object);
    if (owners.empty() || owners.back() != owner) owners.push_back(owner);
    objects.push_back(object);
    store.Upsert(object);
  }
  std::shuffle(keys.begin(), keys.end(), std::mt19937(7));
  size_t seen = 0;  // keeps the reads from being optimised away
  auto t = Clock::now();
  for (const auto& key : keys) seen += store.Get(key)->size();
  double get_us = Seconds(t) * 1e6 / keys.size();
  t = Clock::now();
  for (const auto& owner : owners) seen += store.ByIndex(kube::kIndexControllerOwner, owner).size();
  double by_owner_us = Seconds(t) * 1e6 / owners.size();
  constexpr int kLists = 5;
  t = Clock::now();
  for (int i = 0; i < kLists; ++i) seen += store.List().size();
  double list_ms = Seconds(t) * 1e3 / kLists;
  t = Clock::now();
  for (const auto& object : objects) seen += store.Upsert(object) != nullptr;
  double upsert_us = Seconds(t) * 1e6 / objects.size();
  // For scale: the deep copy a reconciler makes of a cached object before changing it.
  t = Clock::now();
  for (const auto& object : objects) {
    kube::Json copy = *object;
    seen += copy.size();
  }
  double copy_us = Seconds(t) * 1e6 / objects.size();
  std::printf(
      "  %-10s Get %6.2f us   ByIndex(owner, %zu pods) %6.2f us   List(%zu) %7.2f ms   Upsert(replace) %6.2f "
      "us"
      "   (deep copy of one object %5.2f us)\n",
      label, get_us, items.size() / owners.size(), by_owner_us, items.size(), list_ms, upsert_us, copy_us);
  if (seen == 0) std::printf("(nothing read)\n");
}

}  // namespace

int main(int argc, char** argv) {
  std::setvbuf(stdout, nullptr, _IOLBF, 0);  // figures appear as they are measured
  int pods = argc > 1 ? std::atoi(argv[1]) : 10000;
  kubeemu::EmulatorOptions options;
  options.tokens = {{"tok-admin", "admin"}, {"tok-bench", "bench"}};
  options.history = pods + 100;
  kubeemu::EmulatorProcess emu(options);
  auto config = kube::LoadKubeconfig({emu.WriteKubeconfig(emu.Dir() + "/kubeconfig", "tok-bench")});
  if (!config.ok()) {
    std::cerr << config.error().ToString() << "\n";
    return 1;
  }
  config->qps = 0;
  auto client = kube::Client::FromConfig(*config);
  const auto podsResource = kube::PodsResource();
  (void)client->Create({"", "v1", "namespaces", false, "Namespace"}, "",
                       {{"apiVersion", "v1"}, {"kind", "Namespace"}, {"metadata", {{"name", "bench"}}}});
  auto start_rv = (*client->List(podsResource, "bench"))["metadata"].value("resourceVersion", "0");

  std::printf("creating %d pods...\n", pods);
  auto t0 = Clock::now();
  for (int i = 0; i < pods; ++i) {
    auto r = client->Create(podsResource, "bench", TypicalPod(i));
    if (!r.ok()) {
      std::cerr << "create failed: " << r.error().ToString() << "\n";
      return 1;
    }
  }
  double create_s = std::chrono::duration<double>(Clock::now() - t0).count();
  std::printf("created in %.1f s (%.0f creates/s, sequential, one connection)\n", create_s, pods / create_s);

  // 1. Memory.
  auto list = client->ListAll(podsResource, "bench", {"", "", 500, "", ""});
  const auto& items = (*list)["items"];
  kube::Json trimmed_one = items[0];
  kube::TrimObject(trimmed_one);
  kube::Json pod_one = items[0];
  kube::TrimPod(pod_one);
  double raw = BytesPerObject(items, nullptr);
  double trimmed = BytesPerObject(items, kube::TrimObject);
  double pod_trimmed = BytesPerObject(items, kube::TrimPod);
  auto sizes = [](const kube::Json& o) {
    return std::to_string(o.dump().size()) + " B JSON, " + std::to_string(kube::Json::to_msgpack(o).size()) +
           " B MessagePack";
  };
  std::printf("\none pod: raw %s; TrimObject %s; TrimPod %s\n", sizes(items[0]).c_str(),
              sizes(trimmed_one).c_str(), sizes(pod_one).c_str());
  std::printf("cache memory per pod at %zu pods (heap bytes of a kube::Store, indexes included):\n",
              items.size());
  std::printf(
      "  raw        %8.0f B\n  TrimObject %8.0f B   (informer default: managedFields, last-applied dropped)\n"
      "  TrimPod    %8.0f B   (what a controller of task pods reads)\n",
      raw, trimmed, pod_trimmed);

  std::printf("\nstore cost per call at %zu pods:\n", items.size());
  ReadCost("TrimObject", items, kube::TrimObject);
  ReadCost("TrimPod", items, kube::TrimPod);

  // 2. Throughput: replay every ADDED event from start_rv.
  // Bookmarks (every second while idle) make curl notice that head has exited; the time is taken
  // when head has read the last event, not when curl ends.
  std::string url =
      emu.Url() +
      "/api/v1/namespaces/bench/pods?watch=true&allowWatchBookmarks=true&resourceVersion=" + start_rv;
  std::string end_file = emu.Dir() + "/curl_end_ns";
  std::string curl = "timeout 60 sh -c \"curl -sN --cacert " + emu.CaFile() +
                     " -H 'Authorization: Bearer tok-bench' '" + url + "' | { head -n " +
                     std::to_string(pods) + " > /dev/null; date +%s%N > " + end_file + "; }\"";
  double curl_s = 0;
  for (int rep = 0; rep < 3; ++rep) {
    auto c0 = std::chrono::system_clock::now();
    if (std::system(curl.c_str()) != 0) std::cerr << "curl failed\n";
    std::ifstream end_in(end_file);
    long long end_ns = 0;
    end_in >> end_ns;
    double s = end_ns / 1e9 - std::chrono::duration<double>(c0.time_since_epoch()).count();
    curl_s = rep == 0 ? s : std::min(curl_s, s);
  }

  double ours_s = 0;
  for (int rep = 0; rep < 3; ++rep) {
    kube::Store store;
    size_t handled = 0;
    auto transform = kube::TrimObject;
    kube::WatchOptions wo;
    wo.resource_version = start_rv;
    wo.allow_bookmarks = true;
    kube::CancelToken cancel;
    auto c0 = Clock::now();
    // The informer's per-event path: parse, transform, build the shared object, upsert, call handler.
    auto status = client->Watch(
        podsResource, "bench", wo,
        [&](kube::WatchEvent&& e) {
          if (e.type != "ADDED" && e.type != "MODIFIED") return true;
          transform(e.object);
          auto obj = std::make_shared<const kube::Json>(std::move(e.object));
          store.Upsert(obj);
          ++handled;  // the handler: an enqueue would go here
          return handled < static_cast<size_t>(pods);
        },
        cancel);
    (void)status;
    double s = std::chrono::duration<double>(Clock::now() - c0).count();
    ours_s = rep == 0 ? s : std::min(ours_s, s);
  }
  std::printf("\nwatch replay of %d ADDED pod events (best of 3):\n", pods);
  std::printf("  emulator raw send rate (curl | head): %8.0f events/s  (%.3f s)\n", pods / curl_s, curl_s);
  std::printf("  watch -> TrimObject -> store -> handler: %8.0f events/s  (%.3f s)\n", pods / ours_s, ours_s);
  return 0;
}
