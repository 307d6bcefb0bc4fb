#pragma once
// The children of an InferenceService, exactly as the operator creates them. Two families:
//  - stable, named `<serviceType>-<model.name>` whatever the version: the Service clients use, the
//    `<name>-external` Service (expose) and the HTTPRoute (host, with the Gateway API installed).
//    Their names (and so their addresses) survive a model upgrade; their selectors follow the
//    version that owns traffic (TrafficView::serving).
//  - per version, named `<stable>-<digits of model.version>`: the Deployment, a Service selecting
//    only that version's pods (the HTTPRoute's canary backend), and the HPA (min < max) only while
//    that version owns traffic (no autoscaler scales a version that takes no traffic, and none
//    fights the operator over the incoming version's replicas).
// With spec.stream (the edge mode: seed-job stream, MQTT in and out) only the Deployment exists: no
// Service, HPA or HTTPRoute, and no HTTP probes.
// Pure: no I/O, same input -> same objects.
#include <nlohmann/json.hpp>
#include <string>
#include <utility>
#include <vector>

#include "api/inference_service.h"

namespace seed::render {

inline constexpr char kInferenceServiceLabel[] = "seed.dev/inferenceservice";
// A pvc:// model's claim is mounted read-only here; seed-job serve resolves pvc:// the same way. An
// s3:// or https:// model is downloaded into an emptyDir here (as kRemoteModelFile) by the init
// container kModelFetchContainer (seed-job fetch, checking model.sha256) before the server starts.
inline constexpr char kModelMountPath[] = "/mnt/models";
inline constexpr char kModelVolumeName[] = "seed-model";
inline constexpr char kRemoteModelFile[] = "/mnt/models/model.json";
inline constexpr char kModelFetchContainer[] = "model-fetch";
// model.secretRef (S3 credentials) is mounted here for the init container (SEED_S3_CREDENTIALS_DIR).
inline constexpr char kModelCredentialsPath[] = "/var/run/seed/s3";
inline constexpr char kModelCredentialsVolume[] = "s3-credentials";
// spec.stream.secretRef is mounted here and passed as seed-job stream --credentials-dir.
inline constexpr char kStreamCredentialsPath[] = "/var/run/seed/mqtt";
inline constexpr char kStreamCredentialsVolume[] = "mqtt-credentials";

struct InferenceServiceOptions {
  std::string default_image = "seed-job:0.1.0";  // the operator's --job-image
  bool gateway_api_available = false;            // gateway.networking.k8s.io/v1 HTTPRoute is served
  // Gateways the HTTPRoute attaches to, e.g. [{name: seed-gateway, namespace: gateway-system}].
  nlohmann::json gateway_parent_refs = nlohmann::json::array();
  std::string gpu_resource = "nvidia.com/gpu";
};

// Who owns the traffic, decided by the controller's rollout (from the observed children). The
// default is the steady state: this version serves everything.
struct TrafficView {
  std::string serving;  // version child name the stable Services select; empty: this version
  // While another version owns traffic, this version's Deployment carries this replica count
  // (the serving version's current count) instead of an HPA; 0 means replicas.min.
  int64_t incoming_replicas = 0;
  // HTTPRoute backends during a canary: version child names and their percent of this
  // InferenceService's share. Empty: the stable Service takes the whole share.
  std::vector<std::pair<std::string, int64_t>> route_versions;
  // False after a rollback: this version gets no Deployment and no version Service.
  bool render_version = true;
};

// Each member is the full object, or null when that child must not exist (the controller
// deletes a child it finds that renders null).
struct InferenceServiceChildren {
  std::string name;          // the stable name: Service, `-external` Service, HTTPRoute
  std::string version_name;  // this version's Deployment, version Service and HPA
  nlohmann::json deployment;
  nlohmann::json version_service;
  nlohmann::json service;
  nlohmann::json external_service;
  nlohmann::json hpa;
  nlohmann::json route;
};

// `<serviceType>-<model.name>-<digits of model.version>` (v2.1 -> serving-wind-wf01-21): the
// version's children. Past 63 characters the prefix is cut and an 8-digit hash keeps it unique.
std::string InferenceServiceChildName(const api::InferenceServiceSpec& spec);
// `<serviceType>-<model.name>` (serving-wind-wf01): the stable children, shortened the same way.
std::string InferenceServiceStableName(const api::InferenceServiceSpec& spec);
// The annotation on a version's Deployment naming its model.version (status reports versions).
inline constexpr char kModelVersionAnnotation[] = "seed.dev/model-version";
// `<name>-external`, shortened the same way when it would pass 63 characters.
std::string ExternalServiceName(const std::string& child_name);
// The model file path inside the pod: /mnt/models/<path> for pvc://claim/<path>, the path for
// file://, and the URI itself for anything else.
std::string ModelPathInPod(const std::string& uri);

InferenceServiceChildren RenderInferenceService(const api::InferenceService& isvc,
                                                const InferenceServiceOptions& options,
                                                const TrafficView& view = {});

// Where clients reach the service: http://<host> when routed, else the cluster-local Service URL.
std::string InferenceServiceUrl(const api::InferenceService& isvc, const InferenceServiceOptions& options);
// The cluster-local Service URL: http://<stable name>.<namespace>.svc.cluster.local.
std::string InferenceServiceLocalUrl(const api::InferenceService& isvc);

}  // namespace seed::render
