#include "controllers/inference_service_metrics.h"

#include <curl/curl.h>

#include <memory>
#include <sstream>

namespace seed::controllers {

namespace {

// The value of label `name` in a sample's `{...}` part, or "".
std::string Label(const std::string& labels, const std::string& name) {
  const std::string key = name + "=\"";
  size_t at = labels.find(key);
  while (at != std::string::npos && at > 0 && labels[at - 1] != '{' && labels[at - 1] != ',') {
    at = labels.find(key, at + 1);
  }
  if (at == std::string::npos) return "";
  const size_t start = at + key.size();
  const size_t end = labels.find('"', start);
  return end == std::string::npos ? "" : labels.substr(start, end - start);
}

size_t Append(char* data, size_t size, size_t count, void* out) {
  auto* text = static_cast<std::string*>(out);
  if (text->size() > (4u << 20)) return 0;  // a metrics page is small; refuse anything huge
  text->append(data, size * count);
  return size * count;
}

void ReplaceAll(std::string* text, const std::string& from, const std::string& to) {
  for (size_t at = text->find(from); at != std::string::npos; at = text->find(from, at + to.size())) {
    text->replace(at, from.size(), to);
  }
}

}  // namespace

std::optional<double> ErrorRatio(const std::string& metrics_text, int64_t min_requests) {
  constexpr char kName[] = "seed_serve_requests_total{";
  std::istringstream lines(metrics_text);
  std::string line;
  double total = 0, failed = 0;
  bool seen = false;
  while (std::getline(lines, line)) {
    if (line.rfind(kName, 0) != 0) continue;
    const size_t close = line.find('}');
    if (close == std::string::npos) continue;
    const std::string labels = line.substr(sizeof(kName) - 2, close - (sizeof(kName) - 2) + 1);
    if (Label(labels, "endpoint") != "infer") continue;
    double value = 0;
    try {
      value = std::stod(line.substr(close + 1));
    } catch (...) {
      continue;  // a malformed sample gives no evidence either way
    }
    seen = true;
    total += value;
    if (Label(labels, "code").rfind('5', 0) == 0) failed += value;
  }
  if (!seen || total < static_cast<double>(min_requests) || total <= 0) return std::nullopt;
  return failed / total;
}

std::string MetricsScraper::Url(const std::string& ns, const std::string& service) const {
  std::string url = url_template_;
  ReplaceAll(&url, "{service}", service);
  ReplaceAll(&url, "{namespace}", ns);
  return url;
}

std::optional<double> MetricsScraper::operator()(const std::string& ns, const std::string& service) const {
  std::unique_ptr<CURL, decltype(&curl_easy_cleanup)> curl(curl_easy_init(), curl_easy_cleanup);
  if (!curl) return std::nullopt;
  const std::string url = Url(ns, service);
  std::string body;
  curl_easy_setopt(curl.get(), CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl.get(), CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(curl.get(), CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(curl.get(), CURLOPT_TIMEOUT_MS, 2000L);
  curl_easy_setopt(curl.get(), CURLOPT_WRITEFUNCTION, Append);
  curl_easy_setopt(curl.get(), CURLOPT_WRITEDATA, &body);
  if (curl_easy_perform(curl.get()) != CURLE_OK) return std::nullopt;
  long code = 0;
  curl_easy_getinfo(curl.get(), CURLINFO_RESPONSE_CODE, &code);
  if (code != 200) return std::nullopt;
  return ErrorRatio(body);
}

}  // namespace seed::controllers
