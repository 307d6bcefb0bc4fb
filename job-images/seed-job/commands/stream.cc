// seed-job stream: the edge stream mode. Feature messages in from MQTT topics, predictions out to
// MQTT topics, with the models the rules name (see the seed-job README, `stream`).
#include <pthread.h>
#include <signal.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <memory>
#include <string>

#include "commands/commands.h"
#include "io/input_error.h"
#include "io/json_file.h"
#include "serve/artifact_model.h"
#include "serve/model_uri.h"
#include "stream/broker_config.h"
#include "stream/rules.h"
#include "stream/stream_runner.h"

namespace seed::commands {
namespace {

struct StreamFlags {
  std::string broker, input_topic, output_topic, error_topic, model, model_name = "model", model_version,
                                                                     sha256;
  std::string rules, credentials_dir, ca_file, client_id, protocol = "5", metrics_host = "0.0.0.0";
  int qos = 1, metrics_port = 9090, workers = 2, keepalive = 30, drain_timeout = 20, connect_timeout = 30;
  size_t queue_size = 1000;
};

std::string DefaultClientId() {
  char host[256] = {};
  if (gethostname(host, sizeof host - 1) != 0 || !host[0]) return "seed-stream";
  return std::string("seed-stream-") + host;
}

stream::StreamRules BuildRules(const StreamFlags& f) {
  const stream::RuleDefaults defaults{.output_topic = f.output_topic, .error_topic = f.error_topic};
  if (!f.rules.empty()) {
    if (!f.input_topic.empty() || !f.model.empty()) {
      throw io::UsageError(
          "give either --rules or --input-topic with --model, not both (the rules file names the "
          "topics and models)");
    }
    const std::string dir = std::filesystem::path(f.rules).parent_path().string();
    return stream::ParseRules(io::ReadJsonFile(f.rules), f.rules, dir.empty() ? "." : dir, defaults);
  }
  if (f.input_topic.empty() || f.model.empty()) {
    throw io::UsageError("give --input-topic and --model (one topic filter, one model), or --rules FILE");
  }
  if (f.output_topic.empty()) throw io::UsageError("--output-topic is required with --input-topic");
  return stream::SingleRule(
      f.input_topic, {.name = f.model_name, .path = f.model, .version = f.model_version, .sha256 = f.sha256},
      defaults);
}

void Run(const StreamFlags& f) {
  if (f.qos != 0 && f.qos != 1) throw io::UsageError("--qos must be 0 or 1");
  if (f.protocol != "5" && f.protocol != "3.1.1") throw io::UsageError("--protocol must be 3.1.1 or 5");
  if (f.workers < 1 || f.workers > 256) throw io::UsageError("--workers must be between 1 and 256");
  if (f.queue_size < 1) throw io::UsageError("--queue-size must be at least 1");
  if (f.metrics_port < 0 || f.metrics_port > 65535)
    throw io::UsageError("--metrics-port must be between 0 and 65535");
  if (f.keepalive < 5 || f.keepalive > 65535)
    throw io::UsageError("--keepalive must be between 5 and 65535 seconds");
  if (f.drain_timeout < 0) throw io::UsageError("--drain-timeout must not be negative");
  if (f.connect_timeout < 0) throw io::UsageError("--connect-timeout must not be negative");

  stream::StreamOptions options;
  options.rules = BuildRules(f);
  options.workers = f.workers;
  options.queue_capacity = f.queue_size;
  options.metrics_host = f.metrics_host;
  options.metrics_port = f.metrics_port;
  options.drain_timeout = std::chrono::seconds(f.drain_timeout);
  stream::MqttOptions& mqtt = options.mqtt;
  mqtt.address = stream::ParseBrokerUrl(f.broker);
  mqtt.protocol = f.protocol == "5" ? 5 : 311;
  mqtt.qos = f.qos;
  mqtt.client_id = f.client_id.empty() ? DefaultClientId() : f.client_id;
  mqtt.keepalive_seconds = f.keepalive;
  mqtt.connect_timeout = std::chrono::seconds(f.connect_timeout);
  if (!f.credentials_dir.empty()) {
    const stream::Credentials credentials = stream::ReadCredentials(f.credentials_dir);
    mqtt.username = credentials.username;
    mqtt.password = credentials.password;
    mqtt.ca_file = credentials.ca_file;
  }
  if (!f.ca_file.empty()) mqtt.ca_file = f.ca_file;
  if (!mqtt.ca_file.empty() && !mqtt.address.tls) {
    throw io::UsageError("--ca-file (or ca.crt in --credentials-dir) needs an mqtts:// --broker");
  }
  if (mqtt.username && !mqtt.address.tls) {
    std::fprintf(stderr,
                 "seed-job stream: warning: the password is sent in clear text over mqtt://; use mqtts://\n");
  }

  // Every model is loaded before connecting: a bad artifact stops here, not on the first message.
  std::vector<serve::ServedModel> models;
  for (const stream::ModelSpec& spec : options.rules.models) {
    serve::ServedModel model = serve::LoadArtifactModel(serve::ResolveModelPath(spec.path), spec.sha256);
    model.name = spec.name;
    model.version = spec.version;
    models.push_back(std::move(model));
  }

  // Shutdown signals are taken synchronously by this thread (sigwait); every thread started below
  // inherits the blocked mask.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  signal(SIGPIPE, SIG_IGN);  // a broker closing the socket is an error return, not a signal

  stream::StreamRunner runner(options, std::move(models));
  runner.Start();
  std::fprintf(stderr, "seed-job stream: connected to %s:%d as %s (MQTT %s, QoS %d); metrics on %s:%d\n",
               mqtt.address.host.c_str(), mqtt.address.port, mqtt.client_id.c_str(), f.protocol.c_str(),
               f.qos, f.metrics_host.c_str(), runner.metrics_port());
  for (const stream::Rule& rule : options.rules.rules) {
    std::fprintf(stderr, "seed-job stream: %s -> model %s -> %s (errors: %s)\n", rule.filter.c_str(),
                 options.rules.models[rule.model].name.c_str(), rule.output_topic.c_str(),
                 rule.error_topic.c_str());
  }
  int signal_number = 0;
  while (sigwait(&signals, &signal_number) != 0) {
  }
  std::fprintf(stderr, "seed-job stream: %s received; draining\n",
               signal_number == SIGTERM ? "SIGTERM" : "SIGINT");
  const stream::DrainReport report = runner.Drain();
  std::fprintf(
      stderr, "seed-job stream: drained: %llu messages received, %llu results published, %llu errors; %s\n",
      static_cast<unsigned long long>(report.received), static_cast<unsigned long long>(report.published),
      static_cast<unsigned long long>(report.errors),
      report.acknowledged ? "every result acknowledged by the broker"
                          : "some results were not acknowledged before --drain-timeout");
}

}  // namespace

void AddStream(CLI::App& app) {
  auto f = std::make_shared<StreamFlags>();
  CLI::App* cmd = app.add_subcommand(
      "stream",
      "Edge stream mode: feature messages from MQTT topics in, predictions to MQTT topics out\n"
      "(MQTT 3.1.1/5, QoS 0/1, TLS; a rules file maps topics to models; /metrics, /healthz, /readyz)");
  cmd->add_option("--broker", f->broker, "mqtt://HOST[:PORT] (1883) or mqtts://HOST[:PORT] (8883, TLS)")
      ->envname("SEED_STREAM_BROKER")
      ->required();
  cmd->add_option("--input-topic", f->input_topic,
                  "Topic filter to subscribe to (+ and # allowed); with --model")
      ->envname("SEED_STREAM_INPUT_TOPIC");
  cmd->add_option("--output-topic", f->output_topic, "Topic results are published to (the default for rules)")
      ->envname("SEED_STREAM_OUTPUT_TOPIC");
  cmd->add_option("--error-topic", f->error_topic,
                  "Topic error replies go to (default: <output topic>/errors)");
  cmd->add_option("--model", f->model, "Model artifact (path, file://, pvc://), with --input-topic")
      ->envname("SEED_MODEL_PATH");
  cmd->add_option("--model-name", f->model_name, "Model name in results")
      ->envname("SEED_MODEL_NAME")
      ->capture_default_str();
  cmd->add_option("--model-version", f->model_version, "Model version in results")
      ->envname("SEED_MODEL_VERSION");
  cmd->add_option("--sha256", f->sha256, "Expected SHA-256 of the --model artifact");
  cmd->add_option("--rules", f->rules,
                  "Rules file (JSON): topic filters -> models -> output topics (see README)");
  cmd->add_option("--credentials-dir", f->credentials_dir,
                  "Directory with files username, password (and optionally ca.crt): a mounted Secret");
  cmd->add_option("--ca-file", f->ca_file,
                  "CA certificates (PEM) to trust for mqtts:// (default: the system's)");
  cmd->add_option("--client-id", f->client_id,
                  "MQTT client id; the broker keeps the session under it "
                  "(default: seed-stream-<hostname>)");
  cmd->add_option("--qos", f->qos, "QoS of the subscriptions and results: 0 or 1")->capture_default_str();
  cmd->add_option("--protocol", f->protocol, "MQTT protocol version: 3.1.1 or 5")->capture_default_str();
  cmd->add_option("--workers", f->workers, "Worker threads predicting and publishing")->capture_default_str();
  cmd->add_option("--queue-size", f->queue_size,
                  "Messages waiting for a worker before reading from the broker pauses")
      ->capture_default_str();
  cmd->add_option("--metrics-port", f->metrics_port,
                  "Port of /metrics, /healthz and /readyz (0: any free port)")
      ->capture_default_str();
  cmd->add_option("--metrics-host", f->metrics_host, "Address /metrics listens on")->capture_default_str();
  cmd->add_option("--keepalive", f->keepalive, "MQTT keepalive, seconds")->capture_default_str();
  cmd->add_option("--drain-timeout", f->drain_timeout, "Seconds a SIGTERM drain may take at most")
      ->capture_default_str();
  cmd->add_option("--connect-timeout", f->connect_timeout,
                  "Seconds to keep retrying an unreachable broker at start")
      ->capture_default_str();
  cmd->callback([f] { Run(*f); });
}

}  // namespace seed::commands
