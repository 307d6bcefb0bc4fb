#include "stream/stream_runner.h"

#include <atomic>
#include <cstdio>
#include <mutex>
#include <thread>

#include "io/input_error.h"
#include "serve/http_server.h"
#include "serve/oip.h"
#include "stream/message.h"
#include "stream/stream_metrics.h"
#include "stream/work_queue.h"

namespace seed::stream {
// A message read from the broker, waiting for a worker.
struct Work {
  std::string topic;
  std::string payload;
  size_t rule = StreamRules::kNoRule;
  std::chrono::steady_clock::time_point received;
};

namespace {

// Per worker thread: buffers reused across messages.
thread_local FeatureMessage t_message;
thread_local std::vector<double> t_predictions;
thread_local std::string t_payload;

// Bad messages can arrive by the thousand: the first few are logged, then one in a thousand.
bool ShouldLog(std::atomic<uint64_t>& count) {
  const uint64_t n = count.fetch_add(1);
  return n < 10 || n % 1000 == 0;
}

}  // namespace

struct StreamRunner::Impl {
  StreamOptions options;
  std::vector<serve::ServedModel> models;
  WorkQueue<Work> queue;
  std::atomic<bool> paused{false};  // the network thread saw a full queue
  std::atomic<bool> draining{false};
  std::atomic<uint64_t> logged_errors{0};
  std::unique_ptr<StreamMetrics> metrics;
  std::unique_ptr<MqttClient> client;     // reads the feature messages
  std::unique_ptr<MqttClient> publisher;  // publishes results and error replies
  std::unique_ptr<serve::HttpServer> http;
  std::vector<std::thread> workers;
  std::mutex drain_mutex;
  bool drained = false;
  DrainReport report;

  Impl(StreamOptions o, std::vector<serve::ServedModel> m)
      : options(std::move(o)), models(std::move(m)), queue(options.queue_capacity) {
    std::vector<StreamMetrics::RuleLabels> labels;
    for (const Rule& rule : options.rules.rules)
      labels.push_back({rule.filter, options.rules.models[rule.model].name});
    metrics = std::make_unique<StreamMetrics>(
        std::move(labels),
        StreamMetrics::Gauges{
            .queue_depth = [this] { return static_cast<double>(queue.size()); },
            .queue_capacity = [this] { return static_cast<double>(queue.capacity()); },
            .connected = [this] { return Connected() ? 1.0 : 0.0; },
            .reconnects =
                [this] {
                  return static_cast<double>((client ? client->reconnects() : 0) +
                                             (publisher ? publisher->reconnects() : 0));
                },
            .publish_pending =
                [this] { return publisher ? static_cast<double>(publisher->publish_pending()) : 0.0; }});
  }

  bool Connected() const { return client && publisher && client->connected() && publisher->connected(); }

  void OnMessage(std::string_view topic, std::string_view payload) {
    const size_t rule = options.rules.Route(topic);
    metrics->Received(rule);
    queue.Push(Work{std::string(topic), std::string(payload), rule, std::chrono::steady_clock::now()});
  }

  bool MayRead() {
    if (!queue.Full()) return true;
    paused = true;
    return false;
  }

  void Fail(const Work& work, const serve::ServedModel* model, ErrorReason reason, const std::string& why) {
    metrics->Error(work.rule, reason);
    if (ShouldLog(logged_errors)) {
      std::fprintf(stderr, "seed-job stream: %s message on \"%s\": %s\n", ErrorReasonName(reason),
                   work.topic.c_str(), why.c_str());
    }
    if (work.rule == StreamRules::kNoRule || reason == ErrorReason::kPublish) return;
    std::string error;
    publisher->Publish(options.rules.rules[work.rule].error_topic,
                       ErrorPayload(t_message, work.topic, model, why, work.payload), &error);
  }

  void Process(const Work& work) {
    if (work.rule == StreamRules::kNoRule) {
      Fail(work, nullptr, ErrorReason::kNoRule, "no rule matches this topic");
      return;
    }
    const Rule& rule = options.rules.rules[work.rule];
    const serve::ServedModel& model = models[rule.model];
    if (auto why = ParseFeatureMessage(work.payload, model, &t_message)) {
      Fail(work, &model, ErrorReason::kMalformed, *why);
      return;
    }
    serve::PredictRows(model, t_message.request, &t_predictions);
    WriteResultMessage(model, t_message, work.topic, t_predictions, &t_payload);
    std::string error;
    if (!publisher->Publish(rule.output_topic, t_payload, &error)) {
      Fail(work, &model, ErrorReason::kPublish, error);
      return;
    }
    const double processing =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - work.received).count();
    std::optional<double> lag;
    if (t_message.time_unix) {
      const double now =
          std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
      lag = now - *t_message.time_unix;
    }
    metrics->Published(work.rule, t_message.request.rows, processing, lag ? &*lag : nullptr);
  }

  void RunWorker() {
    while (auto work = queue.Pop()) {
      if (paused.exchange(false)) client->Wake();  // there is room again
      try {
        Process(*work);
      } catch (const std::exception& e) {
        Fail(*work, nullptr, ErrorReason::kMalformed, std::string("internal error: ") + e.what());
      }
    }
  }

  void Answer(const serve::HttpRequest& req, serve::HttpResponse& res) {
    if (req.path == "/metrics") {
      res.content_type = "text/plain; version=0.0.4; charset=utf-8";
      res.body = metrics->Render();
    } else if (req.path == "/healthz") {
      res.body = R"({"live":true})";
    } else if (req.path == "/readyz") {
      const bool ready = !draining && Connected();
      res.status = ready ? 200 : 503;
      res.body = ready ? R"({"ready":true})" : R"({"ready":false})";
    } else {
      res.status = 404;
      res.body =
          serve::ErrorBody("no endpoint " + std::string(req.path) + "; see /metrics, /healthz, /readyz");
    }
  }
};

StreamRunner::StreamRunner(StreamOptions options, std::vector<serve::ServedModel> models)
    : impl_(std::make_unique<Impl>(std::move(options), std::move(models))) {}

StreamRunner::~StreamRunner() { Drain(); }

void StreamRunner::Start() {
  Impl& s = *impl_;
  std::vector<std::string> filters;
  for (const Rule& rule : s.options.rules.rules) filters.push_back(rule.filter);
  s.client = std::make_unique<MqttClient>(
      s.options.mqtt, std::move(filters),
      [&s](std::string_view topic, std::string_view payload) { s.OnMessage(topic, payload); },
      [&s] { return s.MayRead(); });
  MqttOptions out = s.options.mqtt;
  out.client_id += "-out";
  s.publisher = std::make_unique<MqttClient>(
      out, std::vector<std::string>{}, [](std::string_view, std::string_view) {}, [] { return true; });
  // The endpoints read the clients: they start once both exist.
  s.http = std::make_unique<serve::HttpServer>(
      serve::HttpServerOptions{.host = s.options.metrics_host, .port = s.options.metrics_port, .threads = 1},
      [&s](const serve::HttpRequest& req, serve::HttpResponse& res) { s.Answer(req, res); });
  s.http->Start();
  for (int i = 0; i < s.options.workers; ++i) s.workers.emplace_back([&s] { s.RunWorker(); });
  try {
    s.publisher->Connect();  // first: the workers publish from the first message on
    s.client->Connect();
  } catch (...) {
    s.queue.Close();
    for (auto& worker : s.workers) worker.join();
    s.workers.clear();
    s.http->Stop();
    std::lock_guard lock(s.drain_mutex);
    s.drained = true;
    throw;
  }
}

int StreamRunner::metrics_port() const { return impl_->http ? impl_->http->port() : 0; }

DrainReport StreamRunner::Drain() {
  Impl& s = *impl_;
  std::lock_guard lock(s.drain_mutex);
  if (s.drained) return s.report;
  s.drained = true;
  const auto deadline = std::chrono::steady_clock::now() + s.options.drain_timeout;
  s.draining = true;
  if (s.client) s.client->StopReading();
  s.queue.Close();
  for (auto& worker : s.workers) worker.join();
  s.workers.clear();
  if (s.publisher) {
    s.report.acknowledged = s.publisher->WaitForPublished(deadline);
    s.publisher->Disconnect();
  }
  if (s.client) s.client->Disconnect();
  if (s.http) s.http->Stop();
  s.report.received = s.metrics->received_total();
  s.report.published = s.metrics->published_total();
  s.report.errors = s.metrics->errors_total();
  return s.report;
}

}  // namespace seed::stream
