// libevent lives only in this translation unit.
#include "serve/http_server.h"

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/listener.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <signal.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstring>
#include <mutex>
#include <stdexcept>
#include <thread>
#include <vector>

#include "io/input_error.h"

namespace seed::serve {

namespace {

constexpr ev_ssize_t kMaxHeaderBytes = 64 << 10;
// What evhttp hands to the handler (which answers 404 for what it does not serve); TRACE and
// CONNECT get evhttp's own 405.
constexpr ev_uint16_t kMethods = EVHTTP_REQ_GET | EVHTTP_REQ_POST | EVHTTP_REQ_HEAD | EVHTTP_REQ_PUT |
                                 EVHTTP_REQ_DELETE | EVHTTP_REQ_OPTIONS | EVHTTP_REQ_PATCH;
// How long a worker stops accepting after accept() failed (out of descriptors or memory) rather
// than spinning on a listening socket that stays readable.
constexpr timeval kAcceptPause = {0, 100'000};

std::string_view MethodName(evhttp_cmd_type type) {
  switch (type) {
    case EVHTTP_REQ_GET: return "GET";
    case EVHTTP_REQ_POST: return "POST";
    case EVHTTP_REQ_HEAD: return "HEAD";
    case EVHTTP_REQ_PUT: return "PUT";
    case EVHTTP_REQ_DELETE: return "DELETE";
    case EVHTTP_REQ_OPTIONS: return "OPTIONS";
    case EVHTTP_REQ_PATCH: return "PATCH";
    default: return "OTHER";
  }
}

// A non-blocking listening TCP socket on host:port, or -1 with the reason in *error. TCP_NODELAY
// is set here because Linux copies it to every accepted socket: a response is one write, and
// Nagle's algorithm would only delay it.
int Listen(const std::string& host, int port, std::string* error) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
  addrinfo* found = nullptr;
  const std::string service = std::to_string(port);
  if (int rc = getaddrinfo(host.empty() ? nullptr : host.c_str(), service.c_str(), &hints, &found); rc != 0) {
    *error = gai_strerror(rc);
    return -1;
  }
  int fd = -1;
  for (addrinfo* address = found; address && fd < 0; address = address->ai_next) {
    fd = socket(address->ai_family, address->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, address->ai_protocol);
    if (fd < 0) {
      *error = std::strerror(errno);
      continue;
    }
    const int on = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on);
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof on);
    if (bind(fd, address->ai_addr, address->ai_addrlen) != 0 || listen(fd, SOMAXCONN) != 0) {
      *error = std::strerror(errno);
      close(fd);
      fd = -1;
    }
  }
  freeaddrinfo(found);
  return fd;
}

int BoundPort(int fd) {
  sockaddr_storage address{};
  socklen_t length = sizeof address;
  if (getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) != 0) return -1;
  if (address.ss_family == AF_INET6) return ntohs(reinterpret_cast<sockaddr_in6*>(&address)->sin6_port);
  return ntohs(reinterpret_cast<sockaddr_in*>(&address)->sin_port);
}

struct Shared {
  HttpServerOptions options;
  HttpServer::Handler handler;
  int listen_fd = -1;
  int stop_fd = -1;  // an eventfd, written once by Stop() and never read: readable for every worker
  std::atomic<bool> stopping{false};
};

// One event loop and its evhttp. Touched only by its own thread while the loop runs.
struct Worker {
  Shared* shared = nullptr;
  event_base* base = nullptr;
  evhttp* http = nullptr;
  evhttp_bound_socket* bound = nullptr;  // null once the worker stopped accepting
  event* stop_event = nullptr;
  event* resume_accepting = nullptr;
  std::vector<evhttp_connection*> unflushed;  // connections whose response is not yet written
  bool draining = false;
  std::string body;  // the response body buffer, reused by every request
  std::thread thread;
};

void Forget(Worker& worker, evhttp_connection* connection) {
  auto found = std::find(worker.unflushed.begin(), worker.unflushed.end(), connection);
  if (found != worker.unflushed.end()) {
    *found = worker.unflushed.back();
    worker.unflushed.pop_back();
  }
  if (worker.draining && worker.unflushed.empty() && !worker.shared->options.drain_keeps_idle_connections)
    event_base_loopbreak(worker.base);
}

void OnResponseWritten(evhttp_request* request, void* arg) {
  Forget(*static_cast<Worker*>(arg), evhttp_request_get_connection(request));
}

// Also called when a response could not be written (the client left, or the write timed out).
void OnConnectionClosed(evhttp_connection* connection, void* arg) { Forget(*static_cast<Worker*>(arg), connection); }

// evhttp writes an answer only on the loop's next turn, once epoll says the socket is writable:
// an epoll_ctl to watch for writability, an epoll_wait, and an epoll_ctl to stop watching, for
// every request. Writing it now (a reply fits the socket buffer) and then telling the bufferevent
// its output drained runs the same completion evhttp's write callback runs on that next turn:
// 5 system calls per keep-alive request instead of 7. After this, the request (and, for a closing
// connection, the connection) may be freed; a partial write is finished by the bufferevent.
void WriteNow(evhttp_connection* connection) {
  bufferevent* stream = evhttp_connection_get_bufferevent(connection);
  evbuffer* output = bufferevent_get_output(stream);
  evbuffer_unfreeze(output, 1);  // a socket bufferevent keeps its output's start frozen except while it writes
  const int written = evbuffer_write(output, bufferevent_getfd(stream));
  evbuffer_freeze(output, 1);
  if (written > 0 && evbuffer_get_length(output) == 0) bufferevent_trigger(stream, EV_WRITE, 0);
}

void OnRequest(evhttp_request* request, void* arg) {
  Worker& worker = *static_cast<Worker*>(arg);
  const char* uri = evhttp_request_get_uri(request);
  std::string_view path = uri ? uri : "";
  path = path.substr(0, path.find('?'));
  evbuffer* input = evhttp_request_get_input_buffer(request);
  const size_t length = evbuffer_get_length(input);
  std::string_view body;
  if (length > 0) {
    const unsigned char* contiguous = evbuffer_pullup(input, -1);
    if (!contiguous) {  // out of memory
      evhttp_send_error(request, 500, nullptr);
      return;
    }
    body = {reinterpret_cast<const char*>(contiguous), length};
  }

  worker.body.clear();
  HttpResponse response{.body = worker.body};
  try {
    worker.shared->handler(HttpRequest{MethodName(evhttp_request_get_command(request)), path, body}, response);
  } catch (...) {  // the handler answers its own errors; nothing may unwind into libevent
    response.status = 500;
    response.content_type = "text/plain; charset=utf-8";
    worker.body = "internal error\n";
  }
  evkeyvalq* headers = evhttp_request_get_output_headers(request);
  evhttp_add_header(headers, "Content-Type", response.content_type);
  if (worker.shared->stopping.load(std::memory_order_relaxed)) evhttp_add_header(headers, "Connection", "close");
  evbuffer_add(evhttp_request_get_output_buffer(request), worker.body.data(), worker.body.size());
  evhttp_connection* connection = evhttp_request_get_connection(request);
  if (connection) {
    worker.unflushed.push_back(connection);
    evhttp_connection_set_closecb(connection, OnConnectionClosed, &worker);
    evhttp_request_set_on_complete_cb(request, OnResponseWritten, &worker);
  }
  evhttp_send_reply(request, response.status, nullptr, nullptr);
  if (connection) WriteNow(connection);
}

void StopAccepting(Worker& worker) {
  if (worker.bound) evhttp_del_accept_socket(worker.http, worker.bound);  // leaves the shared socket open
  worker.bound = nullptr;
  event_del(worker.resume_accepting);
}

void OnStop(evutil_socket_t, short, void* arg) {
  Worker& worker = *static_cast<Worker*>(arg);
  worker.draining = true;
  StopAccepting(worker);
  // Keeping idle connections: with the listener and this event gone, only connections hold events,
  // and the loop returns by itself once the last of them is closed (after its Connection: close
  // response, or at its idle timeout).
  if (worker.shared->options.drain_keeps_idle_connections) return;
  if (worker.unflushed.empty()) event_base_loopbreak(worker.base);
}

// The worker whose loop runs on this thread (the listener's callbacks get the evhttp, not it).
thread_local Worker* t_worker = nullptr;

void OnAcceptError(evconnlistener* listener, void*) {
  Worker& worker = *t_worker;
  evconnlistener_disable(listener);
  // After Stop() shut the socket down every accept fails; otherwise pause and try again.
  if (!worker.shared->stopping.load()) event_add(worker.resume_accepting, &kAcceptPause);
}

void OnResumeAccepting(evutil_socket_t, short, void* arg) {
  Worker& worker = *static_cast<Worker*>(arg);
  if (worker.bound) evconnlistener_enable(evhttp_bound_socket_get_listener(worker.bound));
}

// Creates the worker's loop and evhttp, accepting from the shared socket; throws when libevent
// cannot (out of memory or descriptors). What was created is freed by FreeWorker.
void SetUpWorker(Shared& shared, Worker& worker) {
  worker.shared = &shared;
  // The changelist applies the read/write toggling evhttp does around each request as one
  // epoll_ctl before the next epoll_wait rather than one per toggle (4 per request); it is unsafe
  // only with dup()ed descriptors, which nothing here uses.
  event_config* config = event_config_new();
  if (!config) throw std::runtime_error("libevent: cannot create an event loop");
  event_config_set_flag(config, EVENT_BASE_FLAG_EPOLL_USE_CHANGELIST);
  worker.base = event_base_new_with_config(config);
  event_config_free(config);
  if (!worker.base) throw std::runtime_error("libevent: cannot create an event loop");
  worker.http = evhttp_new(worker.base);
  if (!worker.http) throw std::runtime_error("libevent: cannot create an HTTP server");
  evhttp_set_timeout(worker.http, static_cast<int>(shared.options.idle_timeout.count()));
  // (a negative size would mean no limit to evhttp)
  const size_t max_body = std::min<size_t>(shared.options.max_buffered_body_bytes, EV_SSIZE_MAX);
  evhttp_set_max_body_size(worker.http, static_cast<ev_ssize_t>(max_body));
  evhttp_set_max_headers_size(worker.http, kMaxHeaderBytes);
  evhttp_set_allowed_methods(worker.http, kMethods);
  // Reads (and drops) the rest of an oversized body before answering 413, so the client sees the
  // answer rather than a reset connection.
  evhttp_set_flags(worker.http, EVHTTP_SERVER_LINGERING_CLOSE);
  evhttp_set_gencb(worker.http, OnRequest, &worker);
  // Not LEV_OPT_CLOSE_ON_FREE: every worker's listener shares the one socket, closed by Stop().
  evconnlistener* listener = evconnlistener_new(worker.base, nullptr, nullptr, LEV_OPT_CLOSE_ON_EXEC, 0, shared.listen_fd);
  if (!listener) throw std::runtime_error("libevent: cannot accept on the listening socket");
  evconnlistener_set_error_cb(listener, OnAcceptError);
  worker.bound = evhttp_bind_listener(worker.http, listener);
  if (!worker.bound) {
    evconnlistener_free(listener);
    throw std::runtime_error("libevent: cannot accept on the listening socket");
  }
  worker.stop_event = event_new(worker.base, shared.stop_fd, EV_READ, OnStop, &worker);
  worker.resume_accepting = evtimer_new(worker.base, OnResumeAccepting, &worker);
  if (!worker.stop_event || !worker.resume_accepting || event_add(worker.stop_event, nullptr) != 0) {
    throw std::runtime_error("libevent: cannot create the worker's events");
  }
}

void FreeWorker(Worker& worker) {
  if (worker.http) evhttp_free(worker.http);  // closes the connections still open
  if (worker.stop_event) event_free(worker.stop_event);
  if (worker.resume_accepting) event_free(worker.resume_accepting);
  if (worker.base) event_base_free(worker.base);
  worker.http = nullptr;
  worker.bound = nullptr;
  worker.stop_event = worker.resume_accepting = nullptr;
  worker.base = nullptr;
}

void RunWorker(Worker& worker) {
  // A write to a connection the client closed must fail with EPIPE, not kill the process.
  sigset_t pipe;
  sigemptyset(&pipe);
  sigaddset(&pipe, SIGPIPE);
  pthread_sigmask(SIG_BLOCK, &pipe, nullptr);
  t_worker = &worker;
  event_base_dispatch(worker.base);
  // Drained: close the connections left (idle, or with a request not yet complete) now rather
  // than when the last worker is done, so their clients learn it at once.
  FreeWorker(worker);
}

}  // namespace

struct HttpServer::Impl : Shared {
  std::vector<std::unique_ptr<Worker>> workers;
  int port = 0;
  std::mutex stop_mutex;
};

HttpServer::HttpServer(HttpServerOptions options, Handler handler) : impl_(std::make_unique<Impl>()) {
  impl_->options = std::move(options);
  impl_->handler = std::move(handler);
}

HttpServer::~HttpServer() { Stop(); }

void HttpServer::Start() {
  Impl& impl = *impl_;
  std::string error;
  impl.listen_fd = Listen(impl.options.host, impl.options.port, &error);
  if (impl.listen_fd < 0) {
    throw io::UsageError("cannot listen on " + impl.options.host + ":" + std::to_string(impl.options.port) + ": " +
                         error + "; choose another --host or --port");
  }
  impl.port = BoundPort(impl.listen_fd);
  impl.stop_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  if (impl.stop_fd < 0) throw std::runtime_error(std::string("eventfd: ") + std::strerror(errno));
  const int threads = impl.options.threads > 0 ? impl.options.threads
                                               : static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  for (int i = 0; i < threads; ++i) {
    impl.workers.push_back(std::make_unique<Worker>());
    SetUpWorker(impl, *impl.workers.back());
  }
  for (auto& worker : impl.workers) worker->thread = std::thread(RunWorker, std::ref(*worker));
}

int HttpServer::port() const { return impl_->port; }

void HttpServer::Stop() {
  Impl& impl = *impl_;
  std::lock_guard lock(impl.stop_mutex);
  impl.stopping = true;
  // Refuses new connections at once, even while every worker is busy with a request; the socket
  // stays open (so its number cannot be reused under the workers) until they are joined.
  if (impl.listen_fd >= 0) shutdown(impl.listen_fd, SHUT_RDWR);
  if (impl.stop_fd >= 0) eventfd_write(impl.stop_fd, 1);
  for (auto& worker : impl.workers) {
    if (worker->thread.joinable()) worker->thread.join();
  }
  for (auto& worker : impl.workers) FreeWorker(*worker);  // those that never ran
  impl.workers.clear();
  if (impl.listen_fd >= 0) close(impl.listen_fd);
  if (impl.stop_fd >= 0) close(impl.stop_fd);
  impl.listen_fd = impl.stop_fd = -1;
}

}  // namespace seed::serve
