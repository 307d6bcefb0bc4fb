#include "kube-emulator/server/openapi_v2.h"

#include <cstdint>

namespace kubeemu {
namespace {

// Protocol buffers wire format by hand: two string fields in two messages do not justify a protobuf
// dependency.
void Varint(uint64_t value, std::string* out) {
  while (value >= 0x80) {
    out->push_back(static_cast<char>((value & 0x7f) | 0x80));
    value >>= 7;
  }
  out->push_back(static_cast<char>(value));
}

std::string LengthDelimited(int field, const std::string& bytes) {
  std::string out;
  Varint(static_cast<uint64_t>(field) << 3 | 2, &out);  // wire type 2: length-delimited
  Varint(bytes.size(), &out);
  return out + bytes;
}

}  // namespace

std::string MinimalOpenApiV2Protobuf() {
  // openapi_v2.Info: title = 1, version = 2.
  std::string info = LengthDelimited(1, "test API emulator") + LengthDelimited(2, "v1.32.0");
  // openapi_v2.Document: swagger = 1, info = 2.
  return LengthDelimited(1, "2.0") + LengthDelimited(2, info);
}

}  // namespace kubeemu
