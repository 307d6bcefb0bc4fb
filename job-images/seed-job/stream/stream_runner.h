#pragma once
// The stream mode's moving parts put together: the MQTT client feeding a bounded queue, a pool of
// workers that parse, predict and publish, and the /metrics, /healthz and /readyz endpoints on
// the model server's HTTP layer. Start() brings it up; Drain() takes it down gracefully.
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "serve/served_model.h"
#include "stream/mqtt_client.h"
#include "stream/rules.h"

namespace seed::stream {

struct StreamOptions {
  MqttOptions mqtt;
  StreamRules rules;
  int workers = 2;
  // Messages waiting for a worker before the stream stops reading from the broker.
  size_t queue_capacity = 1000;
  std::string metrics_host = "0.0.0.0";
  int metrics_port = 9090;  // 0: any free port (see metrics_port())
  std::chrono::seconds drain_timeout{20};
};

struct DrainReport {
  uint64_t received = 0;
  uint64_t published = 0;
  uint64_t errors = 0;
  bool acknowledged = false;  // every result reached the broker before the deadline
};

class StreamRunner {
 public:
  // `models[i]` serves `options.rules.models[i]`.
  StreamRunner(StreamOptions options, std::vector<serve::ServedModel> models);
  ~StreamRunner();
  StreamRunner(const StreamRunner&) = delete;
  StreamRunner& operator=(const StreamRunner&) = delete;

  // Starts /metrics, the workers and the connection (returns once subscribed). Throws
  // io::UsageError when the metrics port cannot be bound or the broker refuses (see MqttClient).
  void Start();
  int metrics_port() const;

  // Graceful drain, bounded by drain_timeout: /readyz turns 503, reading from the broker stops,
  // the workers answer everything already read, the results are acknowledged by the broker, then
  // DISCONNECT. Messages the stream has not read stay with the broker for the session. Idempotent.
  DrainReport Drain();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace seed::stream
