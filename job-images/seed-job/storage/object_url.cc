#include "storage/object_url.h"

#include <algorithm>
#include <cctype>

#include "storage/storage_error.h"

namespace seed::storage {
namespace {

StorageError BadUrl(std::string_view url, const std::string& why) {
  return StorageError(StorageError::Kind::kBadInput, RedactUrl(url) + ": " + why);
}

std::string Lower(std::string_view text) {
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return std::tolower(c); });
  return out;
}

bool ValidBucket(std::string_view bucket) {
  if (bucket.size() < 3 || bucket.size() > 63) return false;
  auto alnum = [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); };
  if (!alnum(bucket.front()) || !alnum(bucket.back())) return false;
  return std::all_of(bucket.begin(), bucket.end(), [&](char c) { return alnum(c) || c == '-' || c == '.'; });
}

}  // namespace

S3Location ParseS3Url(std::string_view url) {
  if (Lower(url.substr(0, 5)) != "s3://") throw BadUrl(url, "not an s3:// URL (expected s3://bucket/key)");
  const std::string_view rest = url.substr(5);
  const size_t slash = rest.find('/');
  S3Location location;
  location.bucket = std::string(rest.substr(0, slash));
  if (slash != std::string_view::npos) location.key = std::string(rest.substr(slash + 1));
  if (location.bucket.empty()) throw BadUrl(url, "the URL names no bucket (expected s3://bucket/key)");
  // Checked before the bucket rule, whose message quotes the bucket: it would show the password.
  if (location.bucket.find('@') != std::string::npos)
    throw BadUrl(url,
                 "s3:// URLs take no user:password@ (the keys come from AWS_ACCESS_KEY_ID and "
                 "AWS_SECRET_ACCESS_KEY or SEED_S3_CREDENTIALS_DIR)");
  if (!ValidBucket(location.bucket))
    throw BadUrl(url, "'" + location.bucket +
                          "' is not a valid bucket name (3-63 characters of a-z, 0-9, '.' and '-', starting "
                          "and ending with a letter or digit)");
  if (location.key.find('?') != std::string::npos || location.key.find('#') != std::string::npos)
    throw BadUrl(url, "keys with '?' or '#' are not supported in s3:// paths");
  return location;
}

std::string UriEncode(std::string_view text, bool keep_slash) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(text.size());
  for (const unsigned char c : text) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~' || (keep_slash && c == '/')) {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

Endpoint ParseEndpoint(std::string_view endpoint) {
  Endpoint out;
  const size_t colon = endpoint.find("://");
  if (colon == std::string_view::npos)
    throw BadUrl(endpoint, "the endpoint must be http://host[:port] or https://host[:port]");
  out.scheme = Lower(endpoint.substr(0, colon));
  if (out.scheme != "http" && out.scheme != "https")
    throw BadUrl(endpoint, "the endpoint must start with http:// or https://");
  std::string_view rest = endpoint.substr(colon + 3);
  const size_t slash = rest.find('/');
  out.authority = std::string(rest.substr(0, slash));
  if (out.authority.empty() || out.authority.find('@') != std::string::npos)
    throw BadUrl(endpoint,
                 "the endpoint needs a host (and no user:password@; credentials come from the "
                 "environment or the credentials directory)");
  if (slash != std::string_view::npos) {
    std::string_view path = rest.substr(slash);
    while (!path.empty() && path.back() == '/') path.remove_suffix(1);
    out.base_path = std::string(path);
  }
  return out;
}

std::string RequestUrl(const Endpoint& endpoint, bool virtual_host, const S3Location& location,
                       QueryParams query) {
  std::string url = endpoint.scheme + "://";
  if (virtual_host && !location.bucket.empty()) {
    url += location.bucket + "." + endpoint.authority + endpoint.base_path + "/";
  } else {
    url += endpoint.authority + endpoint.base_path + "/";
    if (!location.bucket.empty()) url += location.bucket + (location.key.empty() ? "" : "/");
  }
  url += UriEncode(location.key, true);
  if (!query.empty()) {
    for (auto& [name, value] : query) {
      name = UriEncode(name, false);
      value = UriEncode(value, false);
    }
    std::sort(query.begin(), query.end());
    char separator = '?';
    for (const auto& [name, value] : query) {
      url += separator + name + "=" + value;
      separator = '&';
    }
  }
  return url;
}

}  // namespace seed::storage
