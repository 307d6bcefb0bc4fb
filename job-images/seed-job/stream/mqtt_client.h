#pragma once
// One MQTT connection of the stream, on Debian's libmosquitto (see mosquitto_library.h): MQTT
// 3.1.1 or 5, TLS, username/password, a persistent session (clean session off, so QoS 1 messages
// published while the stream is away wait for it at the broker), and its own network thread:
// - reading pauses while may_read() says no (the work queue is full), so a full queue becomes TCP
//   back-pressure instead of lost messages; StopReading() ends reading for a drain;
// - a lost connection is re-established with exponential backoff (with jitter) and the
//   subscriptions are made again on every CONNACK;
// - results are published from any thread; QoS 1 results are kept by libmosquitto while the
//   connection is down and re-sent after it returns.
// libmosquitto acknowledges a QoS 1 message (PUBACK) before handing it over, so from that moment
// the message is the stream's to answer; a drain therefore answers everything it has read. The
// stream reads on one connection and publishes on another: a connection that stops reading
// would no longer see the acknowledgements of what it publishes.
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "stream/broker_config.h"

namespace seed::stream {

struct MqttOptions {
  BrokerAddress address;
  std::optional<std::string> username;
  std::optional<std::string> password;
  std::string ca_file;    // TLS: the CA bundle to trust; empty: the system's (/etc/ssl/certs)
  int protocol = 5;       // 5 or 311
  int qos = 1;            // for subscriptions and results
  std::string client_id;  // required: the persistent session is keyed by it
  int keepalive_seconds = 30;
  uint32_t session_expiry_seconds = 3600;  // MQTT 5: how long the broker keeps the session
  std::chrono::milliseconds backoff_initial{250};
  std::chrono::milliseconds backoff_max{30000};
  std::chrono::seconds connect_timeout{30};  // first connection only
};

class MqttClient {
 public:
  // Called on the network thread for every message; must not block.
  using MessageHandler = std::function<void(std::string_view topic, std::string_view payload)>;
  MqttClient(MqttOptions options, std::vector<std::string> subscriptions, MessageHandler on_message,
             std::function<bool()> may_read);
  ~MqttClient();  // Disconnect()
  MqttClient(const MqttClient&) = delete;
  MqttClient& operator=(const MqttClient&) = delete;

  // Connects, waits for the CONNACK and the SUBACK (no subscriptions: the CONNACK alone), and
  // starts the network thread. An unreachable
  // broker is retried with backoff up to connect_timeout. Throws io::UsageError when the broker
  // refuses (bad username or password, not authorised, a subscription refused), when TLS fails
  // (certificate not trusted, wrong host name) or when the broker stays unreachable.
  void Connect();

  // Thread-safe. False (and *error) when libmosquitto refuses it: with QoS 0 while disconnected,
  // or a payload over the broker's limit.
  bool Publish(const std::string& topic, std::string_view payload, std::string* error);

  // Makes the network thread look at may_read() again (the queue has room).
  void Wake();
  // No more reads from the socket after this returns (pings and publishes go on).
  void StopReading();
  // Waits until every result handed to Publish() is acknowledged (QoS 1) or written (QoS 0).
  bool WaitForPublished(std::chrono::steady_clock::time_point deadline);
  // Sends DISCONNECT (bounded wait) and stops the network thread. Idempotent.
  void Disconnect();

  bool connected() const;
  uint64_t reconnects() const;
  int64_t publish_pending() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace seed::stream
