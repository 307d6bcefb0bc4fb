#include "test_client.h"

#include <mosquitto.h>
#include <mqtt_protocol.h>

#include <stdexcept>

namespace seed::stream_test {

TestClient::TestClient(const std::string& id, int port, int protocol) {
  mosquitto_lib_init();
  mosq_ = mosquitto_new(id.c_str(), false, this);
  mosquitto_int_option(mosq_, MOSQ_OPT_PROTOCOL_VERSION,
                       protocol == 5 ? MQTT_PROTOCOL_V5 : MQTT_PROTOCOL_V311);
  mosquitto_max_inflight_messages_set(mosq_, 1000);
  mosquitto_reconnect_delay_set(mosq_, 1, 2, false);
  mosquitto_connect_callback_set(mosq_, [](mosquitto*, void* self, int rc) {
    auto* c = static_cast<TestClient*>(self);
    std::lock_guard lock(c->mutex_);
    c->connected_ = rc == 0;
    c->changed_.notify_all();
  });
  mosquitto_subscribe_callback_set(mosq_, [](mosquitto*, void* self, int, int, const int*) {
    auto* c = static_cast<TestClient*>(self);
    std::lock_guard lock(c->mutex_);
    ++c->subacks_;
    c->changed_.notify_all();
  });
  mosquitto_publish_callback_set(mosq_, [](mosquitto*, void* self, int) {
    auto* c = static_cast<TestClient*>(self);
    std::lock_guard lock(c->mutex_);
    ++c->acked_;
    c->changed_.notify_all();
  });
  mosquitto_message_callback_set(mosq_, [](mosquitto*, void* self, const mosquitto_message* m) {
    auto* c = static_cast<TestClient*>(self);
    std::lock_guard lock(c->mutex_);
    c->messages_.push_back({m->topic, std::string(static_cast<const char*>(m->payload), m->payloadlen)});
    c->changed_.notify_all();
  });
  // MQTT 5 ends a session at disconnect unless it has an expiry interval: keep it for an hour.
  mosquitto_property* properties = nullptr;
  if (protocol == 5) mosquitto_property_add_int32(&properties, MQTT_PROP_SESSION_EXPIRY_INTERVAL, 3600);
  const int rc = mosquitto_connect_bind_v5(mosq_, "127.0.0.1", port, 30, nullptr, properties);
  mosquitto_property_free_all(&properties);
  if (rc != MOSQ_ERR_SUCCESS) {
    throw std::runtime_error("test client cannot connect");
  }
  mosquitto_loop_start(mosq_);
  std::unique_lock lock(mutex_);
  if (!changed_.wait_for(lock, std::chrono::seconds(10), [this] { return connected_; })) {
    throw std::runtime_error("test client: no CONNACK");
  }
}

TestClient::~TestClient() {
  mosquitto_disconnect(mosq_);
  mosquitto_loop_stop(mosq_, false);
  mosquitto_destroy(mosq_);
}

void TestClient::Subscribe(const std::string& filter) {
  int before;
  {
    std::lock_guard lock(mutex_);
    before = subacks_;
  }
  mosquitto_subscribe(mosq_, nullptr, filter.c_str(), 1);
  std::unique_lock lock(mutex_);
  if (!changed_.wait_for(lock, std::chrono::seconds(10), [&] { return subacks_ > before; })) {
    throw std::runtime_error("test client: no SUBACK for " + filter);
  }
}

void TestClient::Publish(const std::string& topic, const std::string& payload, int qos) {
  {
    std::lock_guard lock(mutex_);
    sent_ += qos > 0;
  }
  const int rc = mosquitto_publish(mosq_, nullptr, topic.c_str(), static_cast<int>(payload.size()),
                                   payload.data(), qos, false);
  if (rc != MOSQ_ERR_SUCCESS)
    throw std::runtime_error(std::string("test publish: ") + mosquitto_strerror(rc));
}

bool TestClient::WaitFor(size_t count, std::chrono::milliseconds timeout) {
  std::unique_lock lock(mutex_);
  return changed_.wait_for(lock, timeout, [&] { return messages_.size() >= count; });
}

bool TestClient::WaitAcknowledged(std::chrono::milliseconds timeout) {
  std::unique_lock lock(mutex_);
  return changed_.wait_for(lock, timeout, [&] { return acked_ >= sent_; });
}

std::vector<Received> TestClient::messages() {
  std::lock_guard lock(mutex_);
  return messages_;
}

std::vector<Received> TestClient::MessagesFrom(size_t from) {
  std::lock_guard lock(mutex_);
  if (from >= messages_.size()) return {};
  return std::vector<Received>(messages_.begin() + static_cast<std::ptrdiff_t>(from), messages_.end());
}

size_t TestClient::count() {
  std::lock_guard lock(mutex_);
  return messages_.size();
}

}  // namespace seed::stream_test
