#include "stream/mqtt_client.h"

#include <mqtt_protocol.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <cstdio>
#include <cstring>
#include <mutex>
#include <random>
#include <thread>

#include "io/input_error.h"
#include "stream/mosquitto_library.h"

namespace seed::stream {
namespace {

const MosquittoLibrary& M() { return Mosquitto(); }

void Log(const std::string& message) { std::fprintf(stderr, "seed-job stream: %s\n", message.c_str()); }

std::string ErrorText(int rc) {
  if (rc == MOSQ_ERR_ERRNO) return std::strerror(errno);
  return M().mosquitto_strerror(rc);
}

}  // namespace

struct MqttClient::Impl {
  MqttOptions options;
  std::vector<std::string> subscriptions;
  MessageHandler on_message;
  std::function<bool()> may_read;
  mosquitto* mosq = nullptr;
  mosquitto_property* connect_properties = nullptr;
  int wake_fd = -1;
  std::thread thread;

  std::atomic<bool> connected{false};
  std::atomic<bool> ever_subscribed{false};
  std::atomic<uint64_t> reconnects{0};
  std::atomic<bool> stop_reading{false};
  std::atomic<bool> disconnecting{false};
  std::atomic<bool> stopping{false};
  std::atomic<bool> reset_backoff{false};
  std::atomic<int64_t> sent{0};   // QoS 1 results handed to libmosquitto
  std::atomic<int64_t> acked{0};  // ... and acknowledged by the broker
  std::mutex io_mutex;            // held around every socket read

  std::mutex mutex;  // guards the fields below
  std::condition_variable changed;
  std::optional<std::string> refusal;  // why the first connection was refused
  std::string last_error_log;          // libmosquitto's last error line (TLS details)
  bool thread_done = false;

  ~Impl() {
    if (mosq) M().mosquitto_destroy(mosq);
    if (connect_properties) M().mosquitto_property_free_all(&connect_properties);
    if (wake_fd >= 0) close(wake_fd);
  }

  std::string Where() const { return options.address.host + ":" + std::to_string(options.address.port); }

  std::string ReasonText(int rc) const {
    return options.protocol == 5 ? M().mosquitto_reason_string(rc) : M().mosquitto_connack_string(rc);
  }

  void Subscribe() {
    std::vector<char*> filters;
    for (auto& s : subscriptions) filters.push_back(s.data());
    const int rc = M().mosquitto_subscribe_multiple(mosq, nullptr, static_cast<int>(filters.size()),
                                                    filters.data(), options.qos, 0, nullptr);
    if (rc != MOSQ_ERR_SUCCESS) Log("cannot subscribe: " + ErrorText(rc));
  }

  void OnConnect(int rc) {
    if (rc == 0) {
      connected = true;
      reset_backoff = true;
      if (ever_subscribed) {
        ++reconnects;
        Log("reconnected to " + Where() + "; subscribing again");
      }
      if (subscriptions.empty()) {  // a publishing-only connection is ready at its CONNACK
        std::lock_guard lock(mutex);
        ever_subscribed = true;
        changed.notify_all();
      } else {
        Subscribe();
      }
      return;
    }
    const std::string reason = ReasonText(rc);
    if (!ever_subscribed) {
      std::lock_guard lock(mutex);
      refusal = "the broker at " + Where() + " refused the connection: " + reason +
                (rc == 4 || rc == 5 || rc == MQTT_RC_BAD_USERNAME_OR_PASSWORD || rc == MQTT_RC_NOT_AUTHORIZED
                     ? " (check the username and password files in --credentials-dir)"
                     : "");
      changed.notify_all();
    } else {
      Log("the broker refused the reconnection: " + reason + "; retrying");
    }
  }

  void OnSubscribe(int count, const int* granted) {
    for (int i = 0; i < count; ++i) {
      if (granted[i] >= 0x80) {
        const std::string message =
            "the broker refused the subscription to \"" +
            (i < static_cast<int>(subscriptions.size()) ? subscriptions[i] : std::string("?")) +
            "\" (reason " + std::to_string(granted[i]) + "; check the broker's ACL)";
        std::lock_guard lock(mutex);
        if (!ever_subscribed) {
          refusal = message;
          changed.notify_all();
        } else {
          Log(message);
        }
        return;
      }
    }
    std::lock_guard lock(mutex);
    ever_subscribed = true;
    changed.notify_all();
  }

  void OnDisconnect(int rc) {
    const bool was = connected.exchange(false);
    if (was && !disconnecting)
      Log("connection to " + Where() + " lost (" + ErrorText(rc) + "); reconnecting");
  }

  void OnPublish(int mid) {
    (void)mid;
    if (options.qos > 0) {
      acked.fetch_add(1);
      if (acked.load() >= sent.load()) {
        std::lock_guard lock(mutex);
        changed.notify_all();
      }
    }
  }

  void OnLog(int level, const char* text) {
    if (level != MOSQ_LOG_ERR) return;
    std::lock_guard lock(mutex);
    last_error_log = text;
  }

  void Wake() const {
    const uint64_t one = 1;
    if (write(wake_fd, &one, sizeof one) < 0) {
      // EAGAIN: the counter is already non-zero, the thread will wake anyway.
    }
  }

  bool SslPending() const {
    auto* ssl = static_cast<SSL*>(M().mosquitto_ssl_get(mosq));
    return ssl && M().SSL_pending && M().SSL_pending(ssl) > 0;
  }

  // Waits `delay` or until Disconnect(); true when the thread should stop.
  bool Pause(std::chrono::milliseconds delay) {
    pollfd wake{wake_fd, POLLIN, 0};
    const auto until = std::chrono::steady_clock::now() + delay;
    while (!stopping && !disconnecting) {
      const auto left =
          std::chrono::duration_cast<std::chrono::milliseconds>(until - std::chrono::steady_clock::now());
      if (left.count() <= 0) return false;
      if (poll(&wake, 1, static_cast<int>(left.count())) > 0) {
        uint64_t count;
        if (read(wake_fd, &count, sizeof count) < 0) {
        }
      }
    }
    return true;
  }

  void Loop() {
    std::minstd_rand random(static_cast<unsigned>(getpid()));
    auto backoff = options.backoff_initial;
    while (!stopping) {
      if (reset_backoff.exchange(false)) backoff = options.backoff_initial;
      const int fd = M().mosquitto_socket(mosq);
      if (fd < 0) {
        if (disconnecting) break;
        // Full jitter on the upper half: many clients restarted together do not reconnect in step.
        const auto delay = backoff / 2 + std::chrono::milliseconds(random() % (backoff.count() / 2 + 1));
        if (Pause(delay)) break;
        backoff = std::min(backoff * 2, options.backoff_max);
        const int rc = M().mosquitto_reconnect(mosq);
        if (rc != MOSQ_ERR_SUCCESS) {
          Log("cannot reconnect to " + Where() + ": " + ErrorText(rc) + "; retrying in up to " +
              std::to_string(backoff.count()) + " ms");
        }
        continue;
      }
      const bool reading = !stop_reading && may_read();
      const bool tls_pending = reading && SslPending();
      pollfd fds[2] = {
          {fd, static_cast<short>((reading ? POLLIN : 0) | (M().mosquitto_want_write(mosq) ? POLLOUT : 0)),
           0},
          {wake_fd, POLLIN, 0}};
      if (poll(fds, 2, tls_pending ? 0 : 1000) < 0 && errno != EINTR)
        Log(std::string("poll: ") + std::strerror(errno));
      if (fds[1].revents & POLLIN) {
        uint64_t count;
        if (read(wake_fd, &count, sizeof count) < 0) {
        }
      }
      int rc = MOSQ_ERR_SUCCESS;
      const bool broken = fds[0].revents & (POLLHUP | POLLERR);
      if ((fds[0].revents & POLLIN) || tls_pending || broken) {
        std::lock_guard lock(io_mutex);
        // A broken socket is read even while paused, so the loss is noticed now, not at the
        // keepalive; but never after StopReading().
        if (!stop_reading) rc = M().mosquitto_loop_read(mosq, 1);
      }
      if (rc == MOSQ_ERR_SUCCESS && M().mosquitto_socket(mosq) >= 0 && M().mosquitto_want_write(mosq)) {
        rc = M().mosquitto_loop_write(mosq, 1);
      }
      if (rc == MOSQ_ERR_SUCCESS && M().mosquitto_socket(mosq) >= 0) rc = M().mosquitto_loop_misc(mosq);
      if (rc != MOSQ_ERR_SUCCESS && M().mosquitto_socket(mosq) >= 0) {
        // An error that left the socket open: close it so the next turn reconnects.
        M().mosquitto_disconnect(mosq);
        connected = false;
      }
    }
    std::lock_guard lock(mutex);
    thread_done = true;
    changed.notify_all();
  }
};

MqttClient::MqttClient(MqttOptions options, std::vector<std::string> subscriptions, MessageHandler on_message,
                       std::function<bool()> may_read)
    : impl_(std::make_unique<Impl>()) {
  Impl& s = *impl_;
  s.options = std::move(options);
  s.subscriptions = std::move(subscriptions);
  s.on_message = std::move(on_message);
  s.may_read = std::move(may_read);
  if (s.options.client_id.empty()) throw io::UsageError("an MQTT client id is required (--client-id)");
  s.wake_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  if (s.wake_fd < 0) throw std::runtime_error(std::string("eventfd: ") + std::strerror(errno));
  s.mosq = M().mosquitto_new(s.options.client_id.c_str(), /*clean_session=*/false, &s);
  if (!s.mosq) throw std::runtime_error(std::string("mosquitto_new: ") + std::strerror(errno));
  M().mosquitto_int_option(s.mosq, MOSQ_OPT_PROTOCOL_VERSION,
                           s.options.protocol == 5 ? MQTT_PROTOCOL_V5 : MQTT_PROTOCOL_V311);
  M().mosquitto_int_option(s.mosq, MOSQ_OPT_TCP_NODELAY, 1);
  M().mosquitto_int_option(s.mosq, MOSQ_OPT_SEND_MAXIMUM, 1000);
  M().mosquitto_max_inflight_messages_set(s.mosq, 1000);
  M().mosquitto_threaded_set(s.mosq,
                             true);  // our own threads publish; only the network thread touches the socket
  if (s.options.username) {
    const int rc = M().mosquitto_username_pw_set(s.mosq, s.options.username->c_str(),
                                                 s.options.password ? s.options.password->c_str() : nullptr);
    if (rc != MOSQ_ERR_SUCCESS)
      throw io::UsageError("--credentials-dir: the username is not valid: " + ErrorText(rc));
  }
  if (s.options.address.tls) {
    const char* ca = s.options.ca_file.empty() ? nullptr : s.options.ca_file.c_str();
    const int rc =
        M().mosquitto_tls_set(s.mosq, ca, ca ? nullptr : "/etc/ssl/certs", nullptr, nullptr, nullptr);
    if (rc != MOSQ_ERR_SUCCESS) {
      throw io::UsageError("TLS setup failed" +
                           (ca ? " with --ca-file " + s.options.ca_file : std::string()) + ": " +
                           ErrorText(rc) + " (is it a readable PEM file?)");
    }
  }
  if (s.options.protocol == 5) {
    M().mosquitto_property_add_int32(&s.connect_properties, MQTT_PROP_SESSION_EXPIRY_INTERVAL,
                                     s.options.session_expiry_seconds);
  }
  M().mosquitto_connect_v5_callback_set(s.mosq,
                                        [](mosquitto*, void* self, int rc, int, const mosquitto_property*) {
                                          static_cast<Impl*>(self)->OnConnect(rc);
                                        });
  M().mosquitto_disconnect_v5_callback_set(s.mosq,
                                           [](mosquitto*, void* self, int rc, const mosquitto_property*) {
                                             static_cast<Impl*>(self)->OnDisconnect(rc);
                                           });
  M().mosquitto_subscribe_v5_callback_set(
      s.mosq, [](mosquitto*, void* self, int, int count, const int* granted, const mosquitto_property*) {
        static_cast<Impl*>(self)->OnSubscribe(count, granted);
      });
  M().mosquitto_publish_v5_callback_set(s.mosq,
                                        [](mosquitto*, void* self, int mid, int, const mosquitto_property*) {
                                          static_cast<Impl*>(self)->OnPublish(mid);
                                        });
  M().mosquitto_message_v5_callback_set(
      s.mosq, [](mosquitto*, void* self, const mosquitto_message* m, const mosquitto_property*) {
        static_cast<Impl*>(self)->on_message(
            m->topic, std::string_view(static_cast<const char*>(m->payload), m->payloadlen));
      });
  M().mosquitto_log_callback_set(s.mosq, [](mosquitto*, void* self, int level, const char* text) {
    static_cast<Impl*>(self)->OnLog(level, text);
  });
}

MqttClient::~MqttClient() { Disconnect(); }

void MqttClient::Connect() {
  Impl& s = *impl_;
  const auto deadline = std::chrono::steady_clock::now() + s.options.connect_timeout;
  auto backoff = s.options.backoff_initial;
  for (;;) {
    const int rc =
        M().mosquitto_connect_bind_v5(s.mosq, s.options.address.host.c_str(), s.options.address.port,
                                      s.options.keepalive_seconds, nullptr, s.connect_properties);
    if (rc == MOSQ_ERR_SUCCESS) break;
    if (rc == MOSQ_ERR_TLS) {
      std::string detail;
      {
        std::lock_guard lock(s.mutex);
        detail = s.last_error_log;
      }
      throw io::UsageError("TLS handshake with " + s.Where() + " failed" +
                           (detail.empty() ? "" : " (" + detail + ")") +
                           ": the broker's certificate must be signed by " +
                           (s.options.ca_file.empty() ? "a CA in /etc/ssl/certs" : s.options.ca_file) +
                           " and name the host \"" + s.options.address.host + "\"; see --ca-file");
    }
    const std::string why = ErrorText(rc);
    if (std::chrono::steady_clock::now() + backoff > deadline) {
      throw io::UsageError("cannot reach the broker at " + s.Where() + ": " + why + " (gave up after " +
                           std::to_string(s.options.connect_timeout.count()) + " s; check --broker)");
    }
    Log("cannot reach the broker at " + s.Where() + " (" + why + "); retrying in " +
        std::to_string(backoff.count()) + " ms");
    std::this_thread::sleep_for(backoff);  // nothing else runs yet; the wait is the backoff itself
    backoff = std::min(backoff * 2, s.options.backoff_max);
  }
  s.thread = std::thread([&s] { s.Loop(); });
  std::unique_lock lock(s.mutex);
  const bool settled = s.changed.wait_until(lock, deadline + std::chrono::seconds(5), [&s] {
    return s.ever_subscribed.load() || s.refusal.has_value();
  });
  if (s.ever_subscribed) return;
  const std::string message = s.refusal ? *s.refusal
                                        : "no CONNACK/SUBACK from the broker at " + s.Where() + " within " +
                                              std::to_string(s.options.connect_timeout.count() + 5) + " s";
  (void)settled;
  lock.unlock();
  Disconnect();
  throw io::UsageError(message);
}

bool MqttClient::Publish(const std::string& topic, std::string_view payload, std::string* error) {
  Impl& s = *impl_;
  if (s.options.qos > 0) s.sent.fetch_add(1);
  const int rc = M().mosquitto_publish_v5(s.mosq, nullptr, topic.c_str(), static_cast<int>(payload.size()),
                                          payload.data(), s.options.qos, false, nullptr);
  if (rc != MOSQ_ERR_SUCCESS) {
    if (s.options.qos > 0) s.sent.fetch_sub(1);
    *error = "cannot publish to \"" + topic + "\": " + ErrorText(rc);
    return false;
  }
  s.Wake();
  return true;
}

void MqttClient::Wake() { impl_->Wake(); }

void MqttClient::StopReading() {
  Impl& s = *impl_;
  s.stop_reading = true;
  std::lock_guard lock(s.io_mutex);  // a read in progress has finished once this is acquired
}

bool MqttClient::WaitForPublished(std::chrono::steady_clock::time_point deadline) {
  Impl& s = *impl_;
  std::unique_lock lock(s.mutex);
  for (;;) {
    const bool done = s.acked.load() >= s.sent.load() && !M().mosquitto_want_write(s.mosq);
    if (done) return true;
    if (std::chrono::steady_clock::now() >= deadline) return false;
    // QoS 1 acknowledgements notify; QoS 0 writes do not, so look again after a short while.
    s.changed.wait_for(lock, std::chrono::milliseconds(20));
  }
}

void MqttClient::Disconnect() {
  Impl& s = *impl_;
  if (!s.thread.joinable()) return;
  s.stop_reading = true;
  s.disconnecting = true;
  M().mosquitto_disconnect(s.mosq);
  s.Wake();
  {
    std::unique_lock lock(s.mutex);
    if (!s.changed.wait_for(lock, std::chrono::seconds(2), [&s] { return s.thread_done; })) {
      s.stopping = true;
      s.Wake();
    }
  }
  s.thread.join();
}

bool MqttClient::connected() const { return impl_->connected.load(); }
uint64_t MqttClient::reconnects() const { return impl_->reconnects.load(); }
int64_t MqttClient::publish_pending() const { return impl_->sent.load() - impl_->acked.load(); }

}  // namespace seed::stream
