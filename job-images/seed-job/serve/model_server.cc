#include "serve/model_server.h"

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <mutex>
#include <thread>

#include "serve/http_server.h"
#include "serve/oip.h"
#include "serve/route.h"
#include "serve/server_metrics.h"

namespace seed::serve {

namespace {

// Per worker thread: buffers reused across requests so the infer path does not reallocate them.
thread_local InferRequest t_request;
thread_local std::vector<double> t_predictions;

void SendError(HttpResponse& res, int status, std::string_view message) {
  res.status = status;
  res.body = ErrorBody(message);
}

// Bodies up to this many times --max-body-bytes are read and answered with the JSON 413; larger
// ones are refused by the HTTP layer itself (its own 413 page), which bounds what a request can
// make the server buffer.
constexpr size_t kBufferedBodyFactor = 4;

}  // namespace

struct ModelServer::Impl {
  ServerOptions options;
  ModelLoader loader;
  HttpServer http;
  ServerMetrics metrics;
  // The served model. Each request holds its own reference, so a reload swaps it while requests
  // in flight finish on the model they started with; the old one is freed after the last of them.
  std::atomic<std::shared_ptr<const ServedModel>> model;
  std::atomic<ModelState> state{ModelState::kLoading};
  std::atomic<bool> draining{false};

  mutable std::mutex mutex;  // guards load_error, on_settled, and the wait below
  mutable std::condition_variable settled;
  std::string load_error;
  std::function<void(ModelState)> on_settled;

  std::mutex stop_mutex;
  std::thread load_thread;

  Impl(ServerOptions o, ModelLoader l)
      : options(std::move(o)),
        loader(std::move(l)),
        http(HttpServerOptions{.host = options.host,
                               .port = options.port,
                               .threads = options.threads,
                               .max_buffered_body_bytes = std::max(
                                   options.max_body_bytes, options.max_body_bytes * kBufferedBodyFactor),
                               // A proxy may still send on its pooled connections when the drain
                               // starts (Kubernetes removes the endpoint while the pod stops).
                               .drain_keeps_idle_connections = true},
             [this](const HttpRequest& req, HttpResponse& res) { Handle(req, res); }) {}

  bool Ready() const { return state.load(std::memory_order_acquire) == ModelState::kReady && !draining.load(); }

  std::string NotReadyMessage() const {
    if (draining.load()) return "the server is shutting down";
    if (state.load() == ModelState::kFailed) {
      std::lock_guard lock(mutex);
      return "model " + options.model_name + " failed to load: " + load_error;
    }
    return "model " + options.model_name + " is still loading";
  }

  // Checks the route's {name}[/versions/{version}]; writes a 404 and returns false when they name a
  // model this server does not serve.
  bool KnownModel(const Route& route, HttpResponse& res) const {
    if (route.model != options.model_name) {
      SendError(res, 404,
                "unknown model \"" + std::string(route.model) + "\"; this server serves \"" + options.model_name + "\"");
      return false;
    }
    if (!route.version.empty() && route.version != options.model_version) {
      SendError(res, 404,
                "unknown version \"" + std::string(route.version) + "\" of model \"" + std::string(route.model) + "\"; " +
                    (options.model_version.empty() ? std::string("it is served without a version")
                                                   : "the served version is \"" + options.model_version + "\""));
      return false;
    }
    return true;
  }

  // The loaded model, or null after answering 503. A draining server still answers what reaches
  // it on open connections (only readiness turns false): the proxies sending it are not told
  // otherwise until they see the endpoint gone.
  std::shared_ptr<const ServedModel> LoadedModel(HttpResponse& res) const {
    const bool loaded_ok = state.load(std::memory_order_acquire) == ModelState::kReady;
    std::shared_ptr<const ServedModel> loaded = loaded_ok ? model.load(std::memory_order_acquire) : nullptr;
    if (!loaded) SendError(res, 503, NotReadyMessage());
    return loaded;
  }

  void Infer(std::string_view body, HttpResponse& res) const {
    const std::shared_ptr<const ServedModel> loaded = LoadedModel(res);
    if (!loaded) return;
    if (auto error = ParseInferRequest(body, *loaded, &t_request)) {
      SendError(res, error->status, error->message);
      return;
    }
    PredictRows(*loaded, t_request, &t_predictions);
    WriteInferResponse(*loaded, t_request, t_predictions, &res.body);
  }

  void Answer(const Route& route, const HttpRequest& req, HttpResponse& res) {
    switch (route.endpoint) {
      case Endpoint::kLive:
        res.body = R"({"live":true})";
        return;
      case Endpoint::kReady: {
        const bool ready = Ready();
        res.status = ready ? 200 : 503;
        res.body = ready ? R"({"ready":true})" : R"({"ready":false})";
        return;
      }
      case Endpoint::kServerMetadata:
        res.body = ServerMetadata(options.server_name, options.server_version).dump();
        return;
      case Endpoint::kMetrics:
        res.content_type = "text/plain; version=0.0.4; charset=utf-8";
        res.body = metrics.Render();
        return;
      case Endpoint::kModelReady: {
        if (!KnownModel(route, res)) return;
        const bool ready = Ready();
        res.status = ready ? 200 : 503;
        res.body = nlohmann::json{{"name", options.model_name}, {"ready", ready}}.dump();
        return;
      }
      case Endpoint::kModelMetadata:
        if (!KnownModel(route, res)) return;
        if (const auto loaded = LoadedModel(res)) res.body = ModelMetadata(*loaded).dump();
        return;
      case Endpoint::kInfer:
        if (KnownModel(route, res)) Infer(req.body, res);
        return;
      case Endpoint::kOther:
      case Endpoint::kCount:
        break;
    }
    SendError(res, 404,
              "no endpoint " + std::string(req.method) + " " + std::string(req.path) +
                  "; see /v2, /v2/health/{live,ready}, /v2/models/{name}[/ready|/infer], /metrics");
  }

  // Every request: routed, answered (errors as {"error": ...}), counted with its latency.
  void Handle(const HttpRequest& req, HttpResponse& res) {
    const auto started = std::chrono::steady_clock::now();
    metrics.Begin();
    const Route route = MatchRoute(req.method, req.path);
    try {
      if (req.body.size() > options.max_body_bytes) {
        SendError(res, 413,
                  "the request body is larger than " + std::to_string(options.max_body_bytes) +
                      " bytes (--max-body-bytes); send fewer rows per request");
      } else {
        Answer(route, req, res);
      }
    } catch (const std::exception& e) {
      res.content_type = "application/json";
      SendError(res, 500, std::string("internal error: ") + e.what());
    } catch (...) {
      res.content_type = "application/json";
      SendError(res, 500, "internal error");
    }
    metrics.End();
    metrics.Record(route.endpoint, res.status,
                   std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
  }

  void Publish(ServedModel loaded) {
    loaded.name = options.model_name;
    loaded.version = options.model_version;
    model.store(std::make_shared<const ServedModel>(std::move(loaded)), std::memory_order_release);
  }

  void Load() {
    ModelState result = ModelState::kReady;
    try {
      Publish(loader());
      metrics.SetModelReady(true);
    } catch (const std::exception& e) {
      std::lock_guard lock(mutex);
      load_error = e.what();
      result = ModelState::kFailed;
    }
    std::function<void(ModelState)> callback;
    {
      std::lock_guard lock(mutex);
      state.store(result, std::memory_order_release);
      callback = on_settled;
    }
    settled.notify_all();
    if (callback) callback(result);
  }
};

ModelServer::ModelServer(ServerOptions options, ModelLoader loader)
    : impl_(std::make_unique<Impl>(std::move(options), std::move(loader))) {}

ModelServer::~ModelServer() {
  Stop();
  if (impl_->load_thread.joinable()) impl_->load_thread.join();
}

void ModelServer::Start() {
  impl_->http.Start();
  impl_->load_thread = std::thread([&impl = *impl_] { impl.Load(); });
}

int ModelServer::port() const { return impl_->http.port(); }

void ModelServer::OnLoadSettled(std::function<void(ModelState)> callback) {
  std::lock_guard lock(impl_->mutex);
  impl_->on_settled = std::move(callback);
}

ModelState ModelServer::state() const { return impl_->state.load(); }

std::string ModelServer::load_error() const {
  std::lock_guard lock(impl_->mutex);
  return impl_->load_error;
}

bool ModelServer::WaitUntilSettled(std::chrono::milliseconds timeout) const {
  std::unique_lock lock(impl_->mutex);
  return impl_->settled.wait_for(lock, timeout, [this] { return impl_->state.load() != ModelState::kLoading; });
}

bool ModelServer::ReplaceModel(ServedModel model) {
  if (impl_->state.load() != ModelState::kReady) return false;
  impl_->Publish(std::move(model));
  return true;
}

void ModelServer::RecordReload(bool accepted, const std::string& sha256) {
  impl_->metrics.RecordReload(accepted);
  if (accepted) impl_->metrics.SetModelChecksum(sha256);
}

void ModelServer::SetModelChecksum(const std::string& sha256) { impl_->metrics.SetModelChecksum(sha256); }

void ModelServer::Stop() {
  std::lock_guard lock(impl_->stop_mutex);
  impl_->draining = true;
  impl_->metrics.SetModelReady(false);
  impl_->http.Stop();
}

}  // namespace seed::serve
