#pragma once

#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <string>
#include <vector>

#include "kube/http_transport.h"

namespace kube::testing {

// A scripted transport: Do() answers through a handler; Stream() plays scripted watch responses
// in order, and with the script exhausted blocks until cancelled (like an idle watch).
class FakeTransport : public HttpTransport {
 public:
  struct StreamScript {
    int status = 200;
    std::vector<std::string> chunks;  // sent in order for a 2xx status; otherwise joined as the body
    bool hang_after = false;          // keep the stream open (until cancel) after the chunks
  };

  std::function<HttpResponse(const HttpRequest&)> handler = [](const HttpRequest&) {
    return HttpResponse{404, {}, R"({"kind":"Status","reason":"NotFound","code":404})"};
  };

  Result<HttpResponse> Do(const HttpRequest& request, const CancelToken&) override {
    {
      std::lock_guard lock(mu_);
      requests_.push_back(request);
    }
    return handler(request);
  }

  Result<HttpResponse> Stream(const HttpRequest& request, const std::function<bool(std::string_view)>& on_bytes,
                              const CancelToken& cancel) override {
    StreamScript script;
    {
      std::unique_lock lock(mu_);
      requests_.push_back(request);
      ++streams_started_;
      cv_.notify_all();
      if (streams_.empty()) {
        while (!cancel.Cancelled()) cv_.wait_for(lock, std::chrono::milliseconds(5));
        return MakeError(ErrorCode::kCancelled, "cancelled");
      }
      script = streams_.front();
      streams_.pop_front();
    }
    if (script.status < 200 || script.status >= 300) {
      std::string body;
      for (const auto& c : script.chunks) body += c;
      return HttpResponse{script.status, {}, body};
    }
    for (const auto& c : script.chunks) {
      if (!on_bytes(c)) return HttpResponse{200, {}, ""};
    }
    if (script.hang_after) {
      std::unique_lock lock(mu_);
      while (!cancel.Cancelled()) cv_.wait_for(lock, std::chrono::milliseconds(5));
      return MakeError(ErrorCode::kCancelled, "cancelled");
    }
    return HttpResponse{200, {}, ""};
  }

  void AddStream(StreamScript script) {
    std::lock_guard lock(mu_);
    streams_.push_back(std::move(script));
    cv_.notify_all();
  }

  std::vector<HttpRequest> Requests() const {
    std::lock_guard lock(mu_);
    return requests_;
  }

  // Waits (bounded) until `n` streams have been opened.
  bool WaitForStreams(int n, std::chrono::milliseconds timeout = std::chrono::seconds(10)) {
    std::unique_lock lock(mu_);
    return cv_.wait_for(lock, timeout, [&] { return streams_started_ >= n; });
  }

  int StreamsStarted() const {
    std::lock_guard lock(mu_);
    return streams_started_;
  }

 private:
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::vector<HttpRequest> requests_;
  std::deque<StreamScript> streams_;
  int streams_started_ = 0;
};

inline HttpResponse JsonResponse(int status, const std::string& body,
                                 std::vector<std::pair<std::string, std::string>> headers = {}) {
  return HttpResponse{status, std::move(headers), body};
}

}  // namespace kube::testing
