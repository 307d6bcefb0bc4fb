#pragma once
// An MQTT client for the tests (libmosquitto with its own network thread): publishes feature
// messages and collects what arrives on its subscriptions. Persistent session (MQTT 5: an expiry
// of an hour), so nothing is lost while a broker restarts.
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <string>
#include <vector>

struct mosquitto;

namespace seed::stream_test {

struct Received {
  std::string topic;
  std::string payload;
};

class TestClient {
 public:
  TestClient(const std::string& id, int port, int protocol = 5);
  ~TestClient();
  void Subscribe(const std::string& filter);  // waits for the SUBACK
  void Publish(const std::string& topic, const std::string& payload, int qos = 1);
  // Waits until at least `count` messages arrived; false at the timeout.
  bool WaitFor(size_t count, std::chrono::milliseconds timeout);
  // Waits until every QoS 1 message published was acknowledged.
  bool WaitAcknowledged(std::chrono::milliseconds timeout);
  std::vector<Received> messages();
  // The messages from index `from` on (cheap to call repeatedly while many arrive).
  std::vector<Received> MessagesFrom(size_t from);
  size_t count();

 private:
  mosquitto* mosq_ = nullptr;
  std::mutex mutex_;
  std::condition_variable changed_;
  std::vector<Received> messages_;
  bool connected_ = false;
  int subacks_ = 0;
  long sent_ = 0, acked_ = 0;
};

}  // namespace seed::stream_test
