#include "storage/http_transfer.h"

#include <algorithm>
#include <cctype>
#include <cstring>
#include <memory>
#include <stdexcept>

#include "storage/curl_library.h"

namespace seed::storage {
namespace {

constexpr size_t kMaxKeptBody = 1 << 20;

struct Exchange {
  CURL* curl = nullptr;
  const HttpRequest* request = nullptr;
  HttpResponse* response = nullptr;
  size_t upload_offset = 0;
  bool sink_refused = false;
};

size_t OnHeader(char* data, size_t size, size_t count, void* user) {
  auto* exchange = static_cast<Exchange*>(user);
  const std::string_view line(data, size * count);
  if (line.rfind("HTTP/", 0) == 0) {
    exchange->response->headers.clear();  // a new answer (after 100 Continue or a redirect)
  } else if (const size_t colon = line.find(':'); colon != std::string_view::npos) {
    std::string name(line.substr(0, colon));
    std::transform(name.begin(), name.end(), name.begin(), [](unsigned char c) { return std::tolower(c); });
    std::string_view value = line.substr(colon + 1);
    while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) value.remove_prefix(1);
    while (!value.empty() && (value.back() == '\r' || value.back() == '\n' || value.back() == ' '))
      value.remove_suffix(1);
    exchange->response->headers[name] = std::string(value);
  }
  return size * count;
}

size_t OnBody(char* data, size_t size, size_t count, void* user) {
  auto* exchange = static_cast<Exchange*>(user);
  const size_t bytes = size * count;
  long status = 0;
  Curl().easy_getinfo(exchange->curl, CURLINFO_RESPONSE_CODE, &status);
  if (exchange->request->sink && status >= 200 && status < 300) {
    if (!exchange->request->sink(data, bytes)) {
      exchange->sink_refused = true;
      return CURL_WRITEFUNC_ERROR;
    }
    exchange->response->sink_bytes += bytes;
    return bytes;
  }
  std::string& body = exchange->response->body;
  if (body.size() < kMaxKeptBody) body.append(data, std::min(bytes, kMaxKeptBody - body.size()));
  return bytes;
}

size_t OnRead(char* buffer, size_t size, size_t count, void* user) {
  auto* exchange = static_cast<Exchange*>(user);
  const std::string_view body = exchange->request->body;
  const size_t n = std::min(size * count, body.size() - exchange->upload_offset);
  std::memcpy(buffer, body.data() + exchange->upload_offset, n);
  exchange->upload_offset += n;
  return n;
}

HttpResponse::Transport Classify(CURLcode code) {
  switch (code) {
    case CURLE_OK:
      return HttpResponse::Transport::kOk;
    case CURLE_COULDNT_CONNECT:
    case CURLE_OPERATION_TIMEDOUT:
    case CURLE_SEND_ERROR:
    case CURLE_RECV_ERROR:
    case CURLE_GOT_NOTHING:
    case CURLE_PARTIAL_FILE:
    case CURLE_HTTP2:
    case CURLE_HTTP2_STREAM:
    case CURLE_SSL_CONNECT_ERROR:
      return HttpResponse::Transport::kRetryable;
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_URL_MALFORMAT:
    case CURLE_UNSUPPORTED_PROTOCOL:
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_SSL_CERTPROBLEM:
      return HttpResponse::Transport::kBadInput;
    case CURLE_WRITE_ERROR:
    case CURLE_ABORTED_BY_CALLBACK:
      return HttpResponse::Transport::kAborted;
    default:
      return HttpResponse::Transport::kOther;
  }
}

}  // namespace

HttpTransfer::HttpTransfer(const StorageConfig& config) : config_(config) {
  curl_ = Curl().easy_init();
  if (!curl_) throw std::runtime_error("curl_easy_init failed");
}

HttpTransfer::~HttpTransfer() { Curl().easy_cleanup(static_cast<CURL*>(curl_)); }

HttpResponse HttpTransfer::Perform(const HttpRequest& request) {
  CURL* curl = static_cast<CURL*>(curl_);
  Curl().easy_reset(curl);  // keeps the connection cache: the next request reuses the connection
  HttpResponse response;
  Exchange exchange{curl, &request, &response};
  char error[CURL_ERROR_SIZE] = "";

  Curl().easy_setopt(curl, CURLOPT_URL, request.url.c_str());
  Curl().easy_setopt(curl, CURLOPT_ERRORBUFFER, error);
  Curl().easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  Curl().easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
  Curl().easy_setopt(curl, CURLOPT_CONNECTTIMEOUT, static_cast<long>(config_.connect_timeout.count()));
  // A stalled transfer (no byte for stall_timeout) fails and is retried; no total timeout, so a
  // large object on a slow link still completes.
  Curl().easy_setopt(curl, CURLOPT_LOW_SPEED_LIMIT, 1L);
  Curl().easy_setopt(curl, CURLOPT_LOW_SPEED_TIME, static_cast<long>(config_.stall_timeout.count()));
  Curl().easy_setopt(curl, CURLOPT_TCP_KEEPALIVE, 1L);
  Curl().easy_setopt(curl, CURLOPT_BUFFERSIZE, 512L * 1024);
  Curl().easy_setopt(curl, CURLOPT_UPLOAD_BUFFERSIZE, 2L * 1024 * 1024);
  Curl().easy_setopt(curl, CURLOPT_HEADERFUNCTION, &OnHeader);
  Curl().easy_setopt(curl, CURLOPT_HEADERDATA, &exchange);
  Curl().easy_setopt(curl, CURLOPT_WRITEFUNCTION, &OnBody);
  Curl().easy_setopt(curl, CURLOPT_WRITEDATA, &exchange);
  if (!config_.ca_file.empty()) Curl().easy_setopt(curl, CURLOPT_CAINFO, config_.ca_file.c_str());
  if (config_.insecure) {
    Curl().easy_setopt(curl, CURLOPT_SSL_VERIFYPEER, 0L);
    Curl().easy_setopt(curl, CURLOPT_SSL_VERIFYHOST, 0L);
  }

  std::vector<std::string> header_lines = request.headers;
  // No "Expect:" removal: libcurl 7.88 signs it as an empty header the server never sees. Large
  // PUTs keep "Expect: 100-continue", so a refused request is answered before its body is sent.
  const std::string sigv4 = "aws:amz:" + config_.region + ":s3";
  if (request.sign && config_.has_credentials()) {
    Curl().easy_setopt(curl, CURLOPT_AWS_SIGV4, sigv4.c_str());
    Curl().easy_setopt(curl, CURLOPT_USERNAME, config_.access_key.c_str());
    Curl().easy_setopt(curl, CURLOPT_PASSWORD, config_.secret_key.c_str());
    if (!config_.session_token.empty())
      header_lines.push_back("x-amz-security-token: " + config_.session_token);
  }
  std::unique_ptr<curl_slist, decltype(Curl().slist_free_all)> headers(nullptr, Curl().slist_free_all);
  for (const auto& line : header_lines) {
    curl_slist* next = Curl().slist_append(headers.get(), line.c_str());
    if (!next) throw std::bad_alloc();
    headers.release();
    headers.reset(next);
  }
  Curl().easy_setopt(curl, CURLOPT_HTTPHEADER, headers.get());

  if (request.follow_redirects) {
    Curl().easy_setopt(curl, CURLOPT_FOLLOWLOCATION, 1L);
    Curl().easy_setopt(curl, CURLOPT_MAXREDIRS, 5L);
    Curl().easy_setopt(curl, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
  }
  if (request.method == "HEAD") {
    Curl().easy_setopt(curl, CURLOPT_NOBODY, 1L);
  } else if (request.method == "PUT") {
    Curl().easy_setopt(curl, CURLOPT_UPLOAD, 1L);
    Curl().easy_setopt(curl, CURLOPT_READFUNCTION, &OnRead);
    Curl().easy_setopt(curl, CURLOPT_READDATA, &exchange);
    Curl().easy_setopt(curl, CURLOPT_INFILESIZE_LARGE, static_cast<curl_off_t>(request.body.size()));
  } else if (request.method == "POST") {
    Curl().easy_setopt(curl, CURLOPT_POST, 1L);
    Curl().easy_setopt(curl, CURLOPT_POSTFIELDS, request.body.data() ? request.body.data() : "");
    Curl().easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(request.body.size()));
  } else if (request.method != "GET") {
    Curl().easy_setopt(curl, CURLOPT_CUSTOMREQUEST, request.method.c_str());
  }

  const CURLcode code = Curl().easy_perform(curl);
  Curl().easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &response.status);
  Curl().easy_getinfo(curl, CURLINFO_NUM_CONNECTS, &response.new_connections);
  response.transport = Classify(code);
  if (code != CURLE_OK) {
    if (exchange.sink_refused) response.transport = HttpResponse::Transport::kAborted;
    response.transport_error = error[0] ? error : Curl().easy_strerror(code);
  } else if (request.sink && response.status >= 200 && response.status < 300 && request.method != "HEAD") {
    // A body shorter than its Content-Length that libcurl did not flag still counts as truncated.
    if (auto length = response.headers.find("content-length"); length != response.headers.end()) {
      if (std::strtoull(length->second.c_str(), nullptr, 10) != response.sink_bytes) {
        response.transport = HttpResponse::Transport::kRetryable;
        response.transport_error = "received " + std::to_string(response.sink_bytes) + " bytes of the " +
                                   length->second + " announced by Content-Length";
      }
    }
  }
  return response;
}

}  // namespace seed::storage
