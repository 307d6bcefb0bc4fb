#include "http_test_client.h"

#include <curl/curl.h>

#include <stdexcept>

namespace kubeemu::testing {
namespace {

size_t AppendBody(char* data, size_t size, size_t count, void* user) {
  static_cast<std::string*>(user)->append(data, size * count);
  return size * count;
}

size_t ReadHeader(char* data, size_t size, size_t count, void* user) {
  std::string line(data, size * count);
  auto colon = line.find(':');
  if (colon != std::string::npos) {
    std::string name = line.substr(0, colon);
    for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    std::string value = line.substr(colon + 1);
    value.erase(0, value.find_first_not_of(' '));
    value.erase(value.find_last_not_of("\r\n ") + 1);
    (*static_cast<std::map<std::string, std::string>*>(user))[name] = value;
  }
  return size * count;
}

curl_slist* Configure(CURL* curl, const std::string& url, const std::string& ca_file, const HttpOptions& options) {
  curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT, 10L);
  curl_easy_setopt(curl, CURLOPT_HTTP_VERSION, CURL_HTTP_VERSION_1_1);
  if (!ca_file.empty()) curl_easy_setopt(curl, CURLOPT_CAINFO, ca_file.c_str());
  if (!options.client_cert.empty()) {
    curl_easy_setopt(curl, CURLOPT_SSLCERT, options.client_cert.c_str());
    curl_easy_setopt(curl, CURLOPT_SSLKEY, options.client_key.c_str());
  }
  if (options.accept_compressed) curl_easy_setopt(curl, CURLOPT_ACCEPT_ENCODING, "");
  curl_slist* headers = nullptr;
  if (!options.token.empty()) headers = curl_slist_append(headers, ("Authorization: Bearer " + options.token).c_str());
  headers = curl_slist_append(headers, ("Content-Type: " + options.content_type).c_str());
  headers = curl_slist_append(headers, "Accept: application/json");
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
  return headers;
}

}  // namespace

json HttpResponse::Json() const {
  json parsed = json::parse(body, nullptr, false);
  return parsed.is_discarded() ? json(body) : parsed;
}

HttpResponse Http(const EmulatorProcess& emulator, const std::string& method, const std::string& path,
                  const std::string& body, const HttpOptions& options) {
  CURL* curl = curl_easy_init();
  HttpResponse response;
  bool tls = emulator.Url().rfind("https", 0) == 0;
  curl_slist* headers = Configure(curl, emulator.Url() + path, tls ? emulator.CaFile() : "", options);
  curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, method.c_str());
  curl_easy_setopt(curl, CURLOPT_TIMEOUT, 20L);
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, AppendBody);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &response.body);
  curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, ReadHeader);
  curl_easy_setopt(curl, CURLOPT_HEADERDATA, &response.headers);
  if (!body.empty() || method == "POST" || method == "PUT" || method == "PATCH") {
    curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body.c_str());
    curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE, static_cast<long>(body.size()));
  }
  CURLcode result = curl_easy_perform(curl);
  curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &response.code);
  curl_slist_free_all(headers);
  curl_easy_cleanup(curl);
  if (result != CURLE_OK) response.code = -static_cast<long>(result);  // a transport error, e.g. TLS refused
  return response;
}

WatchStream::WatchStream(const EmulatorProcess& emulator, const std::string& path, HttpOptions options) {
  bool tls = emulator.Url().rfind("https", 0) == 0;
  thread_ = std::thread(&WatchStream::Run, this, emulator.Url() + path, std::move(options),
                        tls ? emulator.CaFile() : std::string());
}

WatchStream::~WatchStream() {
  {
    std::lock_guard lock(mu_);
    stop_ = true;
  }
  thread_.join();
}

void WatchStream::Run(std::string url, HttpOptions options, std::string ca_file) {
  CURL* curl = curl_easy_init();
  curl_slist* headers = Configure(curl, url, ca_file, options);
  curl_easy_setopt(curl, CURLOPT_TIMEOUT, 60L);
  auto on_data = +[](char* data, size_t size, size_t count, void* user) -> size_t {
    auto* self = static_cast<WatchStream*>(user);
    std::lock_guard lock(self->mu_);
    self->raw_.append(data, size * count);
    self->buffer_.append(data, size * count);
    size_t newline;
    while ((newline = self->buffer_.find('\n')) != std::string::npos) {
      std::string line = self->buffer_.substr(0, newline);
      self->buffer_.erase(0, newline + 1);
      json event = json::parse(line, nullptr, false);
      if (!event.is_discarded()) self->events_.push_back(std::move(event));
    }
    self->cv_.notify_all();
    return size * count;
  };
  auto on_progress = +[](void* user, curl_off_t, curl_off_t, curl_off_t, curl_off_t) -> int {
    auto* self = static_cast<WatchStream*>(user);
    std::lock_guard lock(self->mu_);
    return self->stop_ ? 1 : 0;
  };
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, on_data);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, this);
  curl_easy_setopt(curl, CURLOPT_NOPROGRESS, 0L);
  curl_easy_setopt(curl, CURLOPT_XFERINFOFUNCTION, on_progress);
  curl_easy_setopt(curl, CURLOPT_XFERINFODATA, this);
  curl_easy_perform(curl);
  long code = 0;
  curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &code);
  curl_slist_free_all(headers);
  curl_easy_cleanup(curl);
  std::lock_guard lock(mu_);
  code_ = code;
  ended_ = true;
  cv_.notify_all();
}

std::optional<json> WatchStream::Next(std::chrono::milliseconds timeout) {
  std::unique_lock lock(mu_);
  cv_.wait_for(lock, timeout, [&] { return !events_.empty() || ended_; });
  if (events_.empty()) return std::nullopt;
  json event = std::move(events_.front());
  events_.pop_front();
  return event;
}

std::optional<json> WatchStream::NextNonBookmark(std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    auto event = Next(left);
    if (!event) return std::nullopt;
    if ((*event)["type"] != "BOOKMARK") return event;
  }
  return std::nullopt;
}

bool WatchStream::WaitEnded(std::chrono::milliseconds timeout) {
  std::unique_lock lock(mu_);
  return cv_.wait_for(lock, timeout, [&] { return ended_; });
}

long WatchStream::code() {
  std::lock_guard lock(mu_);
  return code_;
}

std::string WatchStream::raw_body() {
  std::lock_guard lock(mu_);
  return raw_;
}

}  // namespace kubeemu::testing
