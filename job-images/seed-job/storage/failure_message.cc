#include "storage/failure_message.h"

#include <cstdio>

#include "storage/object_url.h"

namespace seed::storage {
namespace {

std::string Hint(const FailedRequest& f) {
  const std::string& code = f.s3_code;
  const std::string at = f.endpoint.empty() ? std::string() : " at endpoint " + RedactUrl(f.endpoint);
  if (code == "NoSuchBucket")
    return "bucket '" + f.bucket + "' does not exist" + at + " (check the bucket name and SEED_S3_ENDPOINT)";
  if (code == "NoSuchKey" || (f.status == 404 && !f.bucket.empty()))
    return "no object at this key in bucket '" + f.bucket + "'" + at +
           " (check the key: names are case-sensitive)";
  if (f.status == 404) return "nothing at this URL (check the address)";
  if (code == "SignatureDoesNotMatch")
    return "the server refused the request signature: check the secret key (AWS_SECRET_ACCESS_KEY or the "
           "secretKey file) and the region (AWS_REGION)";
  if (code == "InvalidAccessKeyId")
    return "the server does not know the access key id '" + f.access_key +
           "': check the access key and the secret key (AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY or the "
           "accessKey / secretKey files)";
  if (code == "AuthorizationHeaderMalformed" || code == "InvalidRegion")
    return "the signing region is wrong for this bucket: check AWS_REGION";
  if (code == "ExpiredToken" || code == "InvalidToken" || code == "TokenRefreshRequired")
    return "the session token is expired or invalid: check AWS_SESSION_TOKEN or the sessionToken file";
  if (code == "AccessDenied" || f.status == 403 || f.status == 401)
    return f.access_key.empty()
               ? "access denied and no credentials are set: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY "
                 "or SEED_S3_CREDENTIALS_DIR"
               : "access denied: check that access key '" + f.access_key +
                     "' may do this on the bucket (its policy)";
  if (f.status == 429 || code == "SlowDown")
    return "the server kept throttling: retry later or lower the request rate";
  if (f.status >= 500) return "the server kept failing: check the storage server's health, then retry";
  if (f.status == 400 && code == "EntityTooSmall")
    return "a multipart part is below the server's minimum: raise SEED_S3_PART_SIZE_MB";
  if (f.status >= 400) return "the server rejected the request";
  if (f.status >= 300 && f.status < 400)
    return f.endpoint.empty()
               ? "the server redirects elsewhere more than 5 times"
               : "the server redirects this request elsewhere: check the endpoint (SEED_S3_ENDPOINT) "
                 "and the bucket's region (AWS_REGION)";
  if (f.transport_bad_input) {
    const bool tls = f.transport_error.find("certificate") != std::string::npos ||
                     f.transport_error.find("SSL") != std::string::npos;
    if (tls) return "the endpoint's TLS certificate is not trusted: set SEED_S3_CA_FILE to its CA bundle";
    if (f.endpoint.empty()) return "check the host name in the URL";
    return "check the endpoint address " + RedactUrl(f.endpoint) + " (SEED_S3_ENDPOINT)";
  }
  if (f.endpoint.empty()) return "check that the server at this URL is reachable and running";
  return "check that the endpoint " + RedactUrl(f.endpoint) +
         " is reachable (SEED_S3_ENDPOINT) and the server is running";
}

}  // namespace

StorageError DescribeFailure(const FailedRequest& f) {
  std::string message = f.operation + " " + RedactUrl(f.url) + ": ";
  if (f.status > 0) {
    message += "HTTP " + std::to_string(f.status);
    if (!f.s3_code.empty()) message += " " + f.s3_code;
    if (!f.s3_message.empty()) message += " (" + f.s3_message + ")";
  } else {
    message += f.transport_error.empty() ? std::string("no answer") : f.transport_error;
  }
  if (f.attempts > 1) {
    char took[64];
    std::snprintf(took, sizeof took, " after %d attempts over %.1f s", f.attempts, f.seconds);
    message += took;
  }
  message += ": " + Hint(f);
  // Bad input: redirects and any 4xx but throttling and request timeouts, and transport errors
  // that are settings.
  const bool bad_input = (f.status >= 300 && f.status < 500 && f.status != 429 && f.status != 408) ||
                         (f.status == 0 && f.transport_bad_input);
  return StorageError(bad_input ? StorageError::Kind::kBadInput : StorageError::Kind::kServerFault, message,
                      f.status, f.s3_code);
}

}  // namespace seed::storage
