// Create, update, patch and server-side apply.
#include <algorithm>

#include "kube-emulator/server/api_error.h"
#include "kube-emulator/server/builtin_rules.h"
#include "kube-emulator/server/emulator.h"
#include "kube-emulator/server/field_validation.h"
#include "kube-emulator/server/object_meta.h"
#include "kube-emulator/server/patch.h"

namespace kubeemu {
namespace {

std::string MediaType(const std::string& content_type) {
  std::string type = content_type.substr(0, content_type.find(';'));
  while (!type.empty() && type.back() == ' ') type.pop_back();
  return type;
}

json ParseBody(const ApiRequest& request) {
  std::string type = MediaType(request.content_type);
  if (request.body.empty()) throw BadRequest("the request has no body; send the object as JSON");
  if (type == "application/yaml" || type == "application/apply-patch+yaml") return ParseYamlDocument(request.body);
  if (!type.empty() && type != "application/json" && type != "*/*") throw UnsupportedMediaType(request.content_type);
  try {
    return json::parse(request.body);
  } catch (const json::parse_error& error) {
    throw BadRequest(std::string("the request body is not valid JSON: ") + error.what());
  }
}

// The body's apiVersion and kind, when given, must be the URL's.
// fieldValidation=Strict (what kubectl sends by default): a custom resource with fields its schema
// does not declare is a 400, as the API server's strict decoding. Ignore and Warn accept them.
void CheckStrictFields(const ResourceType& type, const json& object, const ApiRequest& request) {
  if (request.Query("fieldValidation") != "Strict" || !type.schema.is_object()) return;
  std::vector<std::string> unknown = UnknownFields(type.schema, object);
  if (!unknown.empty()) throw BadRequest(StrictDecodingMessage(type.kind, type.version, unknown));
}

void CheckKind(const ResourceType& type, const json& body) {
  if (!body.is_object()) throw BadRequest("the request body must be a JSON object");
  if (body.contains("kind") && body["kind"] != type.kind) {
    throw BadRequest("the kind in the body (" + body["kind"].dump() + ") does not match the URL's kind \"" +
                     type.kind + "\"");
  }
  if (body.contains("apiVersion") && body["apiVersion"].is_string()) {
    std::string api_version = body["apiVersion"].get<std::string>();
    std::string group = api_version.find('/') == std::string::npos ? "" : api_version.substr(0, api_version.find('/'));
    if (group != type.group) {
      throw BadRequest("the API version in the data (" + api_version + ") does not match the expected API version (" +
                       type.ApiVersion() + ")");
    }
  }
  if (body.contains("metadata") && !body["metadata"].is_object()) throw BadRequest("metadata must be an object");
}

void CheckName(const json& body, const std::string& url_name) {
  std::string name = body["metadata"].value("name", "");
  if (!name.empty() && name != url_name) {
    throw BadRequest("the name of the object (" + name + ") does not match the name on the URL (" + url_name + ")");
  }
}

void CheckResourceVersion(const ResourceType& type, const json& current, const json& requested) {
  std::string wanted = requested["metadata"].value("resourceVersion", "");
  if (!wanted.empty() && wanted != current["metadata"].value("resourceVersion", "")) {
    throw Conflict(type.group, type.plural, current["metadata"].value("name", ""),
                   "the object has been modified; please apply your changes to the latest version and try again");
  }
}

bool IsDryRun(const ApiRequest& request) { return request.Query("dryRun") == "All"; }

}  // namespace

ApplyRequest Emulator::ManagerFor(const ApiRequest& request, const Target& target) const {
  std::string manager = request.Query("fieldManager");
  if (manager.empty()) {
    manager = request.user_agent.substr(0, request.user_agent.find('/'));
    if (manager.empty()) manager = "unknown";
  }
  return {manager, request.Query("force") == "true", target.subresource, target.type.ApiVersion(),
          NowRfc3339()};
}

void Emulator::CheckNamespaceWritable(const std::string& ns) const {
  ObjectPtr namespace_object = store_.Get("/namespaces", "", ns);
  if (namespace_object == nullptr) throw NotFound("", "namespaces", ns);
  if (namespace_object->at("metadata").contains("deletionTimestamp")) {
    ApiError error = Forbidden("unable to create new content in namespace " + ns + " because it is being terminated");
    error.WithCause("NamespaceTerminating", "namespace " + ns + " is being terminated", "metadata.namespace");
    throw error;
  }
}

ObjectPtr Emulator::Create(const Target& target, const ApiRequest& request, int* code) {
  json body = ParseBody(request);
  CheckKind(target.type, body);
  CheckStrictFields(target.type, body, request);
  std::lock_guard lock(mu_);
  ObjectPtr created =
      CreateObject(target.type, target.ns, std::move(body), ManagerFor(request, target), IsDryRun(request));
  *code = 201;
  ProcessPendingDeletions();
  return created;
}

ObjectPtr Emulator::CreateObject(const ResourceType& type, const std::string& url_ns, json object,
                                 const ApplyRequest& manager, bool dry_run) {
  json& meta = object["metadata"];
  if (!meta.value("resourceVersion", "").empty()) {
    throw BadRequest("resourceVersion should not be set on objects to be created");
  }
  std::string ns;
  if (type.namespaced) {
    std::string body_ns = meta.value("namespace", "");
    if (!body_ns.empty() && body_ns != url_ns) {
      throw BadRequest("the namespace of the provided object (" + body_ns +
                       ") does not match the namespace sent on the request (" + url_ns + ")");
    }
    ns = url_ns;
    meta["namespace"] = ns;
  } else {
    meta.erase("namespace");
  }
  std::string name = meta.value("name", "");
  if (name.empty()) {
    std::string prefix = meta.value("generateName", "");
    if (prefix.empty()) {
      throw Invalid(type.group, type.kind, "", "metadata.name", "Required value: name or generateName is required");
    }
    for (int attempt = 0; attempt < 20 && (name.empty() || store_.Get(type.StoreKey(), ns, name)); ++attempt) {
      name = prefix + RandomSuffix();
    }
    meta["name"] = name;
  }
  ValidateMetadata(type, object);
  if (type.namespaced) CheckNamespaceWritable(ns);
  if (store_.Get(type.StoreKey(), ns, name) != nullptr) throw AlreadyExists(type.group, type.plural, name);

  if (type.has_status) object.erase("status");
  for (const char* server_owned : {"uid", "creationTimestamp", "deletionTimestamp", "deletionGracePeriodSeconds",
                                   "selfLink"}) {
    meta.erase(server_owned);
  }
  // An apply that creates arrives with its managedFields already computed (and no manager here).
  if (!manager.manager.empty()) meta.erase("managedFields");
  meta["uid"] = NewUid();
  meta["creationTimestamp"] = NowRfc3339();
  meta["generation"] = 1;
  FoldSecretStringData(type, object);
  object = Present(type, std::move(object));
  DefaultOnCreate(type, object, &next_cluster_ip_);
  if (!manager.manager.empty()) RecordUpdate(nullptr, object, manager);
  if (dry_run) return std::make_shared<const json>(std::move(object));
  if (type.StoreKey() == "apiextensions.k8s.io/customresourcedefinitions") registry_.ServeCrd(object);

  return Present(type, store_.Put(type.StoreKey(), std::move(object)));
}

json Emulator::MergeForSubresource(const ResourceType& type, const json& current, json requested,
                                   const std::string& subresource) const {
  if (subresource == "status") {
    json out = current;
    if (requested.contains("status")) {
      out["status"] = requested["status"];
    } else {
      out.erase("status");
    }
    return out;
  }
  json& meta = requested["metadata"];
  const json& current_meta = current["metadata"];
  for (const char* server_owned : {"uid", "creationTimestamp", "deletionTimestamp", "deletionGracePeriodSeconds",
                                   "generation", "managedFields", "resourceVersion", "name", "namespace"}) {
    if (current_meta.contains(server_owned)) {
      meta[server_owned] = current_meta[server_owned];
    } else {
      meta.erase(server_owned);
    }
  }
  if (type.has_status) {
    if (current.contains("status")) {
      requested["status"] = current["status"];
    } else {
      requested.erase("status");
    }
  }
  KeepServerOwnedFields(type, current, requested);
  FoldSecretStringData(type, requested);
  return Present(type, std::move(requested));
}

ObjectPtr Emulator::CommitUpdate(const ResourceType& type, const ObjectPtr& current_object, json updated,
                                 bool dry_run) {
  const json& current = *current_object;
  ValidateMetadata(type, updated);
  const json& meta = updated["metadata"];
  if (meta.contains("deletionTimestamp") && meta.contains("finalizers") && current["metadata"].contains("finalizers")) {
    // While deleting, finalizers may only be removed.
    for (const auto& finalizer : meta["finalizers"]) {
      const json& before = current["metadata"]["finalizers"];
      if (std::find(before.begin(), before.end(), finalizer) == before.end()) {
        throw Forbidden("no new finalizers can be added if the object is being deleted, found new finalizers " +
                        finalizer.dump());
      }
    }
  }
  if (!SameSpec(current, updated)) {
    updated["metadata"]["generation"] = current["metadata"].value("generation", 0) + 1;
  }
  if (dry_run) return std::make_shared<const json>(std::move(updated));
  ObjectPtr current_presented = Present(type, current_object);
  if (updated == *current_presented) return current_presented;

  const std::string ns = meta.value("namespace", "");
  const std::string name = meta.value("name", "");
  bool is_crd = type.StoreKey() == "apiextensions.k8s.io/customresourcedefinitions";
  if (is_crd) {
    registry_.RemoveCrd(name);
    try {
      registry_.ServeCrd(updated);
    } catch (const ApiError&) {
      registry_.ServeCrd(current);
      throw;
    }
  }
  bool finalized = meta.contains("deletionTimestamp") &&
                   (!meta.contains("finalizers") || meta["finalizers"].empty());
  if (finalized) {
    return std::make_shared<const json>(
        Present(type, RemoveObject(ObjectKey{type.StoreKey(), ns, name}, 0, &updated)));
  }
  return Present(type, store_.Put(type.StoreKey(), std::move(updated)));
}

ObjectPtr Emulator::Update(const Target& target, const ApiRequest& request) {
  json body = ParseBody(request);
  CheckKind(target.type, body);
  CheckStrictFields(target.type, body, request);
  CheckName(body, target.name);
  std::lock_guard lock(mu_);
  ObjectPtr current = store_.Get(target.type.StoreKey(), target.ns, target.name);
  if (current == nullptr) throw NotFound(target.type.group, target.type.plural, target.name);
  const json& before = *current;  // held by `current`; stored objects never change
  CheckResourceVersion(target.type, before, body);
  if (!target.type.crd_name.empty() && body["metadata"].value("resourceVersion", "").empty()) {
    throw Invalid(target.type.group, target.type.kind, target.name, "metadata.resourceVersion",
                  "Invalid value: 0x0: must be specified for an update");
  }
  json updated = MergeForSubresource(target.type, before, std::move(body), target.subresource);
  RecordUpdate(before, updated, ManagerFor(request, target));
  ObjectPtr result = CommitUpdate(target.type, current, std::move(updated), IsDryRun(request));
  ProcessPendingDeletions();
  return result;
}

ObjectPtr Emulator::Patch(const Target& target, const ApiRequest& request, int* code) {
  const std::string type = MediaType(request.content_type);
  const ApplyRequest manager = ManagerFor(request, target);
  if (type == "application/apply-patch+yaml") {
    if (request.Query("fieldManager").empty()) {
      throw Invalid("meta.k8s.io", "PatchOptions", "", "fieldManager", "Required value: is required for apply patch");
    }
    json applied = ParseBody(request);
    CheckKind(target.type, applied);
    CheckStrictFields(target.type, applied, request);
    if (!applied.contains("apiVersion") || !applied.contains("kind")) {
      throw BadRequest("an apply patch must set apiVersion and kind");
    }
    CheckName(applied, target.name);
    applied["metadata"]["name"] = target.name;
    std::lock_guard lock(mu_);
    ObjectPtr current = store_.Get(target.type.StoreKey(), target.ns, target.name);
    if (current == nullptr) {
      if (!target.subresource.empty()) throw NotFound(target.type.group, target.type.plural, target.name);
      json object = ServerSideApply(nullptr, applied, manager, target.type.group, target.type.plural);
      object["metadata"]["name"] = target.name;
      if (applied["metadata"].contains("generateName")) object["metadata"].erase("generateName");
      *code = 201;
      ObjectPtr created =
          CreateObject(target.type, target.ns, std::move(object), ApplyRequest{}, IsDryRun(request));
      ProcessPendingDeletions();
      return created;
    }
    const json& before = *current;  // held by `current`; stored objects never change
    CheckResourceVersion(target.type, before, applied);
    json view = applied;
    if (target.subresource == "status") {
      view = {{"apiVersion", applied["apiVersion"]}, {"kind", applied["kind"]}, {"metadata", {{"name", target.name}}}};
      if (applied.contains("status")) view["status"] = applied["status"];
    } else if (target.type.has_status) {
      view.erase("status");
    }
    json merged = ServerSideApply(before, view, manager, target.type.group, target.type.plural);
    json updated = MergeForSubresource(target.type, before, merged, target.subresource);
    if (merged["metadata"].contains("managedFields")) {
      updated["metadata"]["managedFields"] = merged["metadata"]["managedFields"];
    } else {
      updated["metadata"].erase("managedFields");
    }
    ObjectPtr result = CommitUpdate(target.type, current, std::move(updated), IsDryRun(request));
    ProcessPendingDeletions();
    return result;
  }

  json patch;
  try {
    patch = json::parse(request.body);
  } catch (const json::parse_error& error) {
    throw BadRequest(std::string("the patch is not valid JSON: ") + error.what());
  }
  std::lock_guard lock(mu_);
  ObjectPtr current = store_.Get(target.type.StoreKey(), target.ns, target.name);
  if (current == nullptr) throw NotFound(target.type.group, target.type.plural, target.name);
  const json& before = *current;  // held by `current`; stored objects never change
  json patched;
  if (type == "application/merge-patch+json") {
    if (!patch.is_object()) throw BadRequest("a merge patch must be a JSON object");
    patched = ApplyMergePatch(Present(target.type, before), patch);
  } else if (type == "application/strategic-merge-patch+json") {
    if (!patch.is_object()) throw BadRequest("a strategic merge patch must be a JSON object");
    patched = ApplyStrategicMergePatch(Present(target.type, before), patch);
  } else if (type == "application/json-patch+json") {
    patched = ApplyJsonPatch(Present(target.type, before), patch);
  } else {
    throw UnsupportedMediaType(request.content_type);
  }
  if (!patched.is_object() || !patched.contains("metadata") || !patched["metadata"].is_object()) {
    throw ApiError(422, "Invalid", "the patch removed the object's metadata");
  }
  CheckResourceVersion(target.type, before, patched);
  CheckStrictFields(target.type, patched, request);
  json updated = MergeForSubresource(target.type, before, std::move(patched), target.subresource);
  RecordUpdate(before, updated, manager);
  ObjectPtr result = CommitUpdate(target.type, current, std::move(updated), IsDryRun(request));
  ProcessPendingDeletions();
  return result;
}

}  // namespace kubeemu
