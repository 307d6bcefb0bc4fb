#include "kube/client.h"

#include <spdlog/spdlog.h>

#include "kube/curl_transport.h"

namespace kube {

namespace {

constexpr int kMaxRetries = 10;  // client-go's limit for 429 / Retry-After

const char* PatchContentType(PatchType type) {
  switch (type) {
    case PatchType::kMerge: return "application/merge-patch+json";
    case PatchType::kJson: return "application/json-patch+json";
    case PatchType::kStrategicMerge: return "application/strategic-merge-patch+json";
    case PatchType::kApply: return "application/apply-patch+yaml";
  }
  return "application/merge-patch+json";
}

void AddQuery(std::string& query, const std::string& key, const std::string& value) {
  if (value.empty()) return;
  query += query.empty() ? "?" : "&";
  query += key + "=" + UrlEncode(value);
}

Result<Json> ParseBody(const HttpResponse& response) {
  if (response.body.empty()) return Json::object();
  auto json = Json::parse(response.body, nullptr, false);
  if (json.is_discarded()) return MakeError(ErrorCode::kDecode, "response is not JSON");
  return json;
}

// What every event but ERROR must carry, as a typed decoder (client-go's) would insist: an object
// whose metadata's identifying fields are strings. Anything else ends the watch with a decode error
// rather than reaching the informer's store.
bool IsWellFormedObject(const Json& object) {
  if (!object.is_object()) return false;
  auto meta = object.find("metadata");
  if (meta == object.end()) return true;
  if (!meta->is_object()) return false;
  for (const char* field : {"name", "namespace", "resourceVersion", "uid"}) {
    auto value = meta->find(field);
    if (value != meta->end() && !value->is_string()) return false;
  }
  return true;
}

std::string NameOf(const Json& object) {
  auto meta = object.find("metadata");
  if (meta == object.end() || !meta->is_object()) return "";
  return meta->value("name", "");
}

}  // namespace

Client::Client(RestConfig config, std::shared_ptr<HttpTransport> transport, Clock& clock)
    : config_(std::move(config)),
      transport_(std::move(transport)),
      clock_(clock),
      credentials_(MakeCredentialSource(config_, clock)),
      throttle_(clock, config_.qps, config_.burst) {}

std::shared_ptr<Client> Client::FromConfig(const RestConfig& config) {
  return std::make_shared<Client>(config, MakeCurlTransport(config.tls));
}

Client::Client(const Client& parent, double qps, int burst, SharedWith)
    : config_(parent.config_),
      transport_(parent.transport_),
      clock_(parent.clock_),
      credentials_(parent.credentials_),
      throttle_(parent.clock_, qps, burst),
      fence_(parent.fence_) {
  config_.qps = qps;
  config_.burst = burst;
}

std::shared_ptr<Client> Client::WithOwnRateLimit() const {
  return WithOwnRateLimit(config_.qps, config_.burst);
}

std::shared_ptr<Client> Client::WithOwnRateLimit(double qps, int burst) const {
  return std::shared_ptr<Client>(new Client(*this, qps, burst, SharedWith{}));
}

std::string Client::Path(const GroupVersionResource& gvr, const std::string& ns, const std::string& name,
                         const std::string& subresource) {
  std::string path = gvr.group.empty() ? "/api/" + gvr.version : "/apis/" + gvr.group + "/" + gvr.version;
  if (gvr.namespaced && !ns.empty()) path += "/namespaces/" + UrlEncode(ns);
  path += "/" + gvr.resource;
  if (!name.empty()) path += "/" + UrlEncode(name);
  if (!subresource.empty()) path += "/" + subresource;
  return path;
}

void Client::SetWriteFence(std::function<Status()> fence) {
  std::lock_guard lock(fence_->mu);
  fence_->check = std::move(fence);
}

Status Client::CheckWriteFence() const {
  std::function<Status()> fence;
  {
    std::lock_guard lock(fence_->mu);
    fence = fence_->check;
  }
  if (!fence) return {};
  return fence();
}

Status Client::Authorize(HttpRequest& request) {
  if (!credentials_) return {};
  auto creds = credentials_->Get();
  if (!creds.ok()) return creds.error();
  if (!creds->bearer_token.empty()) request.headers.emplace_back("Authorization", "Bearer " + creds->bearer_token);
  request.client_cert_pem = creds->client_cert_pem;
  request.client_key_pem = creds->client_key_pem;
  return {};
}

Result<HttpResponse> Client::Send(HttpRequest base, bool is_write, bool bypass_fence, const CancelToken& cancel,
                                  const std::function<bool(std::string_view)>* on_bytes) {
  base.headers.emplace_back("Accept", "application/json");
  base.headers.emplace_back("User-Agent", config_.user_agent);
  bool reauthorized = false;
  for (int attempt = 0;; ++attempt) {
    if (is_write && !bypass_fence) {
      if (auto fence = CheckWriteFence(); !fence.ok()) return fence.error();
    }
    if (cancel.Cancelled()) return MakeError(ErrorCode::kCancelled, "request cancelled");
    throttle_.Wait();
    HttpRequest request = base;
    if (auto s = Authorize(request); !s.ok()) return s.error();
    auto start = clock_.Now();
    auto response = on_bytes ? transport_->Stream(request, *on_bytes, cancel) : transport_->Do(request, cancel);
    if (!response.ok()) {
      spdlog::debug("kube request failed method={} url={} error={}", base.method, base.url,
                    response.error().ToString());
      return response.error();
    }
    spdlog::debug("kube request method={} url={} status={} ms={}", base.method, base.url, response->status,
                  std::chrono::duration_cast<std::chrono::milliseconds>(clock_.Now() - start).count());
    int status = response->status;
    if (status >= 200 && status < 300) return response;
    if (status == 401 && credentials_ && !reauthorized) {
      credentials_->Invalidate();  // a rotated token or an expired exec credential: fetch again once
      reauthorized = true;
      continue;
    }
    auto error = ErrorFromResponse(status, response->body, response->Header("Retry-After"));
    bool retryable = (status == 429 || status >= 500) && error.retry_after.has_value();
    if (!retryable || attempt + 1 >= kMaxRetries) return error;
    spdlog::debug("kube request throttled by server method={} url={} status={} retry_after_ms={}", base.method,
                  base.url, status, error.retry_after->count());
    // Sleep in slices so a shutdown (cancel) never waits out a long Retry-After.
    Clock::Duration remaining = *error.retry_after;
    while (remaining > Clock::Duration::zero()) {
      if (cancel.Cancelled()) return MakeError(ErrorCode::kCancelled, "request cancelled");
      Clock::Duration step = std::min<Clock::Duration>(remaining, std::chrono::seconds(1));
      clock_.SleepFor(step);
      remaining -= step;
    }
  }
}

Result<Json> Client::Call(const std::string& method, const std::string& path_and_query, const std::string& body,
                          const std::string& content_type, bool bypass_fence) {
  HttpRequest request;
  request.method = method;
  request.url = config_.server + path_and_query;
  request.body = body;
  if (!content_type.empty()) request.headers.emplace_back("Content-Type", content_type);
  bool is_write = method != "GET";
  auto response = Send(std::move(request), is_write, bypass_fence, CancelToken(), nullptr);
  if (!response.ok()) return response.error();
  return ParseBody(*response);
}

Result<std::string> Client::GetText(const std::string& path_and_query) {
  HttpRequest request;
  request.method = "GET";
  request.url = config_.server + path_and_query;
  auto response = Send(std::move(request), false, false, CancelToken(), nullptr);
  if (!response.ok()) return response.error();
  return std::move(response->body);
}

Result<Json> Client::Get(const GroupVersionResource& gvr, const std::string& ns, const std::string& name,
                         const std::string& subresource) {
  return Call("GET", Path(gvr, ns, name, subresource), "", "");
}

Result<Json> Client::List(const GroupVersionResource& gvr, const std::string& ns, const ListOptions& options) {
  std::string query;
  AddQuery(query, "labelSelector", options.label_selector);
  AddQuery(query, "fieldSelector", options.field_selector);
  if (options.limit > 0) AddQuery(query, "limit", std::to_string(options.limit));
  AddQuery(query, "continue", options.continue_token);
  AddQuery(query, "resourceVersion", options.resource_version);
  return Call("GET", Path(gvr, ns) + query, "", "");
}

Result<Json> Client::ListAll(const GroupVersionResource& gvr, const std::string& ns, ListOptions options) {
  Json merged;
  Json items = Json::array();
  for (int page = 0;; ++page) {
    auto list = List(gvr, ns, options);
    if (!list.ok()) return list.error();
    if (!list->contains("items") || !(*list)["items"].is_array()) {
      if (list->contains("items") && (*list)["items"].is_null()) (*list)["items"] = Json::array();
      else return MakeError(ErrorCode::kDecode, "list of " + gvr.ToString() + " has no items array");
    }
    for (auto& item : (*list)["items"]) items.push_back(std::move(item));
    std::string next;
    if (auto meta = list->find("metadata"); meta != list->end() && meta->is_object()) {
      next = meta->value("continue", "");
    }
    if (page == 0) merged = std::move(*list);
    else merged["metadata"] = (*list)["metadata"];
    if (next.empty()) break;
    options.continue_token = next;
    options.resource_version.clear();  // the continue token pins the version
  }
  merged["items"] = std::move(items);
  if (merged.contains("metadata")) merged["metadata"].erase("continue");
  return merged;
}

Result<Json> Client::Create(const GroupVersionResource& gvr, const std::string& ns, const Json& object,
                            const WriteOptions& options) {
  std::string query;
  AddQuery(query, "fieldManager", options.field_manager);
  if (options.dry_run) AddQuery(query, "dryRun", "All");
  return Call("POST", Path(gvr, ns) + query, object.dump(), "application/json");
}

Result<Json> Client::Replace(const GroupVersionResource& gvr, const std::string& ns, const Json& object,
                             const WriteOptions& options, const std::string& subresource) {
  std::string name = NameOf(object);
  if (name.empty()) return MakeError(ErrorCode::kInvalidArgument, "replace: object has no metadata.name");
  std::string query;
  AddQuery(query, "fieldManager", options.field_manager);
  if (options.dry_run) AddQuery(query, "dryRun", "All");
  return Call("PUT", Path(gvr, ns, name, subresource) + query, object.dump(), "application/json");
}

Result<Json> Client::ReplaceStatus(const GroupVersionResource& gvr, const std::string& ns, const Json& object,
                                   const WriteOptions& options) {
  return Replace(gvr, ns, object, options, "status");
}

Result<Json> Client::Patch(const GroupVersionResource& gvr, const std::string& ns, const std::string& name,
                           PatchType type, const Json& patch, const PatchOptions& options) {
  if (type == PatchType::kApply && options.field_manager.empty()) {
    return MakeError(ErrorCode::kInvalidArgument, "server-side apply needs a field manager");
  }
  if (type != PatchType::kApply && options.force) {
    return MakeError(ErrorCode::kInvalidArgument, "force is only valid for server-side apply");
  }
  std::string query;
  AddQuery(query, "fieldManager", options.field_manager);
  if (options.force) AddQuery(query, "force", "true");
  return Call("PATCH", Path(gvr, ns, name, options.subresource) + query, patch.dump(), PatchContentType(type));
}

Result<Json> Client::Apply(const GroupVersionResource& gvr, const std::string& ns, const Json& object,
                           const std::string& field_manager, bool force, const std::string& subresource) {
  std::string name = NameOf(object);
  if (name.empty()) return MakeError(ErrorCode::kInvalidArgument, "apply: object has no metadata.name");
  if (!object.contains("apiVersion") || !object.contains("kind")) {
    return MakeError(ErrorCode::kInvalidArgument, "apply: object needs apiVersion and kind");
  }
  return Patch(gvr, ns, name, PatchType::kApply, object, {field_manager, force, subresource});
}

Result<Json> Client::Delete(const GroupVersionResource& gvr, const std::string& ns, const std::string& name,
                            const DeleteOptions& options) {
  Json body = {{"kind", "DeleteOptions"}, {"apiVersion", "v1"}};
  if (!options.propagation_policy.empty()) body["propagationPolicy"] = options.propagation_policy;
  if (options.precondition_uid) body["preconditions"]["uid"] = *options.precondition_uid;
  if (options.precondition_resource_version) {
    body["preconditions"]["resourceVersion"] = *options.precondition_resource_version;
  }
  if (options.grace_period_seconds) body["gracePeriodSeconds"] = *options.grace_period_seconds;
  return Call("DELETE", Path(gvr, ns, name), body.dump(), "application/json");
}

Status Client::Watch(const GroupVersionResource& gvr, const std::string& ns, const WatchOptions& options,
                     const std::function<bool(WatchEvent&&)>& on_event, const CancelToken& cancel) {
  std::string query = "?watch=true";
  AddQuery(query, "resourceVersion", options.resource_version);
  AddQuery(query, "labelSelector", options.label_selector);
  AddQuery(query, "fieldSelector", options.field_selector);
  if (options.allow_bookmarks) AddQuery(query, "allowWatchBookmarks", "true");
  if (options.timeout_seconds > 0) AddQuery(query, "timeoutSeconds", std::to_string(options.timeout_seconds));
  HttpRequest request;
  request.url = config_.server + Path(gvr, ns) + query;
  request.timeout = options.timeout_seconds > 0 ? std::chrono::seconds(options.timeout_seconds + 30)
                                                : std::chrono::milliseconds(0);
  request.idle_timeout = options.idle_timeout;

  std::string buffer;
  std::optional<Error> stream_error;
  std::function<bool(std::string_view)> on_bytes = [&](std::string_view bytes) {
    buffer.append(bytes);
    size_t start = 0;
    for (size_t nl; (nl = buffer.find('\n', start)) != std::string::npos; start = nl + 1) {
      std::string_view line(buffer.data() + start, nl - start);
      if (line.empty() || line == "\r") continue;
      auto json = Json::parse(line, nullptr, false);
      if (!json.is_object() || !json.contains("type")) {
        stream_error = MakeError(ErrorCode::kDecode, "watch stream line is not a watch event");
        return false;
      }
      if (!json["type"].is_string()) {
        stream_error = MakeError(ErrorCode::kDecode, "watch stream event has no string \"type\"");
        return false;
      }
      WatchEvent event{json["type"].get<std::string>(), std::move(json["object"])};
      if (event.type == "ERROR") {
        // The object should be a Status; anything else (null, a bare string) is still an error.
        const auto code = event.object.is_object() ? event.object.find("code") : event.object.end();
        const int status = code != event.object.end() && code->is_number_integer() ? code->get<int>() : 500;
        stream_error = ErrorFromResponse(status, event.object.dump(), "");
        return false;
      }
      if (!IsWellFormedObject(event.object)) {
        stream_error =
            MakeError(ErrorCode::kDecode, "watch event " + event.type + " carries no well-formed object");
        return false;
      }
      if (!on_event(std::move(event))) return false;
    }
    buffer.erase(0, start);
    return true;
  };
  auto response = Send(std::move(request), false, false, cancel, &on_bytes);
  if (stream_error) return *stream_error;
  if (!response.ok()) return response.error();
  return {};
}

Result<bool> Client::ServerHasResource(const std::string& group, const std::string& version,
                                       const std::string& plural) {
  std::string path = group.empty() ? "/api/" + version : "/apis/" + group + "/" + version;
  auto list = Call("GET", path, "", "");
  if (!list.ok()) {
    if (IsNotFound(list.error())) return false;
    return list.error();
  }
  if (auto resources = list->find("resources"); resources != list->end() && resources->is_array()) {
    for (const auto& r : *resources) {
      if (r.is_object() && r.value("name", "") == plural) return true;
    }
  }
  return false;
}

}  // namespace kube
