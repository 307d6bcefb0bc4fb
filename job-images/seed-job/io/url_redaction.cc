#include "io/url_redaction.h"

#include <algorithm>
#include <cctype>
#include <iterator>

namespace seed::io {
namespace {

bool SecretName(std::string_view name) {
  std::string lower(name);
  std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char c) { return std::tolower(c); });
  static const char* kWords[] = {"token",  "key",        "sig",  "password", "passwd",
                                 "secret", "credential", "auth", "x-amz-"};
  return std::any_of(std::begin(kWords), std::end(kWords),
                     [&](const char* word) { return lower.find(word) != std::string::npos; });
}

// The length of the scheme when `url` starts with one followed by "://" (RFC 3986: a letter, then
// letters, digits, '+', '-', '.'); 0 otherwise.
size_t SchemeLength(std::string_view url) {
  auto alpha = [](char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); };
  if (url.empty() || !alpha(url.front())) return 0;
  size_t length = 1;
  while (length < url.size() && (alpha(url[length]) || (url[length] >= '0' && url[length] <= '9') ||
                                 url[length] == '+' || url[length] == '-' || url[length] == '.'))
    ++length;
  return url.substr(length, 3) == "://" ? length : 0;
}

}  // namespace

std::string RedactUrl(std::string_view url) {
  std::string out(url);
  // user:password@ in the authority, which only a URL that starts with "scheme://" has: a "://"
  // further on (in a query value) is text, and the query's rules below apply to it.
  if (const size_t scheme = SchemeLength(out); scheme != 0) {
    const size_t start = scheme + 3;
    const size_t end = out.find_first_of("/?#", start);
    const size_t at = out.rfind('@', end == std::string::npos ? out.size() : end);
    if (at != std::string::npos && at >= start) out.erase(start, at + 1 - start);
  }
  // The query and the fragment, as name=value pairs split at '&' (and at the '#' between them): a
  // secret can ride in either (OAuth's implicit flow puts access_token in the fragment).
  const size_t start = out.find_first_of("?#");
  if (start == std::string::npos) return out;
  std::string redacted = out.substr(0, start + 1);
  std::string_view rest = std::string_view(out).substr(start + 1);
  while (true) {  // every pair, empty ones too: only secret values change
    const size_t end = rest.find_first_of("&#");
    const std::string_view pair = rest.substr(0, end);
    const size_t eq = pair.find('=');
    if (eq != std::string_view::npos && SecretName(pair.substr(0, eq))) {
      redacted.append(pair.substr(0, eq)).append("=REDACTED");
    } else {
      redacted.append(pair);
    }
    if (end == std::string_view::npos) break;
    redacted += rest[end];
    rest.remove_prefix(end + 1);
  }
  return redacted;
}

}  // namespace seed::io
