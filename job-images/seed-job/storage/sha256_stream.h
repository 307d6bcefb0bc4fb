#pragma once
// Incremental SHA-256 (nettle) of bytes as they stream by, in lowercase hex.
#include <nettle/sha2.h>

#include <string>
#include <string_view>

namespace seed::storage {

class Sha256Stream {
 public:
  Sha256Stream() { sha256_init(&context_); }
  void Update(std::string_view bytes) {
    sha256_update(&context_, bytes.size(), reinterpret_cast<const uint8_t*>(bytes.data()));
  }
  // The digest of everything so far; the stream starts over afterwards.
  std::string HexDigest() {
    uint8_t digest[SHA256_DIGEST_SIZE];
    sha256_digest(&context_, SHA256_DIGEST_SIZE, digest);
    static constexpr char kHex[] = "0123456789abcdef";
    std::string hex;
    for (const uint8_t byte : digest) {
      hex += kHex[byte >> 4];
      hex += kHex[byte & 15];
    }
    return hex;
  }

 private:
  sha256_ctx context_;
};

// The hex SHA-256 of the bytes (the x-amz-content-sha256 of a request body).
inline std::string Sha256Of(std::string_view bytes) {
  Sha256Stream stream;
  stream.Update(bytes);
  return stream.HexDigest();
}

}  // namespace seed::storage
