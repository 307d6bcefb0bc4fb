#include "io/url_download.h"

#include <curl/curl.h>
#include <nettle/sha2.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <mutex>
#include <thread>

#include "io/input_error.h"

namespace seed::io {
namespace {

bool SecretName(std::string name) {
  std::transform(name.begin(), name.end(), name.begin(), [](unsigned char c) { return std::tolower(c); });
  static const char* kWords[] = {"token",  "key",        "sig",  "password", "passwd",
                                 "secret", "credential", "auth", "x-amz-"};
  return std::any_of(std::begin(kWords), std::end(kWords),
                     [&](const char* word) { return name.find(word) != std::string::npos; });
}

std::string Hex(const uint8_t* bytes, size_t n) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (size_t i = 0; i < n; ++i) {
    out += kHex[bytes[i] >> 4];
    out += kHex[bytes[i] & 15];
  }
  return out;
}

struct Transfer {
  std::FILE* file = nullptr;
  sha256_ctx hash;
  bool write_failed = false;
  std::string error_body;  // the first bytes of a non-2xx answer, for the message
  CURL* curl = nullptr;
};

size_t OnData(char* data, size_t size, size_t count, void* user) {
  auto* t = static_cast<Transfer*>(user);
  const size_t n = size * count;
  long status = 0;
  curl_easy_getinfo(t->curl, CURLINFO_RESPONSE_CODE, &status);
  if (status >= 300) {  // an error page is never written to the file
    if (t->error_body.size() < 300) t->error_body.append(data, std::min(n, 300 - t->error_body.size()));
    return n;
  }
  if (std::fwrite(data, 1, n, t->file) != n) {
    t->write_failed = true;
    return 0;  // aborts the transfer
  }
  sha256_update(&t->hash, n, reinterpret_cast<const uint8_t*>(data));
  return n;
}

void GlobalInit() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

// One attempt's outcome.
struct Attempt {
  bool ok = false;
  bool retry = false;
  std::string message;
  std::string sha256;
};

Attempt TryOnce(const std::string& url, const std::string& temp, const UrlFetchOptions& options) {
  Attempt result;
  Transfer t;
  t.file = std::fopen(temp.c_str(), "wb");
  if (!t.file) throw std::system_error(errno, std::generic_category(), "cannot create " + temp);
  sha256_init(&t.hash);
  CURL* curl = curl_easy_init();
  t.curl = curl;
  char error[CURL_ERROR_SIZE] = {0};
  curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(curl, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(curl, CURLOPT_FOLLOWLOCATION, 1L);
  curl_easy_setopt(curl, CURLOPT_MAXREDIRS, 5L);
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT, options.connect_timeout_seconds);
  curl_easy_setopt(curl, CURLOPT_LOW_SPEED_LIMIT, 1L);
  curl_easy_setopt(curl, CURLOPT_LOW_SPEED_TIME, options.stall_timeout_seconds);
  curl_easy_setopt(curl, CURLOPT_ACCEPT_ENCODING, "");  // gzip/deflate/br when the server offers it
  curl_easy_setopt(curl, CURLOPT_USERAGENT, "seed-job");
  curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, error);
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, OnData);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &t);
  if (!options.ca_file.empty()) curl_easy_setopt(curl, CURLOPT_CAINFO, options.ca_file.c_str());
  const CURLcode code = curl_easy_perform(curl);
  long status = 0;
  curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
  curl_easy_cleanup(curl);
  // On disk before the rename, as WriteFileAtomic does: a crash never leaves a short file at `path`.
  const bool synced = std::fflush(t.file) == 0 && ::fsync(::fileno(t.file)) == 0;
  const bool closed = std::fclose(t.file) == 0 && synced;
  if (t.write_failed || !closed) {
    throw std::system_error(errno, std::generic_category(), "cannot write " + temp);
  }
  if (code != CURLE_OK) {
    result.message = std::string(error[0] ? error : curl_easy_strerror(code));
    switch (code) {
      case CURLE_UNSUPPORTED_PROTOCOL:
      case CURLE_URL_MALFORMAT:
      case CURLE_COULDNT_RESOLVE_HOST:
      case CURLE_PEER_FAILED_VERIFICATION:
      case CURLE_SSL_CACERT_BADFILE:
      case CURLE_SSL_CERTPROBLEM:
      case CURLE_LOGIN_DENIED:
      case CURLE_TOO_MANY_REDIRECTS:
        result.retry = false;
        break;
      default:  // connect failures, timeouts, resets, truncated bodies
        result.retry = true;
    }
    return result;
  }
  if (status >= 300) {
    std::string body = t.error_body;
    std::replace_if(
        body.begin(), body.end(), [](unsigned char c) { return c < 32; }, ' ');
    result.message = "HTTP " + std::to_string(status) + (body.empty() ? "" : ": " + body);
    result.retry = status >= 500 || status == 429 || status == 408;
    return result;
  }
  uint8_t digest[SHA256_DIGEST_SIZE];
  sha256_digest(&t.hash, SHA256_DIGEST_SIZE, digest);
  result.ok = true;
  result.sha256 = Hex(digest, SHA256_DIGEST_SIZE);
  return result;
}

// Removes the temporary file however the download ends.
struct PartialFile {
  std::string path;
  ~PartialFile() { ::unlink(path.c_str()); }
};

}  // namespace

std::string RedactUrl(std::string_view url) {
  std::string out(url);
  const size_t scheme = out.find("://");
  if (scheme != std::string::npos) {
    const size_t host_start = scheme + 3;
    const size_t host_end = std::min(out.find_first_of("/?#", host_start), out.size());
    const size_t at = out.rfind('@', host_end);
    if (at != std::string::npos && at >= host_start) {
      const size_t colon = out.find(':', host_start);
      if (colon != std::string::npos && colon < at) out.replace(colon + 1, at - colon - 1, "***");
    }
  }
  const size_t query = out.find('?');
  if (query == std::string::npos) return out;
  std::string redacted = out.substr(0, query + 1);
  const size_t fragment = std::min(out.find('#', query), out.size());
  std::string_view params(out.data() + query + 1, fragment - query - 1);
  bool first = true;
  while (true) {
    const size_t amp = params.find('&');
    std::string_view pair = params.substr(0, amp);
    if (!first) redacted += '&';
    first = false;
    const size_t eq = pair.find('=');
    if (eq != std::string_view::npos && SecretName(std::string(pair.substr(0, eq)))) {
      redacted.append(pair.substr(0, eq + 1)).append("***");
    } else {
      redacted.append(pair);
    }
    if (amp == std::string_view::npos) break;
    params.remove_prefix(amp + 1);
  }
  return redacted + out.substr(fragment);
}

void FetchUrlToFile(const std::string& url, const std::string& path, const UrlFetchOptions& options) {
  const std::string shown = RedactUrl(url);
  const std::string lower = [&] {
    std::string s = url.substr(0, 8);
    std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
    return s;
  }();
  if (lower.rfind("http://", 0) != 0 && lower.rfind("https://", 0) != 0) {
    throw InputError(shown, "only http:// and https:// URLs can be fetched");
  }
  std::string expected = options.expected_sha256;
  std::transform(expected.begin(), expected.end(), expected.begin(),
                 [](unsigned char c) { return std::tolower(c); });
  if (!expected.empty() &&
      (expected.size() != 64 || expected.find_first_not_of("0123456789abcdef") != std::string::npos)) {
    throw UsageError("--sha256 '" + options.expected_sha256 + "': expected 64 hex digits");
  }
  GlobalInit();
  const std::filesystem::path target(path);
  if (target.has_parent_path()) std::filesystem::create_directories(target.parent_path());
  PartialFile temp{path + ".tmp." + std::to_string(::getpid())};
  double backoff = options.first_backoff_seconds;
  for (int attempt = 0;; ++attempt) {
    const Attempt a = TryOnce(url, temp.path, options);
    if (a.ok) {
      if (!expected.empty() && a.sha256 != expected) {
        throw InputError(shown, "checksum mismatch: the download's SHA-256 is " + a.sha256 +
                                    ", --sha256 expects " + expected +
                                    " (nothing was written; check the URL and the checksum)");
      }
      if (options.validate) options.validate(temp.path);
      if (::rename(temp.path.c_str(), path.c_str()) != 0) {
        throw std::system_error(errno, std::generic_category(), "cannot rename " + temp.path + " to " + path);
      }
      return;
    }
    if (!a.retry) {
      throw InputError(shown,
                       a.message + " (check the URL, its credentials and --ca-file; nothing was written)");
    }
    if (attempt >= options.retries) {
      throw RemoteError(shown + ": " + a.message + " (failed " + std::to_string(attempt + 1) +
                        " times; nothing was written)");
    }
    std::fprintf(stderr, "seed-job fetch: %s: %s; retrying in %.1f s\n", shown.c_str(), a.message.c_str(),
                 backoff);
    std::this_thread::sleep_for(std::chrono::duration<double>(backoff));
    backoff = std::min(backoff * 2, 30.0);
  }
}

}  // namespace seed::io
