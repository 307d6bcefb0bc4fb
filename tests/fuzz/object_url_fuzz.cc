// Object URLs and storage settings as a user writes them (command-line paths, SEED_S3_* variables):
// s3:// parsing, endpoint parsing, request URLs, percent-encoding and credential redaction. A
// StorageError (bad input) is an answer; a crash, another exception, a sanitizer report or a
// broken property is a bug. The properties:
// - UriEncode writes only unreserved characters and %XX (and '/' when kept) and decodes back;
// - RedactUrl leaves no user:password@ in the authority, is idempotent, never lets a password put
//   into the input's authority through, and leaves no credential-like query value readable;
// - an error from ParseS3Url or ParseEndpoint starts with the redacted URL and never contains
//   that password either; what parses satisfies the documented rules and rebuilds the input;
// - a request URL decodes back to the key and the query parameters it was built from;
// - settings read from the environment are within S3's limits, and their errors never echo the
//   secret key or the session token.
#include <algorithm>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "storage/object_url.h"
#include "storage/retry_policy.h"
#include "storage/storage_config.h"
#include "storage/storage_error.h"

namespace {

namespace storage = seed::storage;
using storage::StorageError;

// Distinctive values no message of the storage room contains by itself.
constexpr std::string_view kPassword = "Zq7pAsSwOrD";
constexpr std::string_view kSecretKey = "Zq7sEcReTkEy";
constexpr std::string_view kSessionToken = "Zq7sEsSiOnToKeN";

bool Contains(std::string_view text, std::string_view part) {
  return text.find(part) != std::string_view::npos;
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;  // lowercase is not what UriEncode writes
}

bool Unreserved(unsigned char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_' ||
         c == '.' || c == '~';
}

// Decodes UriEncode's output; traps on anything it must not have written.
std::string Decode(std::string_view encoded, bool keep_slash) {
  std::string out;
  for (size_t i = 0; i < encoded.size(); ++i) {
    const char c = encoded[i];
    if (c == '%') {
      if (i + 2 >= encoded.size()) __builtin_trap();
      const int high = HexValue(encoded[i + 1]), low = HexValue(encoded[i + 2]);
      if (high < 0 || low < 0) __builtin_trap();
      out += static_cast<char>(high * 16 + low);
      i += 2;
    } else if (Unreserved(static_cast<unsigned char>(c)) || (keep_slash && c == '/')) {
      out += c;
    } else {
      __builtin_trap();
    }
  }
  return out;
}

// Where the authority of `url` starts as RFC 3986 delimits it: after "scheme://" at the start
// (a letter, then letters, digits, '+', '-', '.'); npos when `url` does not start so.
size_t AuthorityStart(std::string_view url) {
  auto alpha = [](char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); };
  if (url.empty() || !alpha(url[0])) return std::string_view::npos;
  size_t i = 1;
  while (i < url.size() &&
         (alpha(url[i]) || (url[i] >= '0' && url[i] <= '9') || Contains("+-.", url.substr(i, 1))))
    ++i;
  return url.substr(i, 3) == "://" ? i + 3 : std::string_view::npos;
}

// The authority: from AuthorityStart up to '/', '?' or '#'.
std::optional<std::string_view> Authority(std::string_view url) {
  const size_t start = AuthorityStart(url);
  if (start == std::string_view::npos) return std::nullopt;
  const std::string_view rest = url.substr(start);
  return rest.substr(0, rest.find_first_of("/?#"));
}

// `url` with "AKIA:<kPassword>@" put in front of its authority (an s3:// URL when it has none).
std::string WithPassword(std::string_view url) {
  const std::string userinfo = "AKIAFUZZ:" + std::string(kPassword) + "@";
  const size_t start = AuthorityStart(url);
  if (start == std::string_view::npos) return "s3://" + userinfo + std::string(url);
  return std::string(url.substr(0, start)) + userinfo + std::string(url.substr(start));
}

void CheckEncode(std::string_view text) {
  for (const bool keep_slash : {false, true}) {
    const std::string encoded = storage::UriEncode(text, keep_slash);
    if (Decode(encoded, keep_slash) != text) __builtin_trap();
  }
}

void CheckRedact(std::string_view url) {
  const std::string redacted = storage::RedactUrl(url);
  if (const auto authority = Authority(redacted); authority && Contains(*authority, "@")) __builtin_trap();
  if (storage::RedactUrl(redacted) != redacted) __builtin_trap();
  if (!Contains(url, kPassword) && Contains(storage::RedactUrl(WithPassword(url)), kPassword))
    __builtin_trap();
  // Every credential-like parameter with a value, in the query or the fragment, reads REDACTED.
  const size_t question = redacted.find_first_of("?#");
  if (question == std::string::npos) return;
  std::string_view query = std::string_view(redacted).substr(question + 1);
  while (true) {
    const size_t amp = query.find_first_of("&#");
    const std::string_view pair = query.substr(0, amp);
    const size_t eq = pair.find('=');
    if (eq != std::string_view::npos) {
      std::string name(pair.substr(0, eq));
      for (char& c : name) c = static_cast<char>(c >= 'A' && c <= 'Z' ? c + 32 : c);
      for (const char* word : {"signature", "credential", "token", "key", "password", "secret"}) {
        if (Contains(name, word) && pair.substr(eq + 1) != "REDACTED") __builtin_trap();
      }
    }
    if (amp == std::string_view::npos) break;
    query.remove_prefix(amp + 1);
  }
}

// An error about `url` starts with its redacted form and says nothing of the password WithPassword
// put into it (when `inserted`).
void CheckUrlError(const StorageError& error, std::string_view url, bool inserted) {
  if (!error.bad_input()) __builtin_trap();
  const std::string_view message = error.what();  // what() ends at a NUL byte of the URL
  const std::string expected = storage::RedactUrl(url) + ": ";
  if (!message.starts_with(std::string_view(expected).substr(0, expected.find('\0')))) __builtin_trap();
  if (inserted && Contains(message, kPassword)) __builtin_trap();
}

bool ValidBucket(std::string_view bucket) {
  auto alnum = [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); };
  if (bucket.size() < 3 || bucket.size() > 63 || !alnum(bucket.front()) || !alnum(bucket.back()))
    return false;
  for (const char c : bucket) {
    if (!alnum(c) && c != '-' && c != '.') return false;
  }
  return true;
}

void CheckS3Url(std::string_view url) {
  const bool canary = !Contains(url, kPassword);
  for (const std::string& input : {std::string(url), WithPassword(url)}) {
    const bool inserted = canary && input.size() != url.size();
    try {
      const storage::S3Location location = storage::ParseS3Url(input);
      if (!ValidBucket(location.bucket) || Contains(location.key, "?") || Contains(location.key, "#"))
        __builtin_trap();
      const std::string_view rest = std::string_view(input).substr(5);
      if (rest != location.bucket && rest != location.bucket + "/" + location.key) __builtin_trap();
    } catch (const StorageError& error) {
      CheckUrlError(error, input, inserted);
    }
  }
}

// The request URL for a key and query parameters made from the input decodes back to them.
void CheckRequestUrl(const storage::Endpoint& endpoint, std::string_view text) {
  const storage::S3Location location{"fuzz-bucket", std::string(text)};
  const storage::QueryParams query = {{"uploadId", std::string(text)}, {std::string(text), "1"}};
  for (const bool virtual_host : {false, true}) {
    const std::string url = storage::RequestUrl(endpoint, virtual_host, location, query);
    const std::string prefix =
        endpoint.scheme + "://" +
        (virtual_host ? "fuzz-bucket." + endpoint.authority + endpoint.base_path + "/"
                      : endpoint.authority + endpoint.base_path + "/fuzz-bucket" + (text.empty() ? "" : "/"));
    if (!url.starts_with(prefix)) __builtin_trap();
    const std::string_view rest = std::string_view(url).substr(prefix.size());
    const size_t question = rest.find('?');
    if (question == std::string_view::npos || Decode(rest.substr(0, question), true) != text)
      __builtin_trap();
    storage::QueryParams decoded;
    std::string_view pairs = rest.substr(question + 1);
    while (true) {
      const size_t amp = pairs.find('&');
      const std::string_view pair = pairs.substr(0, amp);
      const size_t eq = pair.find('=');
      if (eq == std::string_view::npos) __builtin_trap();
      decoded.emplace_back(Decode(pair.substr(0, eq), false), Decode(pair.substr(eq + 1), false));
      if (amp == std::string_view::npos) break;
      pairs.remove_prefix(amp + 1);
    }
    std::vector<std::pair<std::string, std::string>> expected = query;
    std::sort(expected.begin(), expected.end());
    std::sort(decoded.begin(), decoded.end());
    if (decoded != expected) __builtin_trap();
  }
}

void CheckEndpoint(std::string_view url) {
  const bool canary = !Contains(url, kPassword);
  for (const std::string& input : {std::string(url), WithPassword(url)}) {
    const bool inserted = canary && input.size() != url.size();
    try {
      const storage::Endpoint endpoint = storage::ParseEndpoint(input);
      if (endpoint.scheme != "http" && endpoint.scheme != "https") __builtin_trap();
      if (endpoint.authority.empty() || Contains(endpoint.authority, "@") ||
          Contains(endpoint.authority, "/"))
        __builtin_trap();
      if (!endpoint.base_path.empty() &&
          (endpoint.base_path.front() != '/' || endpoint.base_path.back() == '/'))
        __builtin_trap();
      CheckRequestUrl(endpoint, url.substr(0, 256));
    } catch (const StorageError& error) {
      CheckUrlError(error, input, inserted);
    }
  }
}

// The input's lines are the values of these variables, in order; an empty line leaves one unset.
// The keys are fixed canaries, so no error message may show them.
void CheckConfig(std::string_view text) {
  static const char* const kNames[] = {"AWS_ACCESS_KEY_ID",          "AWS_REGION",
                                       "AWS_DEFAULT_REGION",         "SEED_S3_ENDPOINT",
                                       "AWS_ENDPOINT_URL",           "SEED_S3_ADDRESSING",
                                       "SEED_S3_INSECURE",           "SEED_S3_PART_SIZE_MB",
                                       "SEED_S3_MAX_ATTEMPTS",       "SEED_S3_RETRY_BASE_MS",
                                       "SEED_S3_RETRY_TOTAL_SECONDS"};
  if (Contains(text, kSecretKey) || Contains(text, kSessionToken)) return;
  std::vector<std::pair<std::string, std::string>> env;
  for (const char* name : kNames) {
    const size_t newline = text.find('\n');
    if (const std::string_view line = text.substr(0, newline); !line.empty()) env.emplace_back(name, line);
    if (newline == std::string_view::npos) break;
    text.remove_prefix(newline + 1);
  }
  if (!env.empty() && env.front().first == std::string_view("AWS_ACCESS_KEY_ID"))
    env.emplace_back("AWS_SECRET_ACCESS_KEY", kSecretKey);
  env.emplace_back("AWS_SESSION_TOKEN", kSessionToken);
  auto getenv = [&](const std::string& name) -> std::optional<std::string> {
    for (const auto& [key, value] : env) {
      if (key == name) return value;
    }
    return std::nullopt;
  };
  try {
    const storage::StorageConfig config = storage::ConfigFromEnvironment(getenv);
    if (config.part_size < (5ull << 20) || config.part_size > (5ull << 30)) __builtin_trap();  // S3's limits
    if (config.retry.max_attempts < 1 || config.retry.base_delay.count() < 0 ||
        config.retry.total_budget.count() <= 0)
      __builtin_trap();
    (void)storage::ParseEndpoint(config.endpoint);  // accepted, so it parses
    for (int attempt = 2; attempt <= std::min(config.retry.max_attempts, 40); ++attempt) {
      const auto delay = storage::RetryDelay(config.retry, attempt, 0.999, std::chrono::milliseconds(0));
      if (delay.count() < -1 || delay > config.retry.max_delay || delay >= config.retry.total_budget)
        __builtin_trap();
    }
  } catch (const StorageError& error) {
    if (!error.bad_input()) __builtin_trap();
    if (Contains(error.what(), kSecretKey) || Contains(error.what(), kSessionToken)) __builtin_trap();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  CheckEncode(text);
  CheckRedact(text);
  CheckS3Url(text);
  CheckEndpoint(text);
  CheckConfig(text);
  return 0;
}
