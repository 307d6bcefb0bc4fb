#include "io/json_file.h"

#include <nettle/sha2.h>

#include "io/atomic_file.h"
#include "io/input_error.h"

namespace seed::io {

nlohmann::json ParseJson(std::string_view text, const std::string& source) {
  try {
    return nlohmann::json::parse(text);
  } catch (const nlohmann::json::parse_error& e) {
    // e.byte is 1-based and points just past the offending character.
    const size_t at = e.byte == 0 ? 0 : std::min(e.byte - 1, text.size());
    long line = 1, column = 1;
    for (size_t i = 0; i < at; ++i) {
      if (text[i] == '\n') {
        ++line;
        column = 1;
      } else {
        ++column;
      }
    }
    std::string what = e.what();
    if (const size_t colon = what.rfind(": "); colon != std::string::npos) what = what.substr(colon + 2);
    throw InputError(source, line, column, "invalid JSON: " + what);
  } catch (const nlohmann::json::out_of_range&) {  // a number beyond double's range, e.g. 1e400
    throw InputError(source, "invalid JSON: a number is too large for a double (beyond about 1.8e308)");
  }
}

nlohmann::json ReadJsonFile(const std::string& path) { return ParseJson(ReadFile(path), path); }

// Nettle rather than OpenSSL: libnettle needs only libc, and libcrypto alone took a noticeable part
// of seed-job's start-up. The digest is the same FIPS 180-4 SHA-256.
std::string Sha256Hex(std::string_view bytes) {
  sha256_ctx context;
  sha256_init(&context);
  sha256_update(&context, bytes.size(), reinterpret_cast<const uint8_t*>(bytes.data()));
  uint8_t digest[SHA256_DIGEST_SIZE];
  sha256_digest(&context, SHA256_DIGEST_SIZE, digest);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string hex;
  hex.reserve(2 * SHA256_DIGEST_SIZE);
  for (size_t i = 0; i < SHA256_DIGEST_SIZE; ++i) {
    hex += kHex[digest[i] >> 4];
    hex += kHex[digest[i] & 15];
  }
  return hex;
}

}  // namespace seed::io
