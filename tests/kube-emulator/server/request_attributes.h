#pragma once

#include <map>
#include <string>

#include "kube-emulator/server/rbac_authorizer.h"
#include "kube-emulator/server/request_router.h"

namespace kubeemu {

// The authorization attributes of one request, derived as the API server's request info does: a path
// that names no resource (/api, /apis/<group>/<version>, /version, /openapi/...) is a non-resource
// request whose verb is the lower-cased HTTP method; otherwise the verb follows the method and whether
// an object is named (GET: get/list/watch; POST: create; PUT: update; PATCH: patch; DELETE:
// delete/deletecollection). A Namespace's own name is its namespace, and a list or watch with the
// field selector metadata.name=X names X. Pure.
RequestAttributes AttributesOf(const std::string& method, const std::string& path, const Route& route,
                               const std::map<std::string, std::string>& query);

}  // namespace kubeemu
