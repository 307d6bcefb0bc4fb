#pragma once

#include <chrono>
#include <condition_variable>
#include <deque>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "kube-emulator/emulator_process.h"

namespace kubeemu::testing {

using json = nlohmann::json;

// How a test request authenticates and what it sends.
struct HttpOptions {
  std::string token;                   // bearer token
  std::string client_cert;             // PEM paths for a client certificate
  std::string client_key;
  std::string content_type = "application/json";
  bool accept_compressed = false;      // send Accept-Encoding: gzip, br, deflate
};

struct HttpResponse {
  long code = 0;
  std::string body;
  std::map<std::string, std::string> headers;  // lower-case names
  json Json() const;
};

// One HTTP request to the emulator with libcurl (bounded: 20 s).
HttpResponse Http(const EmulatorProcess& emulator, const std::string& method, const std::string& path,
                  const std::string& body = "", const HttpOptions& options = {});

// A watch request streamed on its own thread; lines are parsed as they arrive.
class WatchStream {
 public:
  WatchStream(const EmulatorProcess& emulator, const std::string& path, HttpOptions options = {});
  ~WatchStream();
  WatchStream(const WatchStream&) = delete;
  WatchStream& operator=(const WatchStream&) = delete;

  // The next event, or nullopt after `timeout` or once the stream has ended with nothing left.
  std::optional<json> Next(std::chrono::milliseconds timeout = std::chrono::seconds(5));
  // The next event that is not a BOOKMARK.
  std::optional<json> NextNonBookmark(std::chrono::milliseconds timeout = std::chrono::seconds(5));
  // Waits (bounded) for the server to end the stream.
  bool WaitEnded(std::chrono::milliseconds timeout = std::chrono::seconds(5));
  long code();
  std::string raw_body();  // everything received, for a non-200 answer

 private:
  void Run(std::string url, HttpOptions options, std::string ca_file);

  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<json> events_;
  std::string buffer_;
  std::string raw_;
  bool ended_ = false;
  bool stop_ = false;
  long code_ = 0;
  std::thread thread_;
};

}  // namespace kubeemu::testing
