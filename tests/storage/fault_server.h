#pragma once
// A tiny HTTP/1.1 server on 127.0.0.1 (ephemeral port) for the failures a real S3 server will not
// produce on demand: answers 503 SlowDown to the first `failures` requests, then 200 with `body`;
// with `truncate`, every 200 announces the full Content-Length but sends only half the body and
// closes the connection; with `redirect_to`, other paths are redirected there. Each answer closes
// its connection. Serves GET and HEAD, and answers a PUT (after reading its body) like a GET.
#include <atomic>
#include <mutex>
#include <string>
#include <thread>

namespace seed::storage_test {

class FaultServer {
 public:
  struct Behaviour {
    int failures = 0;  // this many 503 answers first
    int failure_status = 503;
    bool truncate = false;  // lie about Content-Length on the 200s
    std::string body = "time,power_mw\n";
    // When set, a request for any other path is answered 302 with Location: this path.
    std::string redirect_to;
  };
  explicit FaultServer(Behaviour behaviour);
  ~FaultServer();  // stops accepting and joins the thread
  FaultServer(const FaultServer&) = delete;
  FaultServer& operator=(const FaultServer&) = delete;

  std::string Url(const std::string& path) const {
    return "http://127.0.0.1:" + std::to_string(port_) + path;
  }
  int requests() const { return requests_.load(); }
  // The request line and headers of the last request (after it was answered).
  std::string last_request() const {
    const std::lock_guard lock(mutex_);
    return last_request_;
  }

 private:
  void Serve();
  Behaviour behaviour_;
  int listener_ = -1;
  int port_ = 0;
  std::atomic<bool> stop_{false};
  std::atomic<int> requests_{0};
  mutable std::mutex mutex_;
  std::string last_request_;
  std::thread thread_;
};

}  // namespace seed::storage_test
