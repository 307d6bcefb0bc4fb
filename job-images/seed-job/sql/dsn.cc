#include "sql/dsn.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <set>

#include "sql/error.h"

namespace seed::sql {
namespace {

constexpr const char* kShapes =
    "expected mysql://user:password@host:3306/database (also mariadb://) or "
    "postgresql://user:password@host:5432/database (also postgres://)";

[[noreturn]] void Fail(const std::string& source, const std::string& what) {
  throw Error(source + ": not a usable DSN: " + what + "; " + kShapes, false);
}

int HexDigit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::string PercentDecode(std::string_view text, const std::string& source, const char* part) {
  std::string out;
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '%') {
      out += text[i];
      continue;
    }
    const int hi = i + 1 < text.size() ? HexDigit(text[i + 1]) : -1;
    const int lo = i + 2 < text.size() ? HexDigit(text[i + 2]) : -1;
    if (hi < 0 || lo < 0)
      Fail(source, std::string("a '%' in the ") + part + " is not followed by two hex digits");
    out += static_cast<char>(hi * 16 + lo);
    i += 2;
  }
  return out;
}

}  // namespace

Dsn ParseDsn(std::string_view text, const std::string& source) {
  // A mounted Secret often ends with a newline; surrounding blanks are never part of a DSN.
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back()))) text.remove_suffix(1);
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.front()))) text.remove_prefix(1);
  if (text.empty()) Fail(source, "it is empty");
  Dsn dsn;
  dsn.text = std::string(text);
  const size_t scheme_end = text.find("://");
  if (scheme_end == std::string_view::npos) Fail(source, "it has no scheme (mysql://, postgresql://)");
  std::string scheme(text.substr(0, scheme_end));
  std::transform(scheme.begin(), scheme.end(), scheme.begin(),
                 [](unsigned char c) { return std::tolower(c); });
  if (scheme == "mysql" || scheme == "mariadb") {
    dsn.engine = Engine::kMySql;
  } else if (scheme == "postgresql" || scheme == "postgres") {
    dsn.engine = Engine::kPostgres;
  } else {
    Fail(source, "unknown scheme '" + scheme + "://'");
  }
  std::string_view rest = text.substr(scheme_end + 3);
  std::string_view query;
  if (const size_t q = rest.find('?'); q != std::string_view::npos) {
    query = rest.substr(q + 1);
    rest = rest.substr(0, q);
  }
  std::string_view authority = rest;
  if (const size_t slash = rest.find('/'); slash != std::string_view::npos) {
    authority = rest.substr(0, slash);
    dsn.database = PercentDecode(rest.substr(slash + 1), source, "database name");
  }
  if (const size_t at = authority.rfind('@'); at != std::string_view::npos) {
    const std::string_view userinfo = authority.substr(0, at);
    authority = authority.substr(at + 1);
    const size_t colon = userinfo.find(':');
    dsn.user = PercentDecode(userinfo.substr(0, colon), source, "user name");
    if (colon != std::string_view::npos)
      dsn.password = PercentDecode(userinfo.substr(colon + 1), source, "password");
  }
  std::string_view port_text;
  if (!authority.empty() && authority.front() == '[') {  // [::1]:5432
    const size_t close = authority.find(']');
    if (close == std::string_view::npos) Fail(source, "an IPv6 host has no closing ']'");
    dsn.host = std::string(authority.substr(1, close - 1));
    if (close + 1 < authority.size()) {
      if (authority[close + 1] != ':') Fail(source, "unexpected text after the IPv6 host");
      port_text = authority.substr(close + 2);
    }
  } else if (const size_t colon = authority.rfind(':'); colon != std::string_view::npos) {
    dsn.host = std::string(authority.substr(0, colon));
    port_text = authority.substr(colon + 1);
  } else {
    dsn.host = std::string(authority);
  }
  if (!port_text.empty()) {
    int port = 0;
    const auto [end, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
    if (ec != std::errc() || end != port_text.data() + port_text.size() || port < 1 || port > 65535) {
      Fail(source, "the port '" + std::string(port_text) + "' is not a number from 1 to 65535");
    }
    dsn.port = port;
  }
  while (!query.empty()) {
    const size_t amp = query.find('&');
    const std::string_view pair = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view() : query.substr(amp + 1);
    if (pair.empty()) continue;
    const size_t eq = pair.find('=');
    if (eq == std::string_view::npos) Fail(source, "option '" + std::string(pair) + "' has no '=value'");
    dsn.options[PercentDecode(pair.substr(0, eq), source, "options")] =
        PercentDecode(pair.substr(eq + 1), source, "options");
  }
  if (dsn.engine == Engine::kMySql) {
    static const std::set<std::string> kKnown = {"socket", "ssl-mode", "ssl-ca", "connect-timeout"};
    for (const auto& [key, value] : dsn.options) {
      if (!kKnown.count(key)) {
        Fail(source, "unknown MySQL option '" + key + "' (known: socket, ssl-mode, ssl-ca, connect-timeout)");
      }
    }
    if (auto mode = dsn.options.find("ssl-mode"); mode != dsn.options.end()) {
      static const std::set<std::string> kModes = {"DISABLED", "PREFERRED", "REQUIRED", "VERIFY_CA",
                                                   "VERIFY_IDENTITY"};
      if (!kModes.count(mode->second)) {
        Fail(source, "ssl-mode '" + mode->second +
                         "' is not one of DISABLED, PREFERRED, REQUIRED, VERIFY_CA, VERIFY_IDENTITY");
      }
    }
    if (auto timeout = dsn.options.find("connect-timeout"); timeout != dsn.options.end()) {
      const std::string& t = timeout->second;
      if (t.empty() || t.size() > 5 ||
          !std::all_of(t.begin(), t.end(), [](unsigned char c) { return std::isdigit(c); })) {
        Fail(source, "connect-timeout '" + t + "' is not a whole number of seconds");
      }
    }
    if (dsn.host.empty() && !dsn.options.count("socket"))
      Fail(source, "it names no host (and no socket option)");
    if (dsn.user.empty()) Fail(source, "it names no user (user:password@ before the host)");
  }
  return dsn;
}

std::string Describe(const Dsn& dsn) {
  std::string out = dsn.engine == Engine::kMySql ? "mysql://" : "postgresql://";
  if (!dsn.user.empty()) out += dsn.user + "@";
  const bool ipv6 = dsn.host.find(':') != std::string::npos;
  out += ipv6 ? "[" + dsn.host + "]" : dsn.host;
  if (dsn.host.empty()) {
    if (auto socket = dsn.options.find("socket"); socket != dsn.options.end())
      out += "(socket " + socket->second + ")";
  }
  if (dsn.port != 0) out += ":" + std::to_string(dsn.port);
  if (!dsn.database.empty()) out += "/" + dsn.database;
  return out;
}

}  // namespace seed::sql
