#pragma once
// An HTTP/1.1 server on libevent's evhttp: one event loop per worker thread, every loop accepting
// from the same listening socket; keep-alive connections, an idle timeout, a bound on what a
// request may make the server buffer, and a graceful drain. It knows nothing of the routes: every
// request goes to one handler, which runs on the worker thread that read the request.
#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

namespace seed::serve {

struct HttpServerOptions {
  std::string host = "0.0.0.0";
  int port = 8080;  // 0: any free port (see HttpServer::port())
  int threads = 0;  // worker threads (event loops); 0: one per core
  // Requests with a larger body (or headers over 64 KiB) are refused by libevent itself with its own
  // 413/400 page and the connection closed; the handler sees only bodies up to this size.
  size_t max_buffered_body_bytes = 4 << 20;
  std::chrono::seconds idle_timeout{5};  // a connection silent this long (or a write stuck) is closed
  // What a drain (Stop) does with idle keep-alive connections. Closing them at once loses a
  // request a client (a proxy reusing its pooled connection) sends at that moment: it is already
  // on the wire when the close arrives. Keeping them answers such a request (with Connection:
  // close) and closes each connection after its response, or at the idle timeout when no request
  // comes, so a drain lasts at most about idle_timeout.
  bool drain_keeps_idle_connections = false;
};

// Views into the request; valid only during the handler call.
struct HttpRequest {
  std::string_view method;  // "GET", "POST", ...
  std::string_view path;    // the request target without its query
  std::string_view body;
};

struct HttpResponse {
  int status = 200;
  const char* content_type = "application/json";
  std::string& body;  // empty at the start of each request; the worker reuses its capacity
};

class HttpServer {
 public:
  using Handler = std::function<void(const HttpRequest&, HttpResponse&)>;
  HttpServer(HttpServerOptions options, Handler handler);
  ~HttpServer();  // Stop()
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // Binds, listens and starts the workers. Throws io::UsageError when it cannot listen.
  void Start();
  int port() const;
  // Graceful drain: the listening socket stops accepting at once (new connections are refused),
  // responses of requests already read are written (with Connection: close), then idle and
  // half-received connections are closed (or, with drain_keeps_idle_connections, each open
  // connection gets its next request answered with Connection: close, or its idle timeout) and
  // the workers joined. Idempotent.
  void Stop();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace seed::serve
