#pragma once
// The children of an InferenceService, exactly as the operator creates them: a Deployment, a
// Service, and when asked for an HPA (min < max), a `<name>-external` Service (expose) and an
// HTTPRoute (host, with the Gateway API installed). Pure: no I/O, same input -> same objects.
#include <nlohmann/json.hpp>
#include <string>

#include "api/inference_service.h"

namespace seed::render {

inline constexpr char kInferenceServiceLabel[] = "seed.dev/inferenceservice";
// A pvc:// model's claim is mounted read-only here; seed-job serve resolves pvc:// the same way.
inline constexpr char kModelMountPath[] = "/mnt/models";
inline constexpr char kModelVolumeName[] = "seed-model";

struct InferenceServiceOptions {
  std::string default_image = "seed-job:0.1.0";  // the operator's --job-image
  bool gateway_api_available = false;            // gateway.networking.k8s.io/v1 HTTPRoute is served
  // Gateways the HTTPRoute attaches to, e.g. [{name: seed-gateway, namespace: gateway-system}].
  nlohmann::json gateway_parent_refs = nlohmann::json::array();
  std::string gpu_resource = "nvidia.com/gpu";
};

// Each member is the full object, or null when that child must not exist (the controller
// deletes a child it finds that renders null).
struct InferenceServiceChildren {
  std::string name;  // the shared child name
  nlohmann::json deployment;
  nlohmann::json service;
  nlohmann::json external_service;
  nlohmann::json hpa;
  nlohmann::json route;
};

// `<serviceType>-<model.name>-<digits of model.version>` (v2.1 -> serving-wind-wf01-21); past 63
// characters the prefix is cut and an 8-digit hash of the full name keeps it unique.
std::string InferenceServiceChildName(const api::InferenceServiceSpec& spec);
// `<name>-external`, shortened the same way when it would pass 63 characters.
std::string ExternalServiceName(const std::string& child_name);
// The model file path inside the pod: /mnt/models/<path> for pvc://claim/<path>, the path for
// file://, and the URI itself for anything else.
std::string ModelPathInPod(const std::string& uri);

InferenceServiceChildren RenderInferenceService(const api::InferenceService& isvc, const InferenceServiceOptions& options);

// Where clients reach the service: http://<host> when routed, else the cluster-local Service URL.
std::string InferenceServiceUrl(const api::InferenceService& isvc, const InferenceServiceOptions& options);
// The cluster-local Service URL: http://<child name>.<namespace>.svc.cluster.local.
std::string InferenceServiceLocalUrl(const api::InferenceService& isvc);

}  // namespace seed::render
