#include "stream/broker_config.h"

#include <charconv>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "io/input_error.h"

namespace seed::stream {

BrokerAddress ParseBrokerUrl(const std::string& url) {
  auto fail = [&url](const std::string& why) {
    throw io::UsageError("--broker \"" + url + "\": " + why +
                         "; expected mqtt://HOST[:PORT] or mqtts://HOST[:PORT]");
  };
  BrokerAddress address;
  std::string rest;
  if (url.rfind("mqtt://", 0) == 0) {
    rest = url.substr(7);
  } else if (url.rfind("mqtts://", 0) == 0) {
    rest = url.substr(8);
    address.tls = true;
    address.port = 8883;
  } else {
    fail("unknown scheme");
  }
  if (!rest.empty() && rest.back() == '/') rest.pop_back();
  if (rest.find('/') != std::string::npos || rest.find('@') != std::string::npos) {
    fail("no path or user part is allowed (credentials come from --credentials-dir)");
  }
  std::string port;
  if (!rest.empty() && rest[0] == '[') {  // [IPv6]:port
    const size_t close = rest.find(']');
    if (close == std::string::npos) fail("unclosed '['");
    address.host = rest.substr(1, close - 1);
    if (close + 1 < rest.size()) {
      if (rest[close + 1] != ':') fail("expected ':' after ']'");
      port = rest.substr(close + 2);
      if (port.empty()) fail("empty port");
    }
  } else {
    const size_t colon = rest.rfind(':');
    address.host = rest.substr(0, colon);
    if (colon != std::string::npos) {
      port = rest.substr(colon + 1);
      if (port.empty()) fail("empty port");
    }
  }
  if (address.host.empty()) fail("no host");
  if (!port.empty()) {
    int value = 0;
    auto [end, error] = std::from_chars(port.data(), port.data() + port.size(), value);
    if (error != std::errc() || end != port.data() + port.size() || value < 1 || value > 65535) {
      fail("port \"" + port + "\" is not a number from 1 to 65535");
    }
    address.port = value;
  }
  return address;
}

namespace {

std::optional<std::string> ReadSecretFile(const std::filesystem::path& path) {
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) return std::nullopt;
  std::ifstream in(path, std::ios::binary);
  if (!in) throw io::UsageError("--credentials-dir: cannot read " + path.string());
  std::stringstream text;
  text << in.rdbuf();
  std::string value = text.str();
  if (!value.empty() && value.back() == '\n') value.pop_back();
  if (!value.empty() && value.back() == '\r') value.pop_back();
  return value;
}

}  // namespace

Credentials ReadCredentials(const std::string& dir) {
  std::error_code ec;
  if (!std::filesystem::is_directory(dir, ec)) {
    throw io::UsageError("--credentials-dir \"" + dir + "\" is not a directory (mount the Secret there)");
  }
  Credentials credentials;
  credentials.username = ReadSecretFile(std::filesystem::path(dir) / "username");
  credentials.password = ReadSecretFile(std::filesystem::path(dir) / "password");
  if (credentials.password && !credentials.username) {
    throw io::UsageError("--credentials-dir \"" + dir + "\" has a password file but no username file");
  }
  if (!credentials.username && !credentials.password) {
    throw io::UsageError("--credentials-dir \"" + dir + "\" holds neither username nor password");
  }
  const auto ca = std::filesystem::path(dir) / "ca.crt";
  if (std::filesystem::exists(ca, ec)) credentials.ca_file = ca.string();
  return credentials;
}

}  // namespace seed::stream
