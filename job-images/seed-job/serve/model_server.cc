// cpp-httplib lives only in this translation unit (it must never meet Eigen's headers).
#include "serve/model_server.h"

#include <httplib.h>

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <thread>

#include "io/input_error.h"
#include "serve/oip.h"
#include "serve/server_metrics.h"

namespace seed::serve {

namespace {

constexpr char kJson[] = "application/json";

// Per worker thread: when the request being handled was routed (for latency and in-flight), and
// buffers reused across requests so the infer path does not reallocate them each time.
thread_local std::chrono::steady_clock::time_point t_routed_at;
thread_local bool t_routed = false;
thread_local InferRequest t_request;
thread_local std::vector<double> t_predictions;

void SendError(httplib::Response& res, int status, std::string_view message) {
  res.status = status;
  res.set_content(ErrorBody(message), kJson);
}

}  // namespace

struct ModelServer::Impl {
  ServerOptions options;
  ModelLoader loader;
  httplib::Server http;
  ServerMetrics metrics;
  std::unique_ptr<ServedModel> owned_model;             // written once, before `model` is published
  std::atomic<const ServedModel*> model{nullptr};       // read lock-free by every request
  std::atomic<ModelState> state{ModelState::kLoading};
  std::atomic<bool> draining{false};
  int port = 0;

  mutable std::mutex mutex;  // guards load_error, on_settled, and the wait below
  mutable std::condition_variable settled;
  std::string load_error;
  std::function<void(ModelState)> on_settled;

  std::mutex stop_mutex;
  std::thread listen_thread, load_thread;

  Impl(ServerOptions o, ModelLoader l) : options(std::move(o)), loader(std::move(l)) {}

  bool Ready() const { return state.load(std::memory_order_acquire) == ModelState::kReady && !draining.load(); }

  std::string NotReadyMessage() const {
    if (draining.load()) return "the server is shutting down";
    if (state.load() == ModelState::kFailed) {
      std::lock_guard lock(mutex);
      return "model " + options.model_name + " failed to load: " + load_error;
    }
    return "model " + options.model_name + " is still loading";
  }

  // Checks {name}[/versions/{version}] from the path; writes a 404 and returns false when they
  // name a model this server does not serve.
  bool KnownModel(const httplib::Request& req, httplib::Response& res) const {
    const std::string name = req.matches[1];
    if (name != options.model_name) {
      SendError(res, 404, "unknown model \"" + name + "\"; this server serves \"" + options.model_name + "\"");
      return false;
    }
    if (req.matches.size() > 2 && req.matches[2].matched) {
      const std::string version = req.matches[2];
      if (version != options.model_version) {
        SendError(res, 404,
                  "unknown version \"" + version + "\" of model \"" + name + "\"; " +
                      (options.model_version.empty() ? std::string("it is served without a version")
                                                     : "the served version is \"" + options.model_version + "\""));
        return false;
      }
    }
    return true;
  }

  // The loaded model, or nullptr after answering 503.
  const ServedModel* LoadedModel(httplib::Response& res) const {
    const ServedModel* loaded = Ready() ? model.load(std::memory_order_acquire) : nullptr;
    if (!loaded) SendError(res, 503, NotReadyMessage());
    return loaded;
  }

  void Infer(const httplib::Request& req, httplib::Response& res) const {
    if (!KnownModel(req, res)) return;
    const ServedModel* loaded = LoadedModel(res);
    if (!loaded) return;
    if (auto error = ParseInferRequest(req.body, *loaded, &t_request)) {
      SendError(res, error->status, error->message);
      return;
    }
    PredictRows(*loaded, t_request, &t_predictions);
    std::string body;
    WriteInferResponse(*loaded, t_request, t_predictions, &body);
    res.set_content(std::move(body), kJson);
  }

  void Routes() {
    http.Get("/v2/health/live", [](const httplib::Request&, httplib::Response& res) {
      res.set_content(R"({"live":true})", kJson);
    });
    http.Get("/v2/health/ready", [this](const httplib::Request&, httplib::Response& res) {
      bool ready = Ready();
      res.status = ready ? 200 : 503;
      res.set_content(ready ? R"({"ready":true})" : R"({"ready":false})", kJson);
    });
    http.Get("/v2", [this](const httplib::Request&, httplib::Response& res) {
      res.set_content(ServerMetadata(options.server_name, options.server_version).dump(), kJson);
    });
    http.Get("/metrics", [this](const httplib::Request&, httplib::Response& res) {
      res.set_content(metrics.Render(), "text/plain; version=0.0.4; charset=utf-8");
    });
    http.Get(R"(/v2/models/([^/]+)(?:/versions/([^/]+))?/ready)", [this](const httplib::Request& req,
                                                                          httplib::Response& res) {
      if (!KnownModel(req, res)) return;
      bool ready = Ready();
      res.status = ready ? 200 : 503;
      nlohmann::json body = {{"name", options.model_name}, {"ready", ready}};
      res.set_content(body.dump(), kJson);
    });
    http.Get(R"(/v2/models/([^/]+)(?:/versions/([^/]+))?)", [this](const httplib::Request& req,
                                                                     httplib::Response& res) {
      if (!KnownModel(req, res)) return;
      if (const ServedModel* loaded = LoadedModel(res)) res.set_content(ModelMetadata(*loaded).dump(), kJson);
    });
    http.Post(R"(/v2/models/([^/]+)(?:/versions/([^/]+))?/infer)",
              [this](const httplib::Request& req, httplib::Response& res) { Infer(req, res); });
  }

  void Instrument() {
    http.set_pre_routing_handler([this](const httplib::Request&, httplib::Response&) {
      t_routed = true;
      t_routed_at = std::chrono::steady_clock::now();
      metrics.Begin();
      return httplib::Server::HandlerResponse::Unhandled;
    });
    // Called after every response, routed or not (an oversized body is refused before routing).
    http.set_logger([this](const httplib::Request& req, const httplib::Response& res) {
      double seconds = -1;
      if (t_routed) {
        seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t_routed_at).count();
        t_routed = false;
        metrics.End();
      }
      metrics.Record(ClassifyEndpoint(req.method, req.path), res.status, seconds);
    });
    // Every error the library produces itself gets the same JSON shape as ours.
    http.set_error_handler(httplib::Server::HandlerWithResponse([this](const httplib::Request& req,
                                                                          httplib::Response& res) {
      if (!res.body.empty()) return httplib::Server::HandlerResponse::Unhandled;
      if (res.status == 413) {
        res.set_content(ErrorBody("the request body is larger than " + std::to_string(options.max_body_bytes) +
                                  " bytes (--max-body-bytes); send fewer rows per request"),
                        kJson);
      } else if (res.status == 404) {
        res.set_content(ErrorBody("no endpoint " + req.method + " " + req.path +
                                  "; see /v2, /v2/health/{live,ready}, /v2/models/{name}[/ready|/infer], /metrics"),
                        kJson);
      } else {
        res.set_content(ErrorBody("HTTP " + std::to_string(res.status)), kJson);
      }
      return httplib::Server::HandlerResponse::Handled;
    }));
    http.set_exception_handler([](const httplib::Request&, httplib::Response& res, std::exception_ptr error) {
      std::string message = "internal error";
      try {
        std::rethrow_exception(error);
      } catch (const std::exception& e) {
        message += std::string(": ") + e.what();
      } catch (...) {
      }
      SendError(res, 500, message);
    });
  }

  void Load() {
    ModelState result = ModelState::kReady;
    try {
      owned_model = std::make_unique<ServedModel>(loader());
      owned_model->name = options.model_name;
      owned_model->version = options.model_version;
      model.store(owned_model.get(), std::memory_order_release);
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
  Impl& impl = *impl_;
  const int threads = impl.options.threads > 0 ? impl.options.threads
                                               : static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  // The library's pool size is compiled into the Debian build; this is the way to choose it.
  impl.http.new_task_queue = [threads] { return new httplib::ThreadPool(static_cast<size_t>(threads)); };
  impl.http.set_payload_max_length(impl.options.max_body_bytes);
  impl.http.set_tcp_nodelay(true);
  // A keep-alive connection holds its worker until it closes, so connections are recycled every
  // few hundred requests: a probe queued behind busy clients waits for milliseconds, not forever.
  impl.http.set_keep_alive_max_count(200);
  impl.http.set_keep_alive_timeout(5);
  impl.Routes();
  impl.Instrument();
  if (impl.options.port == 0) {
    impl.port = impl.http.bind_to_any_port(impl.options.host);
  } else {
    impl.port = impl.http.bind_to_port(impl.options.host, impl.options.port) ? impl.options.port : -1;
  }
  if (impl.port <= 0) {
    throw io::UsageError("cannot listen on " + impl.options.host + ":" + std::to_string(impl.options.port) +
                         ": the address is in use or not local; choose another --host or --port");
  }
  impl.listen_thread = std::thread([&impl] { impl.http.listen_after_bind(); });
  // stop() is a no-op until the accept loop runs, so Start() returns only once it does.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (!impl.http.is_running() && std::chrono::steady_clock::now() < deadline) std::this_thread::yield();
  impl.load_thread = std::thread([&impl] { impl.Load(); });
}

int ModelServer::port() const { return impl_->port; }

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

void ModelServer::Stop() {
  std::lock_guard lock(impl_->stop_mutex);
  impl_->draining = true;
  impl_->metrics.SetModelReady(false);
  if (impl_->listen_thread.joinable()) {
    impl_->http.stop();  // closes the listening socket; listen_after_bind() joins the workers
    impl_->listen_thread.join();
  }
}

}  // namespace seed::serve
