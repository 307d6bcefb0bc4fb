#pragma once
// Object URLs: parsing s3://bucket/key, building the HTTP URL of a request for path-style or
// virtual-host addressing, and redacting credentials from any URL before it is printed. Pure.
#include <string>
#include <string_view>
#include <vector>

#include "io/url_redaction.h"

namespace seed::storage {

struct S3Location {
  std::string bucket;
  std::string key;  // without the leading '/'; may be empty (a bucket or a prefix)
};

// Parses "s3://bucket/key". Throws StorageError (bad input) naming the URL (redacted) and the rule
// broken: no user:password@, a bucket name of 3-63 characters of [a-z0-9.-] starting and ending
// with a letter or digit.
S3Location ParseS3Url(std::string_view url);

// RFC 3986 percent-encoding as SigV4 wants it: unreserved characters stay, everything else is %XX
// (uppercase); '/' stays when `keep_slash`.
std::string UriEncode(std::string_view text, bool keep_slash);

// The endpoint split into scheme ("http"/"https"), host[:port] and an optional base path.
struct Endpoint {
  std::string scheme;
  std::string authority;  // host or host:port
  std::string base_path;  // "" or "/prefix" without a trailing slash
};
// Parses "http(s)://host[:port][/path]"; throws StorageError (bad input) otherwise.
Endpoint ParseEndpoint(std::string_view endpoint);

// Query parameters of one request; RequestUrl sorts and encodes them as SigV4's canonical query
// string must be (libcurl signs the query as given).
using QueryParams = std::vector<std::pair<std::string, std::string>>;

// The request URL for `location` at `endpoint`: path style "scheme://host/bucket/key", or virtual
// host "scheme://bucket.host/key" (bucket may be empty for service-level requests).
std::string RequestUrl(const Endpoint& endpoint, bool virtual_host, const S3Location& location,
                       QueryParams query = {});

// URLs in messages are shown with io::RedactUrl (their secrets removed).
using io::RedactUrl;

}  // namespace seed::storage
