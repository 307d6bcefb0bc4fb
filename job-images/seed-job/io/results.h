#pragma once
// The `value` outputs of a task: a JSON object written to $SEED_RESULTS_FILE (the pod's
// terminationMessagePath), which the operator reads back from the terminated container.
#include <nlohmann/json.hpp>
#include <string>

namespace seed::io {

class Results {
 public:
  void Set(const std::string& key, nlohmann::json value) { values_[key] = std::move(value); }
  const nlohmann::json& values() const { return values_; }
  // Writes the object atomically when SEED_RESULTS_FILE is set; otherwise does nothing.
  void Flush() const;

 private:
  nlohmann::json values_ = nlohmann::json::object();
};

}  // namespace seed::io
