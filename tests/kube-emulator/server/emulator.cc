#include "kube-emulator/server/emulator.h"

#include <charconv>
#include <set>
#include <thread>

#include "kube-emulator/server/api_error.h"
#include "kube-emulator/server/openapi.h"
#include "kube-emulator/server/openapi_v2.h"
#include "kube-emulator/server/request_router.h"
#include "kube-emulator/server/selectors.h"
#include "kube-emulator/server/table.h"

namespace kubeemu {
namespace {

const std::set<std::string> kWriteVerbs = {"create", "update", "patch", "delete", "deletecollection"};

uint64_t ParseUnsigned(const std::string& text, const std::string& what) {
  uint64_t value = 0;
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || end != text.data() + text.size()) {
    throw BadRequest("invalid " + what + " \"" + text + "\": must be a non-negative integer");
  }
  return value;
}

std::string Hex(const std::string& text) {
  static const char* kDigits = "0123456789abcdef";
  std::string out;
  for (unsigned char c : text) {
    out += kDigits[c >> 4];
    out += kDigits[c & 15];
  }
  return out;
}

std::string Unhex(const std::string& text) {
  auto digit = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    return -1;
  };
  std::string out;
  if (text.size() % 2 != 0) throw BadRequest("invalid continue token");
  for (size_t i = 0; i < text.size(); i += 2) {
    int high = digit(text[i]);
    int low = digit(text[i + 1]);
    if (high < 0 || low < 0) throw BadRequest("invalid continue token");
    out += static_cast<char>(high * 16 + low);
  }
  return out;
}

ApiError TooOldResourceVersion(uint64_t asked, uint64_t oldest) {
  return Gone("too old resource version: " + std::to_string(asked) + " (" + std::to_string(oldest + 1) + ")");
}

std::string VerbFor(const std::string& method, const Route& route, const ApiRequest& request) {
  bool named = !route.name.empty();
  std::string watch = request.Query("watch");
  if (method == "GET") {
    if (route.legacy_watch || watch == "true" || watch == "1") return named ? "" : "watch";
    return named ? "get" : "list";
  }
  if (method == "POST") return named ? "" : "create";
  if (method == "PUT") return named ? "update" : "";
  if (method == "PATCH") return named ? "patch" : "";
  if (method == "DELETE") return named ? "delete" : "deletecollection";
  return "";
}

}  // namespace

Emulator::Emulator(EmulatorConfig config)
    : config_(std::move(config)), registry_(config_.gateway_api), store_(config_.history) {
  store_.SetListener([this](const StoreEvent& event) {
    IndexEvent(event);
    audit_.Record(event);
    hub_.Publish(event);
  });
  // The namespaces every cluster starts with.
  std::lock_guard lock(mu_);
  auto type = registry_.Find("", "v1", "namespaces");
  for (const char* name : {"default", "kube-system", "kube-public", "kube-node-lease"}) {
    CreateObject(*type, "", {{"metadata", {{"name", name}}}}, {"emulator", false, "", "v1", ""}, false);
  }
}

void Emulator::IndexEvent(const StoreEvent& event) {
  auto index = [&](const ObjectPtr& object, bool add) {
    if (object == nullptr || !object->is_object()) return;
    const json& meta = (*object)["metadata"];
    ObjectKey key{event.store_key, meta.value("namespace", ""), meta.value("name", "")};
    const std::string uid = meta.value("uid", "");
    if (!uid.empty()) {
      if (add) {
        by_uid_[uid] = key;
      } else {
        by_uid_.erase(uid);
      }
    }
    if (!meta.contains("ownerReferences") || !meta["ownerReferences"].is_array()) return;
    for (const auto& ref : meta["ownerReferences"]) {
      if (!ref.is_object() || !ref.contains("uid") || !ref["uid"].is_string()) continue;
      const std::string owner = ref["uid"].get<std::string>();
      if (add) {
        dependents_[owner].insert(key);
      } else if (auto it = dependents_.find(owner); it != dependents_.end()) {
        it->second.erase(key);
        if (it->second.empty()) dependents_.erase(it);
      }
    }
  };
  index(event.previous, false);
  if (event.type != "DELETED") index(event.object, true);
}

void Emulator::SetServerAddress(const std::string& address) {
  std::lock_guard lock(mu_);
  config_.server_address = address;
}

void Emulator::ExpireNextWatch(ExpireMode mode) {
  std::lock_guard lock(mu_);
  expire_next_watch_ = mode;
}

void Emulator::Compact() {
  std::lock_guard lock(mu_);
  store_.Compact();
}

json Emulator::Present(const ResourceType& type, json object) const {
  object["apiVersion"] = type.ApiVersion();
  object["kind"] = type.kind;
  return object;
}

ObjectPtr Emulator::Present(const ResourceType& type, const ObjectPtr& object) const {
  auto same = [&](const char* key, const std::string& wanted) {
    auto it = object->find(key);
    return it != object->end() && it->is_string() && it->get_ref<const std::string&>() == wanted;
  };
  if (object->is_object() && same("apiVersion", type.ApiVersion()) && same("kind", type.kind)) return object;
  return std::make_shared<const json>(Present(type, *object));
}

ApiResponse Emulator::Handle(const ApiRequest& request) {
  ApiResponse response;
  std::string verb;
  Target target;
  try {
    Route route = ParseRoute(request.path);
    if (config_.rbac) Authorize(request, route);
    switch (route.kind) {
      case Route::Kind::kVersion:
      case Route::Kind::kApiVersions:
      case Route::Kind::kGroupList:
      case Route::Kind::kGroup:
      case Route::Kind::kResourceList:
      case Route::Kind::kOpenApiV3:
      case Route::Kind::kOpenApiV3Doc:
        if (request.method != "GET") throw MethodNotAllowed("the server does not allow this method on the requested resource");
        response.body = Discovery(route);
        return response;
      case Route::Kind::kOpenApiV2:
        if (request.method != "GET")
          throw MethodNotAllowed("the server does not allow this method on the requested resource");
        response.raw_body = MinimalOpenApiV2Protobuf();
        response.raw_content_type = kOpenApiV2ContentType;
        return response;
      case Route::Kind::kResource:
        break;
      case Route::Kind::kUnknown:
        throw ApiError(404, "NotFound", "the server could not find the requested resource");
    }
    auto type = registry_.Find(route.group, route.version, route.plural);
    if (!type) throw ApiError(404, "NotFound", "the server could not find the requested resource");
    if (!type->namespaced && !route.ns.empty()) {
      throw ApiError(404, "NotFound", "the server could not find the requested resource");
    }
    const bool pod_log = route.subresource == "log" && type->group.empty() && type->plural == "pods";
    if (!route.subresource.empty() && !(route.subresource == "status" && type->has_status) && !pod_log) {
      throw ApiError(404, "NotFound", "the server could not find the requested resource");
    }
    target = {*type, route.ns, route.name, route.subresource};
    verb = VerbFor(request.method, route, request);
    if (verb.empty() || (type->namespaced && route.ns.empty() && !route.name.empty()) ||
        (verb == "create" && type->namespaced && route.ns.empty()) ||
        (verb == "watch" && !route.subresource.empty()) || (pod_log && verb != "get")) {
      verb.clear();
      throw MethodNotAllowed("the server does not allow this method on the requested resource");
    }
    if (config_.rbac) CheckBlockOwnerDeletion(request, target, verb);
    if (auto fault = faults_.Check(verb, type->plural, request.user)) throw *fault;
    if (int latency = faults_.latency_ms(); latency > 0) {
      std::this_thread::sleep_for(std::chrono::milliseconds(latency));  // injected latency, on purpose
    }
    // The latency model (a real server's etcd round trip), spent before taking the lock.
    if (auto delay = latency_.Sample(verb); delay > std::chrono::microseconds::zero()) {
      std::this_thread::sleep_for(delay);
    }
    Admit(request, verb, target);
    response = HandleResource(request, verb, target);
  } catch (const ApiError& error) {
    response = ApiResponse{};
    response.code = error.code();
    response.body = error.ToStatus();
    if (error.retry_after_seconds() > 0) response.headers["Retry-After"] = std::to_string(error.retry_after_seconds());
  } catch (const json::exception& error) {
    response = ApiResponse{};
    ApiError bad = BadRequest(std::string("the request body has a field of the wrong type: ") + error.what());
    response.code = bad.code();
    response.body = bad.ToStatus();
  }
  if (kWriteVerbs.count(verb)) {
    const json& body = response.Body();
    WriteRecord record{request.user,
                       verb,
                       target.type.group,
                       target.type.version,
                       target.type.plural,
                       target.subresource,
                       target.ns,
                       target.name,
                       "",
                       response.code};
    const json* meta = nullptr;  // the written object's metadata, when the write succeeded
    if (response.code < 300 && body.is_object() && body.value("kind", "") != "Status") {
      auto it = body.find("metadata");
      if (it != body.end() && it->is_object()) meta = &*it;
    }
    if (record.name.empty() && verb == "create" && (meta == nullptr || !meta->contains("name"))) {
      // A refused create still names what it tried to create. Parsed only then: parsing every created
      // body a second time here was 8 % of the emulator's CPU in a burst of creates.
      json sent = json::parse(request.body, nullptr, false);
      if (sent.is_object() && sent.contains("metadata") && sent["metadata"].is_object()) {
        record.name = sent["metadata"].value("name", "");
      }
    }
    if (meta != nullptr) {
      record.name = meta->value("name", record.name);
      record.resource_version = meta->value("resourceVersion", "");
    }
    if (record.resource_version.empty()) record.resource_version = response.removed_rv;
    writes_.Add(std::move(record));
  }
  return response;
}

ApiResponse Emulator::HandleResource(const ApiRequest& request, const std::string& verb, const Target& target) {
  ApiResponse response;
  // `kubectl get` asks custom resources for a Table (server-side printing of the printer columns).
  const bool table =
      !target.type.crd_name.empty() && target.subresource.empty() && WantsTable(request.accept);
  if (verb == "get" && target.subresource == "log") {
    response = PodLog(target, request);
  } else if (verb == "get") {
    response.body = Get(target);
    if (table)
      response.body =
          ToTable(target.type.printer_columns, response.body, false, std::chrono::system_clock::now());
  } else if (verb == "list") {
    response.body = List(target, request);
    if (table)
      response.body =
          ToTable(target.type.printer_columns, response.body, true, std::chrono::system_clock::now());
  } else if (verb == "watch") {
    response = Watch(target, request);
  } else if (verb == "create") {
    response.object = Create(target, request, &response.code);
  } else if (verb == "update") {
    response.object = Update(target, request);
  } else if (verb == "patch") {
    response.object = Patch(target, request, &response.code);
  } else if (verb == "delete") {
    response.body = Delete(target, request, &response.removed_rv);
  } else if (verb == "deletecollection") {
    response.body = DeleteCollection(target, request);
  }
  return response;
}

json Emulator::Discovery(const Route& route) const {
  switch (route.kind) {
    case Route::Kind::kVersion:
      return {{"major", "1"},
              {"minor", "32"},
              {"gitVersion", "v1.32.0"},
              {"gitCommit", "emulator"},
              {"gitTreeState", "clean"},
              {"buildDate", "2026-01-01T00:00:00Z"},
              {"goVersion", "go1.23"},
              {"compiler", "gc"},
              {"platform", "linux/amd64"}};
    case Route::Kind::kApiVersions:
      return registry_.ApiVersions(config_.server_address);
    case Route::Kind::kGroupList:
      return registry_.GroupList();
    case Route::Kind::kGroup:
      if (auto group = registry_.Group(route.group)) return *group;
      break;
    case Route::Kind::kResourceList:
      if (auto list = registry_.ResourceList(route.group, route.version)) return *list;
      break;
    case Route::Kind::kOpenApiV3:
      return OpenApiV3Index(registry_);
    case Route::Kind::kOpenApiV3Doc:
      if (auto doc = OpenApiV3Document(registry_, route.group, route.version)) return *doc;
      break;
    default:
      break;
  }
  throw ApiError(404, "NotFound", "the server could not find the requested resource");
}

json Emulator::Get(const Target& target) {
  std::lock_guard lock(mu_);
  ObjectPtr object = store_.Get(target.type.StoreKey(), target.ns, target.name);
  if (object == nullptr) throw NotFound(target.type.group, target.type.plural, target.name);
  return Present(target.type, *object);
}

json Emulator::List(const Target& target, const ApiRequest& request) {
  LabelSelector labels = LabelSelector::Parse(request.Query("labelSelector"));
  FieldSelector fields = FieldSelector::Parse(request.Query("fieldSelector"));
  std::string limit_text = request.Query("limit");
  uint64_t limit = limit_text.empty() ? 0 : ParseUnsigned(limit_text, "limit");
  std::string continue_token = request.Query("continue");

  std::lock_guard lock(mu_);
  uint64_t list_rv = store_.CurrentRv();
  std::optional<std::pair<std::string, std::string>> after;
  if (!continue_token.empty()) {
    json token;
    try {
      token = json::parse(Unhex(continue_token));
      list_rv = token.at("rv").get<uint64_t>();
      after = std::make_pair(token.at("ns").get<std::string>(), token.at("name").get<std::string>());
    } catch (const json::exception&) {
      throw BadRequest("invalid continue token");
    }
    if (!store_.HasHistorySince(list_rv)) {
      throw Gone("The provided continue parameter is too old to display a consistent list result. You can "
                 "start a new list without the continue parameter, or use the continue value from the "
                 "response to do the continuation.");
    }
  }
  json items = json::array();
  json meta = {{"resourceVersion", std::to_string(list_rv)}};
  uint64_t remaining = 0;
  for (const json* object : store_.List(target.type.StoreKey(), target.ns, after)) {
    if (!labels.Matches(*object) || !fields.Matches(*object)) continue;
    if (limit > 0 && items.size() >= limit) {
      ++remaining;
      continue;
    }
    items.push_back(Present(target.type, *object));
  }
  if (remaining > 0) {
    const json& last = items.back()["metadata"];
    json token = {{"rv", list_rv}, {"ns", last.value("namespace", "")}, {"name", last.value("name", "")}};
    meta["continue"] = Hex(token.dump());
    meta["remainingItemCount"] = remaining;
  }
  return {{"kind", target.type.kind + "List"},
          {"apiVersion", target.type.ApiVersion()},
          {"metadata", meta},
          {"items", items}};
}

ApiResponse Emulator::Watch(const Target& target, const ApiRequest& request) {
  WatchFilter filter{target.type.StoreKey(),
                     target.type.ApiVersion(),
                     target.type.kind,
                     target.ns,
                     LabelSelector::Parse(request.Query("labelSelector")),
                     FieldSelector::Parse(request.Query("fieldSelector"))};
  if (!target.name.empty()) filter.fields = FieldSelector::Parse("metadata.name=" + target.name);
  std::string timeout_text = request.Query("timeoutSeconds");
  uint64_t timeout = timeout_text.empty() ? 1800 : ParseUnsigned(timeout_text, "timeoutSeconds");
  std::string rv_text = request.Query("resourceVersion");
  std::string bookmarks = request.Query("allowWatchBookmarks");

  std::lock_guard lock(mu_);
  ExpireMode expire = std::exchange(expire_next_watch_, ExpireMode::kNone);
  if (expire == ExpireMode::kStatus) throw Gone("too old resource version: expired on request");
  ApiResponse response;
  response.watch_timeout = std::chrono::seconds(timeout);
  response.bookmarks = bookmarks == "true" || bookmarks == "1";
  if (expire == ExpireMode::kStream) {
    response.watcher = std::make_shared<Watcher>(filter, store_.CurrentRv());
    response.watcher->Finish(json{{"type", "ERROR"}, {"object", Gone("too old resource version: expired on request").ToStatus()}}.dump() + "\n");
    return response;
  }
  if (rv_text.empty() || rv_text == "0") {
    // No version: the current state as ADDED events, then changes.
    response.watcher = std::make_shared<Watcher>(filter, store_.CurrentRv());
    for (const json* object : store_.List(filter.store_key, filter.ns)) {
      if (filter.Matches(*object)) response.watcher->PushLine(RenderEvent("ADDED", *object, filter));
    }
  } else {
    uint64_t rv = ParseUnsigned(rv_text, "resourceVersion");
    if (!store_.HasHistorySince(rv)) throw TooOldResourceVersion(rv, store_.CompactedRv());
    response.watcher = std::make_shared<Watcher>(filter, std::max(rv, store_.CurrentRv()));
    for (const StoreEvent& event : store_.EventsSince(filter.store_key, rv)) response.watcher->Offer(event);
    response.watcher->SetProgress(std::max(rv, store_.CurrentRv()));
  }
  hub_.Add(response.watcher);
  return response;
}

}  // namespace kubeemu
