#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <tuple>

#include "kube/client.h"
#include "kube/clock.h"

namespace kube {

// events.k8s.io/v1 Events, as kube-rs' Recorder: repeats of the same (object, type, reason, action,
// note) within the aggregation window update one Event's series (count, lastObservedTime) instead
// of creating new ones. Publishing never fails the caller: errors are logged and dropped.
class EventRecorder {
 public:
  EventRecorder(std::shared_ptr<Client> client, std::string reporting_controller, std::string reporting_instance,
                Clock& clock = RealClock::Instance());

  // `regarding` is the object the event is about (apiVersion, kind, metadata.name/namespace/uid are
  // used). type is "Normal" or "Warning"; reason is CamelCase; note is truncated to 1 kB.
  void Publish(const Json& regarding, const std::string& type, const std::string& reason,
               const std::string& action, const std::string& note);

  // For tests: how many Events were created and how many series updates were sent.
  uint64_t created() const { return created_; }
  uint64_t updated() const { return updated_; }

 private:
  struct Seen {
    std::string name;
    std::string ns;
    int count = 1;
    Clock::TimePoint first;
    std::string event_time;
  };
  using Key = std::tuple<std::string, std::string, std::string, std::string, std::string>;

  std::shared_ptr<Client> client_;
  std::string controller_;
  std::string instance_;
  Clock& clock_;
  std::mutex mu_;
  std::map<Key, Seen> seen_;
  std::atomic<uint64_t> created_{0};
  std::atomic<uint64_t> updated_{0};
};

}  // namespace kube
