#pragma once

#include <cstdint>

#include <nlohmann/json.hpp>

#include "kube-emulator/server/resource_registry.h"

namespace kubeemu {

using json = nlohmann::json;

// What the API server itself fills in or checks for particular kinds. Pure functions; throw ApiError.

// Names (DNS subdomain, or DNS label for namespaces and services) and label keys and values.
void ValidateMetadata(const ResourceType& type, const json& object);

// Defaults on create: pods start Pending, services get a cluster IP, namespaces are Active and carry the
// `kubernetes` finalizer, deployments default to one replica, CRDs report Established.
void DefaultOnCreate(const ResourceType& type, json& object, uint32_t* next_cluster_ip);

// A Secret's write-only stringData is folded into data (base64; stringData wins a shared key) and
// never stored, as the API server does on create and update. 422 when it is not a map of strings.
void FoldSecretStringData(const ResourceType& type, json& object);

// Server-owned fields survive an update that leaves them out, and may not be changed (a Service's
// clusterIP: 422 field is immutable).
void KeepServerOwnedFields(const ResourceType& type, const json& current, json& updated);

}  // namespace kubeemu
