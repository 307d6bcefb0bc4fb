#pragma once

#include <cstdint>
#include <mutex>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace kubeemu {

using json = nlohmann::json;

// One write attempt, successful or not, with who made it (GET /emulator/writes).
struct WriteRecord {
  std::string user;
  std::string verb;  // create, update, patch, delete, deletecollection
  std::string group;
  std::string version;
  std::string resource;
  std::string subresource;
  std::string ns;
  std::string name;
  std::string resource_version;  // of the object after the write; empty if nothing changed hands
  int code = 0;
};

// Every write, in order. Thread-safe.
class WriteLog {
 public:
  void Add(WriteRecord record);
  json ToJson() const;

 private:
  mutable std::mutex mu_;
  std::vector<json> entries_;
};

}  // namespace kubeemu
