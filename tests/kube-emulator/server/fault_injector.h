#pragma once

#include <mutex>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "kube-emulator/server/api_error.h"

namespace kubeemu {

using json = nlohmann::json;

// Failures injected on purpose, configured through POST /emulator/faults. Thread-safe.
class FaultInjector {
 public:
  // Replaces every rule. Throws ApiError 400 naming the bad field.
  void Configure(const json& body);
  void Clear();

  // The error to answer instead of serving (verb, resource) to `user`, if a rule fires.
  std::optional<ApiError> Check(const std::string& verb, const std::string& resource,
                                const std::string& user);
  int latency_ms();

 private:
  struct Rule {
    std::string verb;
    std::string resource;
    std::string user = "*";  // only this user's requests (e.g. the operator's, not a test's)
    int code = 500;
    double rate = 1.0;
    std::optional<int> remaining;
    int retry_after_seconds = 0;
  };

  std::mutex mu_;
  std::vector<Rule> rules_;
  int latency_ms_ = 0;
  std::mt19937_64 random_{20260101};
};

}  // namespace kubeemu
