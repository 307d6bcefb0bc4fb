#pragma once
// Turns a failed request into a StorageError a person can act on: what was done to which URL
// (credentials redacted), what came back (HTTP status, S3 code and message, or the network
// error), and what to check. Pure.
#include <string>

#include "storage/storage_error.h"

namespace seed::storage {

struct FailedRequest {
  std::string operation;   // GET, PUT, HEAD, LIST, DELETE, multipart upload ...
  std::string url;         // what the user named (s3://bucket/key or http(s)://...)
  std::string endpoint;    // the S3 endpoint ("" for plain http(s))
  std::string bucket;      // "" for plain http(s)
  std::string access_key;  // the access key id in use ("" when unsigned)
  long status = 0;         // 0: no HTTP answer
  std::string s3_code;
  std::string s3_message;
  std::string transport_error;       // when there was no usable answer
  bool transport_bad_input = false;  // unknown host, TLS trust: a setting to fix
  int attempts = 1;
  double seconds = 0;  // time spent over all attempts
};

StorageError DescribeFailure(const FailedRequest& failure);

}  // namespace seed::storage
