#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <tuple>

#include "kube/client.h"
#include "kube/clock.h"
#include "kube/metrics.h"

namespace kube {

// events.k8s.io/v1 Events, recorded asynchronously and best-effort like client-go's broadcaster:
// Publish() only puts the Event in a bounded buffer and returns; a background sender writes it.
// - Repeats of the same (object, type, reason, action, note) are aggregated as client-go's
//   EventCorrelator does: while still buffered they only raise the buffered count; once sent and
//   within the aggregation window (10 minutes) they update that Event's series (count,
//   lastObservedTime) instead of creating a new one.
// - A full buffer drops the new Event and counts it (dropped()); nothing ever blocks or fails the
//   caller, and API errors are logged and dropped.
// - The sender runs at low priority: before each write it calls the wait-turn hook, which the
//   operator points at the Pipeline controller's queue so that Events never delay due runs.
class EventRecorder {
 public:
  static constexpr size_t kDefaultMaxBuffered = 1000;  // client-go's maxQueuedEvents

  EventRecorder(std::shared_ptr<Client> client, std::string reporting_controller, std::string reporting_instance,
                Clock& clock = RealClock::Instance(), size_t max_buffered = kDefaultMaxBuffered);
  ~EventRecorder();
  EventRecorder(const EventRecorder&) = delete;
  EventRecorder& operator=(const EventRecorder&) = delete;

  // `regarding` is the object the event is about (apiVersion, kind, metadata.name/namespace/uid are
  // used). type is "Normal" or "Warning"; reason is CamelCase; note is truncated to 1 kB.
  void Publish(const Json& regarding, const std::string& type, const std::string& reason,
               const std::string& action, const std::string& note);

  // Also counts drops in `seed_events_dropped_total` of `metrics` (not owned; outlives this).
  void SetMetrics(Metrics& metrics);
  // Called by the sender before each write; may block (bounded) while more urgent work is ready.
  void SetWaitTurn(std::function<void()> wait_turn);
  // Blocks until every buffered Event was written or dropped (tests, shutdown).
  void Flush();
  // Sends what is buffered for at most `grace`, then stops the sender; later Publish() calls drop.
  void Stop(std::chrono::milliseconds grace = std::chrono::seconds(2));

  uint64_t created() const { return created_; }  // Events created
  uint64_t updated() const { return updated_; }  // series updates sent
  uint64_t dropped() const { return dropped_; }  // dropped because the buffer was full or stopped
  size_t buffered() const;

 private:
  using Key = std::tuple<std::string, std::string, std::string, std::string, std::string>;
  struct Buffered {
    std::string ns, name;  // of the regarding object
    Json ref;              // the regarding reference
    std::string type, reason, action, note;
    int count = 0;                         // occurrences not yet sent
    std::string first_time, last_time;     // RFC 3339 micro
  };
  struct Sent {
    std::string name;  // the Event's own name
    std::string ns;
    int count = 1;
    Clock::TimePoint first;
  };

  void SendLoop();
  void Send(const Key& key, const Buffered& event);

  std::shared_ptr<Client> client_;
  const std::string controller_;
  const std::string instance_;
  Clock& clock_;
  const size_t max_buffered_;

  mutable std::mutex mu_;
  std::condition_variable wake_cv_;     // something buffered, or stopping
  std::condition_variable drained_cv_;  // buffer empty and nothing in flight
  std::deque<Key> order_;
  std::map<Key, Buffered> buffered_;
  bool sending_ = false;
  bool stopping_ = false;
  std::function<void()> wait_turn_;
  std::map<Key, Sent> sent_;  // the sender's aggregation cache

  std::atomic<uint64_t> created_{0};
  std::atomic<uint64_t> updated_{0};
  std::atomic<uint64_t> dropped_{0};
  std::atomic<Metrics::Counter*> dropped_metric_{nullptr};
  std::thread sender_;
};

}  // namespace kube
