// stream_load: publishes COUNT feature messages to an MQTT topic at a fixed rate (or as fast as it
// can with --rate 0), each carrying its sequence number as "id", subscribes to the results topic
// and times every round trip (publish -> runner -> result received) on one steady clock.
// Prints one line: sent, answered, throughput, latency p50/p99/max.
//   stream_load --port P --in IN --out OUT --payload FILE [--rate R] [--count N] [--qos Q]
// The payload file holds the message with the text __ID__ where the id goes.
#include <mosquitto.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <mutex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

namespace {

using Clock = std::chrono::steady_clock;

struct State {
  std::vector<int64_t> sent_ns;     // by id
  std::vector<int64_t> latency_ns;  // by id; -1 until answered
  std::atomic<long> answered{0};
  std::atomic<long> duplicates{0};
  std::atomic<int64_t> last_answer_ns{0};
  std::mutex mutex;
  std::condition_variable changed;
  bool subscribed = false;
};

int64_t Now() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now().time_since_epoch()).count();
}

double Percentile(std::vector<int64_t> values, double p) {
  if (values.empty()) return 0;
  std::sort(values.begin(), values.end());
  const size_t index = std::min(values.size() - 1, static_cast<size_t>(p * (values.size() - 1) + 0.5));
  return values[index] / 1e6;
}

}  // namespace

int main(int argc, char** argv) {
  int port = 1883, qos = 1;
  long count = 10000;
  double rate = 1000;
  std::string in, out, payload_file;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string flag = argv[i];
    const char* value = argv[i + 1];
    if (flag == "--port")
      port = std::atoi(value);
    else if (flag == "--in")
      in = value;
    else if (flag == "--out")
      out = value;
    else if (flag == "--payload")
      payload_file = value;
    else if (flag == "--rate")
      rate = std::atof(value);
    else if (flag == "--count")
      count = std::atol(value);
    else if (flag == "--qos")
      qos = std::atoi(value);
    else {
      std::fprintf(stderr, "stream_load: unknown flag %s\n", flag.c_str());
      return 2;
    }
  }
  std::ifstream file(payload_file);
  std::stringstream text;
  text << file.rdbuf();
  std::string payload = text.str();
  while (!payload.empty() && (payload.back() == '\n' || payload.back() == ' ')) payload.pop_back();
  const size_t mark = payload.find("__ID__");
  if (in.empty() || out.empty() || mark == std::string::npos) {
    std::fprintf(stderr,
                 "usage: stream_load --port P --in TOPIC --out TOPIC --payload FILE(with __ID__) [--rate R] "
                 "[--count N] [--qos Q]\n");
    return 2;
  }
  const std::string prefix = payload.substr(0, mark), suffix = payload.substr(mark + 6);

  State state;
  state.sent_ns.assign(count, 0);
  state.latency_ns.assign(count, -1);
  mosquitto_lib_init();
  mosquitto* mosq = mosquitto_new(nullptr, true, &state);
  mosquitto_int_option(mosq, MOSQ_OPT_PROTOCOL_VERSION, MQTT_PROTOCOL_V311);
  mosquitto_int_option(mosq, MOSQ_OPT_TCP_NODELAY, 1);
  mosquitto_max_inflight_messages_set(mosq, 1000);
  mosquitto_subscribe_callback_set(mosq, [](mosquitto*, void* self, int, int, const int*) {
    auto* s = static_cast<State*>(self);
    std::lock_guard lock(s->mutex);
    s->subscribed = true;
    s->changed.notify_all();
  });
  mosquitto_message_callback_set(mosq, [](mosquitto*, void* self, const mosquitto_message* m) {
    auto* s = static_cast<State*>(self);
    const int64_t now = Now();
    const char* body = static_cast<const char*>(m->payload);
    const void* found = memmem(body, m->payloadlen, "\"id\":", 5);
    if (!found) return;
    const long id = std::strtol(static_cast<const char*>(found) + 5, nullptr, 10);
    if (id < 0 || id >= static_cast<long>(s->latency_ns.size())) return;
    if (s->latency_ns[id] >= 0) {
      ++s->duplicates;
      return;
    }
    s->latency_ns[id] = now - s->sent_ns[id];
    s->last_answer_ns = now;
    if (++s->answered == static_cast<long>(s->latency_ns.size())) {
      std::lock_guard lock(s->mutex);
      s->changed.notify_all();
    }
  });
  if (mosquitto_connect(mosq, "127.0.0.1", port, 60) != MOSQ_ERR_SUCCESS) {
    std::fprintf(stderr, "stream_load: cannot connect to 127.0.0.1:%d\n", port);
    return 1;
  }
  mosquitto_loop_start(mosq);
  mosquitto_subscribe(mosq, nullptr, out.c_str(), qos);
  {
    std::unique_lock lock(state.mutex);
    state.changed.wait_for(lock, std::chrono::seconds(10), [&] { return state.subscribed; });
  }

  const int64_t start = Now();
  std::string message;
  for (long id = 0; id < count; ++id) {
    if (rate > 0) {
      const auto due =
          Clock::time_point(std::chrono::nanoseconds(start + static_cast<int64_t>(id * 1e9 / rate)));
      std::this_thread::sleep_until(due);  // pacing of an open-loop load generator
    }
    message = prefix + std::to_string(id) + suffix;
    state.sent_ns[id] = Now();
    mosquitto_publish(mosq, nullptr, in.c_str(), static_cast<int>(message.size()), message.data(), qos,
                      false);
  }
  const int64_t sent_done = Now();
  {
    std::unique_lock lock(state.mutex);
    state.changed.wait_for(lock, std::chrono::seconds(120), [&] { return state.answered.load() == count; });
  }
  mosquitto_disconnect(mosq);
  mosquitto_loop_stop(mosq, false);

  std::vector<int64_t> latencies;
  for (int64_t l : state.latency_ns) {
    if (l >= 0) latencies.push_back(l);
  }
  const double seconds = (std::max(state.last_answer_ns.load(), sent_done) - start) / 1e9;
  std::printf(
      "sent %ld in %.2f s (%.0f/s offered); answered %ld (%ld duplicates); %.0f answers/s; latency p50 %.3f "
      "ms, "
      "p99 %.3f ms, max %.3f ms\n",
      count, (sent_done - start) / 1e9, count / ((sent_done - start) / 1e9), state.answered.load(),
      state.duplicates.load(), state.answered.load() / seconds, Percentile(latencies, 0.5),
      Percentile(latencies, 0.99), Percentile(latencies, 1.0));
  return state.answered.load() == count ? 0 : 1;
}
