#pragma once
// Where the object store is and how to talk to it: endpoint, addressing, region, TLS, credentials,
// multipart and retry settings. Read from the environment and, for the keys, optionally from a
// directory of files in the shape a mounted Kubernetes Secret has.
//
// Environment (the AWS names first, so existing setups work unchanged):
//   AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN   the keys (optional token)
//   AWS_REGION (or AWS_DEFAULT_REGION)                            signing region, default us-east-1
//   SEED_S3_ENDPOINT (or AWS_ENDPOINT_URL)                        http(s)://host[:port]; default
//                                                                 https://s3.<region>.amazonaws.com
//   SEED_S3_CREDENTIALS_DIR     a directory with the files accessKey, secretKey and optionally
//                               sessionToken, region, endpoint (one value each; a trailing newline
//                               is ignored). Its values win over the variables above.
//   SEED_S3_ADDRESSING          path | virtual; default path for a custom endpoint, virtual for AWS
//   SEED_S3_CA_FILE             PEM bundle to verify the endpoint's certificate (default: system CAs)
//   SEED_S3_INSECURE            true: skip TLS verification (only when asked; never the default)
//   SEED_S3_PART_SIZE_MB        multipart part size in MiB (default 16; 5 to 5120, S3's limits)
//   SEED_S3_MAX_ATTEMPTS        attempts per request, retries included (default 5; 1 to 100)
//   SEED_S3_RETRY_BASE_MS       first backoff delay (default 200 ms; doubled each retry, capped at 5 s;
//                               0 to 600000)
//   SEED_S3_RETRY_TOTAL_SECONDS give up retrying after this long (default 120; 1 to 86400)
// Bad values throw StorageError (bad input) naming the variable or file and how to fix it.
#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>

#include "storage/retry_policy.h"

namespace seed::storage {

struct StorageConfig {
  std::string endpoint;  // http(s)://host[:port][/base]
  std::string region = "us-east-1";
  bool virtual_host = false;
  std::string access_key;
  std::string secret_key;
  std::string session_token;
  std::string ca_file;
  bool insecure = false;
  uint64_t part_size = 16ull << 20;  // multipart above this size, in parts of this size
  RetryPolicy retry;
  std::chrono::seconds connect_timeout{10};
  std::chrono::seconds stall_timeout{30};  // abort a transfer that moves no byte for this long

  bool has_credentials() const { return !access_key.empty(); }
};

// Reads the configuration through `getenv` (a function so tests pass their own environment).
StorageConfig ConfigFromEnvironment(
    const std::function<std::optional<std::string>(const std::string&)>& getenv);
// The same with the process environment.
StorageConfig ConfigFromEnvironment();

// Reads accessKey, secretKey and optional sessionToken, region and endpoint from `dir` into config.
void ReadCredentialsDir(const std::string& dir, StorageConfig& config);

}  // namespace seed::storage
