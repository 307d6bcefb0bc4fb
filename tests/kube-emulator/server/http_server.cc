#include "kube-emulator/server/http_server.h"

#include <httplib.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <chrono>
#include <cstdio>
#include <iostream>
#include <set>
#include <stdexcept>
#include <thread>

#include "kube-emulator/server/api_error.h"
#include "kube-emulator/server/object_text.h"
#include "kube-emulator/server/rbac_authorizer.h"

namespace kubeemu {
namespace {

// An unlisted content type: the Debian cpp-httplib gzips "application/json" when the client accepts it,
// and a compressed watch stream is held back until it ends. Clients parse this as application/json.
constexpr const char* kWatchContentType = "application/json;stream=watch";
constexpr size_t kMaxBodyBytes = 3 * 1024 * 1024;  // the API server's request size limit
// The API server gzips a response only from 128 KiB on (APIResponseCompression), and never uses
// brotli; the Debian cpp-httplib would brotli-compress every JSON body whose client accepts "br"
// (curl's default Accept-Encoding does), at a CPU cost many times that of serving the request.
constexpr size_t kCompressFromBytes = 128 * 1024;
constexpr size_t kKeepAliveMaxRequests = 1000000;

// cpp-httplib picks the encoding from the request's Accept-Encoding after the handler returns, so
// the header is narrowed here: removed for a small body, "gzip" only for a large one. The request
// object belongs to the server's connection loop and is not const there.
void MatchApiServerCompression(const httplib::Request& req, size_t body_bytes) {
  auto& headers = const_cast<httplib::Headers&>(req.headers);
  auto accepted = headers.find("Accept-Encoding");
  if (accepted == headers.end()) return;
  bool gzip = accepted->second.find("gzip") != std::string::npos;
  headers.erase("Accept-Encoding");
  if (gzip && body_bytes >= kCompressFromBytes) headers.emplace("Accept-Encoding", "gzip");
}

void SendJson(httplib::Response& res, int code, const json& body) {
  res.status = code;
  res.set_content(body.dump(), "application/json");
}

void SendJson(const httplib::Request& req, httplib::Response& res, int code, const json& body) {
  SendJson(res, code, body);
  MatchApiServerCompression(req, res.body.size());
}

// The JSON body of a POST to an /emulator/<what> control endpoint; 400 when it is not JSON.
json ControlBody(const httplib::Request& req, const std::string& what) {
  try {
    return json::parse(req.body);
  } catch (const json::parse_error& error) {
    throw BadRequest(what + ": the body is not valid JSON: " + error.what());
  }
}

void SendError(httplib::Response& res, const ApiError& error) {
  if (error.retry_after_seconds() > 0) res.set_header("Retry-After", std::to_string(error.retry_after_seconds()));
  SendJson(res, error.code(), error.ToStatus());
}

std::string PeerCommonName(const SSL* ssl) {
  if (ssl == nullptr || SSL_get_verify_result(ssl) != X509_V_OK) return "";
  X509* cert = SSL_get1_peer_certificate(ssl);
  if (cert == nullptr) return "";
  char name[256] = {0};
  int length = X509_NAME_get_text_by_NID(X509_get_subject_name(cert), NID_commonName, name, sizeof name);
  X509_free(cert);
  return length > 0 ? std::string(name, static_cast<size_t>(length)) : "";
}

int HexDigit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::string DecodeQueryComponent(const std::string& text) {
  std::string out;
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '+') {
      out += ' ';
    } else if (text[i] == '%' && i + 2 < text.size() && HexDigit(text[i + 1]) >= 0 && HexDigit(text[i + 2]) >= 0) {
      out += static_cast<char>(HexDigit(text[i + 1]) * 16 + HexDigit(text[i + 2]));
      i += 2;
    } else {
      out += text[i];
    }
  }
  return out;
}

// The query string, split at the first '=' of each pair. cpp-httplib's own parsing keeps only the text
// after the last '=', which breaks selectors such as labelSelector=app=web sent unescaped.
std::map<std::string, std::string> ParseQuery(const std::string& target) {
  std::map<std::string, std::string> query;
  auto question = target.find('?');
  if (question == std::string::npos) return query;
  std::string rest = target.substr(question + 1);
  size_t start = 0;
  while (start <= rest.size()) {
    size_t amp = rest.find('&', start);
    if (amp == std::string::npos) amp = rest.size();
    std::string pair = rest.substr(start, amp - start);
    if (!pair.empty()) {
      auto eq = pair.find('=');
      std::string key = DecodeQueryComponent(pair.substr(0, eq));
      std::string value = eq == std::string::npos ? "" : DecodeQueryComponent(pair.substr(eq + 1));
      query.emplace(std::move(key), std::move(value));
    }
    start = amp + 1;
  }
  return query;
}

}  // namespace

HttpServer::HttpServer(Emulator& emulator, ServerOptions options)
    : emulator_(emulator), options_(std::move(options)) {}

HttpServer::~HttpServer() = default;

std::string HttpServer::Url() const {
  return std::string(options_.tls_cert.empty() ? "http" : "https") + "://" + options_.host + ":" +
         std::to_string(port_);
}

std::unique_ptr<httplib::Server> HttpServer::MakeServer() {
  std::unique_ptr<httplib::Server> server;
  if (options_.tls_cert.empty()) {
    server = std::make_unique<httplib::Server>();
  } else {
    auto ssl_server = std::make_unique<httplib::SSLServer>(options_.tls_cert.c_str(), options_.tls_key.c_str());
    if (!ssl_server->is_valid()) {
      throw std::runtime_error("cannot load the TLS certificate " + options_.tls_cert + " and key " +
                               options_.tls_key + " (PEM files expected)");
    }
    if (!options_.client_ca.empty()) {
      // Client certificates are optional here (bearer tokens must still work), so the CA is set up by hand:
      // the SSLServer constructor that takes a client CA also demands a certificate from every client.
      SSL_CTX* context = ssl_server->ssl_context();
      if (SSL_CTX_load_verify_locations(context, options_.client_ca.c_str(), nullptr) != 1) {
        throw std::runtime_error("cannot load the client CA " + options_.client_ca + " (a PEM file expected)");
      }
      SSL_CTX_set_client_CA_list(context, SSL_load_client_CA_file(options_.client_ca.c_str()));
      SSL_CTX_set_verify(context, SSL_VERIFY_PEER, nullptr);
    }
    server = std::move(ssl_server);
  }
  const int threads = options_.threads;
  server->new_task_queue = [threads] { return new httplib::ThreadPool(static_cast<size_t>(threads)); };
  server->set_payload_max_length(kMaxBodyBytes);
  // Without TCP_NODELAY every small response waits out the client's delayed ACK (~40 ms a request).
  server->set_tcp_nodelay(true);
  // The API server never closes a busy kept-alive connection; cpp-httplib's default closes it after
  // 5 requests, so a client paid a new TCP connection and TLS handshake every 5 requests. The idle
  // timeout stays at its 5 s, so idle connections still give their pool thread back.
  server->set_keep_alive_max_count(kKeepAliveMaxRequests);
  auto admin = [this](const httplib::Request& req, httplib::Response& res) { ServeAdmin(req, res); };
  auto api = [this](const httplib::Request& req, httplib::Response& res) { ServeApi(req, res); };
  server->Get("/emulator/.*", admin);
  server->Post("/emulator/.*", admin);
  server->Delete("/emulator/.*", admin);
  server->Get(".*", api);
  server->Post(".*", api);
  server->Put(".*", api);
  server->Patch(".*", api);
  server->Delete(".*", api);
  return server;
}

int HttpServer::Bind() {
  std::lock_guard lock(mu_);
  server_ = MakeServer();
  if (options_.port == 0) {
    port_ = server_->bind_to_any_port(options_.host);
  } else {
    port_ = server_->bind_to_port(options_.host, options_.port) ? options_.port : -1;
  }
  if (port_ <= 0) {
    throw std::runtime_error("cannot listen on " + options_.host + ":" + std::to_string(options_.port));
  }
  emulator_.SetServerAddress(options_.host + ":" + std::to_string(port_));
  return port_;
}

void HttpServer::Run() {
  while (true) {
    httplib::Server* server = nullptr;
    {
      std::lock_guard lock(mu_);
      if (stopping_) break;
      server = server_.get();
    }
    server->listen_after_bind();
    std::unique_lock lock(mu_);
    if (stopping_ || !restart_requested_) break;
    // A restart: every connection and watch is gone; listen again on the same port, keeping the state.
    restart_requested_ = false;
    server_ = MakeServer();
    bool bound = false;
    for (int attempt = 0; attempt < 50 && !bound; ++attempt) {
      bound = server_->bind_to_port(options_.host, port_);
      if (!bound) {
        lock.unlock();
        std::this_thread::sleep_for(std::chrono::milliseconds(20));  // the old socket is still closing
        lock.lock();
      }
    }
    if (!bound) throw std::runtime_error("cannot listen again on port " + std::to_string(port_) + " after a restart");
    ++restarts_;
    restarted_cv_.notify_all();
  }
}

void HttpServer::Shutdown() {
  std::lock_guard lock(mu_);
  stopping_ = true;
  emulator_.DropWatches();
  if (server_) server_->stop();
  restarted_cv_.notify_all();
}

void HttpServer::RequestRestart() {
  std::lock_guard lock(mu_);
  if (stopping_) return;
  restart_requested_ = true;
  emulator_.DropWatches();
  server_->stop();
}

std::optional<std::string> HttpServer::Authenticate(const httplib::Request& req) const {
  if (options_.tokens.empty() && options_.client_ca.empty()) return "system:anonymous";
  std::string authorization = req.get_header_value("Authorization");
  const std::string kBearer = "Bearer ";
  if (authorization.rfind(kBearer, 0) == 0) {
    auto it = options_.tokens.find(authorization.substr(kBearer.size()));
    if (it != options_.tokens.end()) return it->second;
    return std::nullopt;  // a wrong token is refused even if a certificate would do
  }
  if (!options_.client_ca.empty()) {
    std::string common_name = PeerCommonName(req.ssl);
    if (!common_name.empty()) return common_name;
  }
  return std::nullopt;
}

void HttpServer::ServeAdmin(const httplib::Request& req, httplib::Response& res) {
  MatchApiServerCompression(req, 0);  // never compressed: test drivers on loopback read these
  try {
    const std::string& path = req.path;
    if (path == "/emulator/healthz" && req.method == "GET") {
      res.set_header("X-Emulator-Restarts", std::to_string(restarts_.load()));
      res.set_content("ok", "text/plain");
    } else if (path == "/emulator/watches" && req.method == "GET") {
      SendJson(res, 200, {{"open", emulator_.OpenWatches()}});
    } else if (path == "/emulator/writes" && req.method == "GET") {
      SendJson(res, 200, emulator_.writes().ToJson());
    } else if (path == "/emulator/authorizations" && req.method == "GET") {
      SendJson(res, 200,
               emulator_.authorizations().ToJson(req.has_param("user") ? req.get_param_value("user") : ""));
    } else if (path == "/emulator/faults" && req.method == "POST") {
      emulator_.faults().Configure(ControlBody(req, "faults"));
      SendJson(res, 200, {{"ok", true}});
    } else if (path == "/emulator/faults" && req.method == "DELETE") {
      emulator_.faults().Clear();
      SendJson(res, 200, {{"ok", true}});
    } else if (path == "/emulator/latency" && req.method == "POST") {
      emulator_.latency().Configure(ControlBody(req, "latency"));
      SendJson(res, 200, emulator_.latency().settings().ToJson());
    } else if (path == "/emulator/latency" && req.method == "GET") {
      SendJson(res, 200, emulator_.latency().settings().ToJson());
    } else if (path == "/emulator/latency" && req.method == "DELETE") {
      emulator_.latency().Clear();
      SendJson(res, 200, emulator_.latency().settings().ToJson());
    } else if (path == "/emulator/drop-watches" && req.method == "POST") {
      emulator_.DropWatches();
      SendJson(res, 200, {{"ok", true}});
    } else if (path == "/emulator/expire-next-watch" && req.method == "POST") {
      std::string mode = req.has_param("mode") ? req.get_param_value("mode") : "status";
      if (mode != "status" && mode != "stream") {
        throw BadRequest("expire-next-watch: mode must be \"status\" or \"stream\", got \"" + mode + "\"");
      }
      emulator_.ExpireNextWatch(mode == "status" ? ExpireMode::kStatus : ExpireMode::kStream);
      SendJson(res, 200, {{"ok", true}});
    } else if (path == "/emulator/audit" && req.method == "POST") {
      const json body = ControlBody(req, "audit");
      std::set<std::string> plurals;
      if (!body.contains("resources") || !body["resources"].is_array())
        throw BadRequest("audit: the body must be {\"resources\": [\"deployments\", ...]}");
      for (const auto& plural : body["resources"]) {
        if (!plural.is_string()) throw BadRequest("audit: every resource must be a plural name (a string)");
        plurals.insert(plural.get<std::string>());
      }
      emulator_.audit().Watch(std::move(plurals));
      SendJson(res, 200, {{"ok", true}});
    } else if (path == "/emulator/audit" && req.method == "GET") {
      SendJson(res, 200, emulator_.audit().ToJson());
    } else if (path == "/emulator/compact" && req.method == "POST") {
      emulator_.Compact();
      SendJson(res, 200, {{"ok", true}});
    } else if (path == "/emulator/restart" && req.method == "POST") {
      res.set_header("Connection", "close");
      SendJson(res, 200, {{"ok", true}, {"restarts", restarts_.load() + 1}});
      RequestRestart();
    } else {
      throw ApiError(404, "NotFound",
                     "no admin endpoint " + req.method + " " + path +
                         " (see the emulator README: authorizations, faults, latency, drop-watches, "
                         "expire-next-watch, compact, audit, restart, "
                         "writes, watches, healthz)");
    }
  } catch (const ApiError& error) {
    SendError(res, error);
  }
}

void HttpServer::ServeApi(const httplib::Request& req, httplib::Response& res) {
  std::optional<std::string> user = Authenticate(req);
  if (!user) {
    SendJson(req, res, 401, Unauthorized().ToStatus());
    return;
  }
  ApiRequest request;
  request.method = req.method;
  request.path = req.path;
  request.query = ParseQuery(req.target);
  request.content_type = req.get_header_value("Content-Type");
  request.user_agent = req.get_header_value("User-Agent");
  request.accept = req.get_header_value("Accept");
  request.body = req.body;
  request.user = *user;
  auto configured = options_.groups.find(*user);
  request.groups =
      GroupsOf(*user, configured == options_.groups.end() ? std::vector<std::string>{} : configured->second);
  ApiResponse response;
  try {
    response = emulator_.Handle(request);
  } catch (const std::exception& error) {
    SendJson(req, res, 500, ApiError(500, "InternalError", std::string("internal error: ") + error.what()).ToStatus());
    return;
  }
  if (options_.verbose) {
    std::cerr << request.method << " " << req.path << (req.params.empty() ? "" : "?...") << " user=" << *user
              << " -> " << response.code << (response.watcher ? " (watch)" : "") << std::endl;
  }
  for (const auto& [name, value] : response.headers) res.set_header(name, value);
  if (!response.raw_body.empty() || !response.raw_content_type.empty()) {  // an empty log is still text
    res.status = response.code;
    res.set_content(response.raw_body, response.raw_content_type);
    MatchApiServerCompression(req, res.body.size());
    return;
  }
  if (response.object != nullptr) {
    // A stored object: its text is usually made already, for the write's watch events.
    res.status = response.code;
    res.set_content(ObjectText(response.object), "application/json");
    MatchApiServerCompression(req, res.body.size());
    return;
  }
  if (!response.watcher) {
    SendJson(req, res, response.code, response.body);
    return;
  }

  res.status = 200;
  auto watcher = response.watcher;
  const auto interval = std::chrono::milliseconds(options_.bookmark_interval_ms);
  const auto start = std::chrono::steady_clock::now();
  const auto deadline = start + response.watch_timeout;
  const bool bookmarks = response.bookmarks;
  auto next_bookmark = std::make_shared<std::chrono::steady_clock::time_point>(start + interval);
  Emulator* emulator = &emulator_;
  res.set_chunked_content_provider(
      kWatchContentType,
      [watcher, deadline, bookmarks, interval, next_bookmark](size_t, httplib::DataSink& sink) {
        // Block until there is something to send: cpp-httplib calls this again at once if it returns
        // without writing. Wake at least every 200 ms to notice a client that went away.
        while (true) {
          auto now = std::chrono::steady_clock::now();
          if (!sink.is_writable()) return false;
          if (now >= deadline) {
            sink.done();
            return true;
          }
          auto wake = std::min(deadline, now + std::chrono::milliseconds(200));
          if (bookmarks) wake = std::min(wake, *next_bookmark);
          std::string line;
          switch (watcher->Next(wake, &line)) {
            case Watcher::Wait::kLine:
              return sink.write(line.data(), line.size());
            case Watcher::Wait::kClosed:
              sink.done();
              return true;
            case Watcher::Wait::kTimeout:
              break;
          }
          now = std::chrono::steady_clock::now();
          uint64_t rv = 0;
          if (bookmarks && now >= *next_bookmark && watcher->BookmarkRv(&rv)) {
            *next_bookmark = now + interval;
            const WatchFilter& filter = watcher->filter();
            std::string bookmark = json{{"type", "BOOKMARK"},
                                        {"object",
                                         {{"kind", filter.kind},
                                          {"apiVersion", filter.api_version},
                                          {"metadata", {{"resourceVersion", std::to_string(rv)}}}}}}
                                       .dump() +
                                   "\n";
            return sink.write(bookmark.data(), bookmark.size());
          }
        }
      },
      [watcher, emulator](bool) { emulator->ForgetWatch(watcher); });
}

}  // namespace kubeemu
