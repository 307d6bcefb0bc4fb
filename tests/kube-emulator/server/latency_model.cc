#include "kube-emulator/server/latency_model.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>

#include "kube-emulator/server/api_error.h"

namespace kubeemu {

nlohmann::json LatencySettings::ToJson() const {
  return {{"writeMs", write_ms},
          {"readMs", read_ms},
          {"jitter", jitter},
          {"writesPerSecond", writes_per_second},
          {"seed", seed}};
}

bool LatencyModel::IsWrite(const std::string& verb) {
  return verb == "create" || verb == "update" || verb == "patch" || verb == "delete" ||
         verb == "deletecollection";
}

bool LatencyModel::IsRead(const std::string& verb) { return verb == "get" || verb == "list"; }

std::string LatencyModel::Check(const LatencySettings& settings) {
  auto median_ok = [](double ms) { return std::isfinite(ms) && ms >= 0 && ms <= kMaxMedianMs; };
  if (!median_ok(settings.write_ms))
    return "writeMs must be between 0 and " + std::to_string(static_cast<int>(kMaxMedianMs)) +
           " (milliseconds)";
  if (!median_ok(settings.read_ms))
    return "readMs must be between 0 and " + std::to_string(static_cast<int>(kMaxMedianMs)) +
           " (milliseconds)";
  if (!std::isfinite(settings.jitter) || settings.jitter < 0 || settings.jitter > kMaxJitter)
    return "jitter must be between 0 and 2 (the log-normal's sigma; 0.5 gives p99 = 3.2 x median)";
  if (!std::isfinite(settings.writes_per_second) || settings.writes_per_second < 0 ||
      settings.writes_per_second > 1e6)
    return "writesPerSecond must be between 0 (no ceiling) and 1000000";
  return "";
}

void LatencyModel::Configure(const nlohmann::json& body) {
  if (!body.is_object())
    throw BadRequest("latency: the body must be an object {\"writeMs\":5,\"readMs\":1,\"jitter\":0.5}");
  static const char* kFields[] = {"writeMs", "readMs", "jitter", "writesPerSecond", "seed"};
  for (const auto& [key, value] : body.items()) {
    if (std::find(std::begin(kFields), std::end(kFields), key) == std::end(kFields))
      throw BadRequest("latency: unknown field \"" + key +
                       "\" (known: writeMs, readMs, jitter, writesPerSecond, seed)");
    if (!value.is_number())
      throw BadRequest("latency: \"" + key + "\" must be a number, got " + value.dump());
  }
  LatencySettings settings;
  settings.write_ms = body.value("writeMs", 0.0);
  settings.read_ms = body.value("readMs", 0.0);
  settings.jitter = body.value("jitter", 0.0);
  settings.writes_per_second = body.value("writesPerSecond", 0.0);
  if (body.contains("seed")) {
    const auto& seed = body["seed"];
    if (!seed.is_number_integer() || (!seed.is_number_unsigned() && seed.get<int64_t>() < 0))
      throw BadRequest("latency: \"seed\" must be a non-negative integer");
    settings.seed = seed.get<uint64_t>();
  }
  if (auto problem = Check(settings); !problem.empty()) throw BadRequest("latency: " + problem);
  std::lock_guard lock(mu_);
  settings_ = settings;
  random_.seed(settings.seed);
  next_free_ = {};
}

void LatencyModel::Configure(const LatencySettings& settings) {
  if (auto problem = Check(settings); !problem.empty()) throw std::invalid_argument(problem);
  std::lock_guard lock(mu_);
  settings_ = settings;
  random_.seed(settings.seed);
  next_free_ = {};
}

void LatencyModel::Clear() { Configure(LatencySettings{}); }

LatencySettings LatencyModel::settings() const {
  std::lock_guard lock(mu_);
  return settings_;
}

std::chrono::microseconds LatencyModel::Sample(const std::string& verb,
                                               std::chrono::steady_clock::time_point now) {
  using std::chrono::microseconds;
  std::lock_guard lock(mu_);
  microseconds queued{0};
  if (IsWrite(verb) && settings_.writes_per_second > 0) {
    const auto slot = std::chrono::duration_cast<std::chrono::steady_clock::duration>(
        std::chrono::duration<double>(1.0 / settings_.writes_per_second));
    const auto start = std::max(now, next_free_);
    next_free_ = start + slot;
    queued = std::chrono::duration_cast<microseconds>(start - now);
  }
  double median = IsWrite(verb) ? settings_.write_ms : IsRead(verb) ? settings_.read_ms : 0.0;
  if (median <= 0) return queued;
  double factor = 1.0;
  if (settings_.jitter > 0) {
    double z = std::normal_distribution<double>(0.0, 1.0)(random_);
    factor = std::min(std::exp(settings_.jitter * z), kMaxFactor);
  }
  return queued + microseconds(static_cast<int64_t>(std::llround(median * factor * 1000.0)));
}

}  // namespace kubeemu
