// The only translation unit that includes curl.h.
#include "kube/curl_transport.h"

#include <curl/curl.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <mutex>

namespace kube {

namespace {

// One easy handle per thread, reused across requests so its connection cache gives keep-alive
// (libcurl: never share a handle between threads; curl_easy_reset keeps live connections).
struct ThreadHandle {
  CURL* handle = nullptr;
  ~ThreadHandle() {
    if (handle) curl_easy_cleanup(handle);
  }
  CURL* Get() {
    if (!handle) handle = curl_easy_init();
    else curl_easy_reset(handle);
    return handle;
  }
};

struct Transfer {
  const CancelToken* cancel = nullptr;
  const std::function<bool(std::string_view)>* on_bytes = nullptr;  // null for Do()
  CURL* handle = nullptr;
  HttpResponse response;
  bool status_checked = false;
  bool streaming_ok = false;  // 2xx stream: chunks go to on_bytes
  bool consumer_stopped = false;
  bool idle_expired = false;
  std::chrono::milliseconds idle_timeout{0};
  std::chrono::steady_clock::time_point last_byte = std::chrono::steady_clock::now();
};

size_t OnWrite(char* data, size_t size, size_t nmemb, void* user) {
  auto* t = static_cast<Transfer*>(user);
  size_t n = size * nmemb;
  t->last_byte = std::chrono::steady_clock::now();
  if (t->on_bytes == nullptr) {
    t->response.body.append(data, n);
    return n;
  }
  if (!t->status_checked) {
    long code = 0;
    curl_easy_getinfo(t->handle, CURLINFO_RESPONSE_CODE, &code);
    t->response.status = static_cast<int>(code);
    t->streaming_ok = code >= 200 && code < 300;
    t->status_checked = true;
  }
  if (!t->streaming_ok) {
    t->response.body.append(data, n);
    return n;
  }
  if (!(*t->on_bytes)(std::string_view(data, n))) {
    t->consumer_stopped = true;
    return CURL_WRITEFUNC_ERROR;
  }
  return n;
}

size_t OnHeader(char* data, size_t size, size_t nmemb, void* user) {
  auto* t = static_cast<Transfer*>(user);
  size_t n = size * nmemb;
  std::string_view line(data, n);
  t->last_byte = std::chrono::steady_clock::now();
  if (line.rfind("HTTP/", 0) == 0) {
    t->response.headers.clear();  // a new response (after 100-continue or a redirect)
    return n;
  }
  auto colon = line.find(':');
  if (colon == std::string_view::npos) return n;
  std::string name(line.substr(0, colon));
  std::transform(name.begin(), name.end(), name.begin(), [](unsigned char c) { return std::tolower(c); });
  std::string_view value = line.substr(colon + 1);
  while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) value.remove_prefix(1);
  while (!value.empty() && (value.back() == '\r' || value.back() == '\n' || value.back() == ' ')) {
    value.remove_suffix(1);
  }
  t->response.headers.emplace_back(std::move(name), std::string(value));
  return n;
}

int OnProgress(void* user, curl_off_t, curl_off_t, curl_off_t, curl_off_t) {
  auto* t = static_cast<Transfer*>(user);
  if (t->cancel && t->cancel->Cancelled()) return 1;
  if (t->idle_timeout.count() > 0 && std::chrono::steady_clock::now() - t->last_byte > t->idle_timeout) {
    t->idle_expired = true;
    return 1;
  }
  return 0;
}

void SetBlob(CURL* h, CURLoption option, const std::string& pem) {
  curl_blob blob{const_cast<char*>(pem.data()), pem.size(), CURL_BLOB_COPY};
  curl_easy_setopt(h, option, &blob);
}

class CurlTransport : public HttpTransport {
 public:
  explicit CurlTransport(TlsOptions tls) : tls_(std::move(tls)) {}

  Result<HttpResponse> Do(const HttpRequest& request, const CancelToken& cancel) override {
    return Perform(request, nullptr, cancel);
  }

  Result<HttpResponse> Stream(const HttpRequest& request, const std::function<bool(std::string_view)>& on_bytes,
                              const CancelToken& cancel) override {
    return Perform(request, &on_bytes, cancel);
  }

 private:
  Result<HttpResponse> Perform(const HttpRequest& request, const std::function<bool(std::string_view)>* on_bytes,
                               const CancelToken& cancel) {
    thread_local ThreadHandle thread_handle;
    CURL* h = thread_handle.Get();
    if (h == nullptr) return MakeError(ErrorCode::kTransport, "curl_easy_init failed");
    Transfer t;
    t.cancel = &cancel;
    t.on_bytes = on_bytes;
    t.handle = h;
    t.idle_timeout = request.idle_timeout;
    char error_buffer[CURL_ERROR_SIZE] = {0};

    curl_easy_setopt(h, CURLOPT_URL, request.url.c_str());
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_ERRORBUFFER, error_buffer);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, OnWrite);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, &t);
    curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, OnHeader);
    curl_easy_setopt(h, CURLOPT_HEADERDATA, &t);
    curl_easy_setopt(h, CURLOPT_NOPROGRESS, 0L);
    curl_easy_setopt(h, CURLOPT_XFERINFOFUNCTION, OnProgress);
    curl_easy_setopt(h, CURLOPT_XFERINFODATA, &t);
    curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, 10000L);
    curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, static_cast<long>(request.timeout.count()));
    curl_easy_setopt(h, CURLOPT_TCP_KEEPALIVE, 1L);
    curl_easy_setopt(h, CURLOPT_TCP_KEEPIDLE, 30L);
    curl_easy_setopt(h, CURLOPT_TCP_KEEPINTVL, 15L);
    curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
    if (on_bytes != nullptr) {
      // One TCP connection per watch, and no compression: gzip would hold events back.
      curl_easy_setopt(h, CURLOPT_HTTP_VERSION, CURL_HTTP_VERSION_1_1);
    } else {
      // gzip only, as client-go: the API server never sends anything else, and offering brotli
      // invites a server to spend far more CPU compressing than serving.
      curl_easy_setopt(h, CURLOPT_ACCEPT_ENCODING, "gzip");
    }

    // TLS: verified unless the kubeconfig explicitly says insecure-skip-tls-verify.
    curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, tls_.insecure_skip_verify ? 0L : 1L);
    curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, tls_.insecure_skip_verify ? 0L : 2L);
    if (!tls_.ca_pem.empty()) SetBlob(h, CURLOPT_CAINFO_BLOB, tls_.ca_pem);
    else if (!tls_.ca_file.empty()) curl_easy_setopt(h, CURLOPT_CAINFO, tls_.ca_file.c_str());
    const std::string& cert_pem = !request.client_cert_pem.empty() ? request.client_cert_pem : tls_.client_cert_pem;
    const std::string& key_pem = !request.client_key_pem.empty() ? request.client_key_pem : tls_.client_key_pem;
    if (!cert_pem.empty()) {
      curl_easy_setopt(h, CURLOPT_SSLCERTTYPE, "PEM");
      SetBlob(h, CURLOPT_SSLCERT_BLOB, cert_pem);
    } else if (!tls_.client_cert_file.empty()) {
      curl_easy_setopt(h, CURLOPT_SSLCERTTYPE, "PEM");
      curl_easy_setopt(h, CURLOPT_SSLCERT, tls_.client_cert_file.c_str());
    }
    if (!key_pem.empty()) {
      curl_easy_setopt(h, CURLOPT_SSLKEYTYPE, "PEM");
      SetBlob(h, CURLOPT_SSLKEY_BLOB, key_pem);
    } else if (!tls_.client_key_file.empty()) {
      curl_easy_setopt(h, CURLOPT_SSLKEYTYPE, "PEM");
      curl_easy_setopt(h, CURLOPT_SSLKEY, tls_.client_key_file.c_str());
    }

    if (request.method == "GET") {
      curl_easy_setopt(h, CURLOPT_HTTPGET, 1L);
    } else {
      curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, request.method.c_str());
      if (!request.body.empty() || request.method != "DELETE") {
        curl_easy_setopt(h, CURLOPT_POSTFIELDS, request.body.data());
        curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(request.body.size()));
      }
    }

    curl_slist* headers = nullptr;
    for (const auto& [k, v] : request.headers) headers = curl_slist_append(headers, (k + ": " + v).c_str());
    headers = curl_slist_append(headers, "Expect:");  // no 100-continue round trip
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, headers);

    CURLcode rc = curl_easy_perform(h);
    curl_slist_free_all(headers);
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, nullptr);
    curl_easy_setopt(h, CURLOPT_ERRORBUFFER, nullptr);

    long code = 0;
    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &code);
    t.response.status = static_cast<int>(code);

    if (rc == CURLE_OK || (rc == CURLE_WRITE_ERROR && t.consumer_stopped)) return std::move(t.response);
    if (rc == CURLE_ABORTED_BY_CALLBACK) {
      if (t.idle_expired) return MakeError(ErrorCode::kTimeout, "no data received within the idle limit");
      return MakeError(ErrorCode::kCancelled, "request cancelled");
    }
    std::string detail = error_buffer[0] ? error_buffer : curl_easy_strerror(rc);
    if (rc == CURLE_OPERATION_TIMEDOUT) return MakeError(ErrorCode::kTimeout, detail);
    return MakeError(ErrorCode::kTransport, detail);
  }

  TlsOptions tls_;
};

}  // namespace

void InitCurlGlobal() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

std::shared_ptr<HttpTransport> MakeCurlTransport(TlsOptions tls) {
  InitCurlGlobal();
  return std::make_shared<CurlTransport>(std::move(tls));
}

}  // namespace kube
