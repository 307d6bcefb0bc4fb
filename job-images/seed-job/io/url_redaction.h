#pragma once
// The one way seed-job shows a URL in a message or a log line: with its secrets removed.
#include <string>
#include <string_view>

namespace seed::io {

// The URL with any user:password@ removed, and the values of name=value pairs in its query or
// fragment whose names carry secrets (signature, credential, token, key, password, passwd, secret,
// auth, sig, X-Amz-*) replaced by "REDACTED"; everything else stays as it was, character for
// character, so redacting twice changes nothing more. The authority is that of a URL starting with
// "scheme://" and ends at the first '/', '?' or '#' (RFC 3986), so a password must be
// percent-encoded to be recognised as one.
std::string RedactUrl(std::string_view url);

}  // namespace seed::io
