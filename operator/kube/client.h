#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "kube/clock.h"
#include "kube/config.h"
#include "kube/credentials.h"
#include "kube/http_transport.h"
#include "kube/rate_limiter.h"
#include "kube/resource.h"
#include "kube/result.h"

namespace kube {

struct ListOptions {
  std::string label_selector;
  std::string field_selector;
  int limit = 0;  // 0 = server default (no paging)
  std::string continue_token;
  std::string resource_version;
};

struct WatchOptions {
  std::string resource_version;
  std::string label_selector;
  std::string field_selector;
  bool allow_bookmarks = true;
  int timeout_seconds = 0;                     // server-side end of the stream; 0 = server default
  std::chrono::milliseconds idle_timeout{0};  // client-side cap on silence; 0 = none
};

struct WriteOptions {
  std::string field_manager;
  bool dry_run = false;
};

enum class PatchType { kMerge, kJson, kStrategicMerge, kApply };

struct PatchOptions {
  std::string field_manager;  // required for kApply
  bool force = false;         // kApply only: take ownership of conflicting fields
  std::string subresource;    // "" or "status"
};

struct DeleteOptions {
  std::string propagation_policy;  // "", Foreground, Background, Orphan
  std::optional<std::string> precondition_uid;
  std::optional<std::string> precondition_resource_version;
  std::optional<int64_t> grace_period_seconds;
};

struct WatchEvent {
  std::string type;  // ADDED, MODIFIED, DELETED, BOOKMARK
  Json object;
};

// A REST client for any resource, in the shape of client-go's dynamic client. Thread-safe.
// Every request: QPS/burst limited, authenticated from the config (token re-read, exec plugin),
// retried on 429 (and 5xx with Retry-After) honouring Retry-After up to 10 times, and a non-2xx
// answer becomes a typed kube::Error parsed from the server's Status.
// Writes first pass the write fence (leader election closes it when the lease is lost).
class Client {
 public:
  Client(RestConfig config, std::shared_ptr<HttpTransport> transport, Clock& clock = RealClock::Instance());
  // A client over libcurl for this config.
  static std::shared_ptr<Client> FromConfig(const RestConfig& config);

  // A client of the same server, transport, credentials and write fence with its own QPS/burst
  // bucket (config().qps and burst, or the given ones): each controller gets one, as KCM gives
  // each controller its own client, so one busy controller never spends another's budget.
  std::shared_ptr<Client> WithOwnRateLimit() const;
  std::shared_ptr<Client> WithOwnRateLimit(double qps, int burst) const;

  Result<Json> Get(const GroupVersionResource& gvr, const std::string& ns, const std::string& name,
                   const std::string& subresource = "");
  // One page; follow metadata.continue for more.
  Result<Json> List(const GroupVersionResource& gvr, const std::string& ns, const ListOptions& options = {});
  // Every page merged into one list; metadata.resourceVersion is the list's consistent version.
  Result<Json> ListAll(const GroupVersionResource& gvr, const std::string& ns, ListOptions options = {});
  Result<Json> Create(const GroupVersionResource& gvr, const std::string& ns, const Json& object,
                      const WriteOptions& options = {});
  // PUT: carries metadata.resourceVersion, so a stale object gets 409 Conflict.
  Result<Json> Replace(const GroupVersionResource& gvr, const std::string& ns, const Json& object,
                       const WriteOptions& options = {}, const std::string& subresource = "");
  Result<Json> ReplaceStatus(const GroupVersionResource& gvr, const std::string& ns, const Json& object,
                             const WriteOptions& options = {});
  Result<Json> Patch(const GroupVersionResource& gvr, const std::string& ns, const std::string& name,
                     PatchType type, const Json& patch, const PatchOptions& options = {});
  // Server-side apply (application/apply-patch+yaml; a JSON body is valid YAML).
  Result<Json> Apply(const GroupVersionResource& gvr, const std::string& ns, const Json& object,
                     const std::string& field_manager, bool force = true, const std::string& subresource = "");
  Result<Json> Delete(const GroupVersionResource& gvr, const std::string& ns, const std::string& name,
                      const DeleteOptions& options = {});
  // Streams a watch until the server ends it, the handler returns false, or cancel. An in-stream
  // ERROR event is returned as its typed error (410 -> IsGone).
  Status Watch(const GroupVersionResource& gvr, const std::string& ns, const WatchOptions& options,
               const std::function<bool(WatchEvent&&)>& on_event, const CancelToken& cancel);
  // Discovery: does /apis/<group>/<version> (or /api/v1) serve <plural>?
  Result<bool> ServerHasResource(const std::string& group, const std::string& version, const std::string& plural);

  // A check run before every write (create, replace, patch, delete). Writes with bypass (the lease
  // itself) skip it. Shared with the clients made by WithOwnRateLimit (either way).
  void SetWriteFence(std::function<Status()> fence);
  Status CheckWriteFence() const;

  // A raw call relative to the server (for writes that must bypass the fence, e.g. the lease).
  Result<Json> Call(const std::string& method, const std::string& path_and_query, const std::string& body,
                    const std::string& content_type, bool bypass_fence = false);

  // A GET whose answer is text rather than an object (pods/NAME/log); errors as for Get.
  Result<std::string> GetText(const std::string& path_and_query);

  const RestConfig& config() const { return config_; }
  Clock& clock() { return clock_; }

  static std::string Path(const GroupVersionResource& gvr, const std::string& ns, const std::string& name = "",
                          const std::string& subresource = "");

 private:
  Result<HttpResponse> Send(HttpRequest request, bool is_write, bool bypass_fence, const CancelToken& cancel,
                            const std::function<bool(std::string_view)>* on_bytes);
  Status Authorize(HttpRequest& request);

  struct Fence {
    std::mutex mu;
    std::function<Status()> check;
  };
  struct SharedWith {};
  Client(const Client& parent, double qps, int burst, SharedWith);

  RestConfig config_;
  std::shared_ptr<HttpTransport> transport_;
  Clock& clock_;
  std::shared_ptr<CredentialSource> credentials_;
  TokenBucket throttle_;
  std::shared_ptr<Fence> fence_ = std::make_shared<Fence>();
};

}  // namespace kube
