#pragma once
// Where and how to reach the broker: the URL (mqtt://host:port, mqtts://host:port) and the
// credentials directory (the shape of a mounted kubernetes.io/basic-auth Secret: files
// `username` and `password`, optionally `ca.crt`). Pure apart from reading those files.
#include <optional>
#include <string>

namespace seed::stream {

struct BrokerAddress {
  std::string host;
  int port = 1883;  // mqtt:// defaults to 1883, mqtts:// to 8883
  bool tls = false;
};

// Throws io::UsageError naming --broker and the expected form.
BrokerAddress ParseBrokerUrl(const std::string& url);

struct Credentials {
  std::optional<std::string> username;
  std::optional<std::string> password;
  std::string ca_file;  // <dir>/ca.crt when present
};

// Reads <dir>/username, <dir>/password (one trailing newline stripped, as `kubectl create secret
// --from-file` leaves it) and notes <dir>/ca.crt. A password without a username is an error.
// Throws io::UsageError naming the directory.
Credentials ReadCredentials(const std::string& dir);

}  // namespace seed::stream
