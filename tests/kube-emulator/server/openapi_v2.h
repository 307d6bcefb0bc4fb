#pragma once

#include <string>

namespace kubeemu {

// GET /openapi/v2: the smallest OpenAPI v2 document client-go accepts, in the only encoding it reads
// (protobuf, gnostic's openapi_v2.Document): swagger "2.0" and an info block, no paths and no
// definitions. Clients that validate on the client side (Helm, kubectl --validate) find no schema for
// any kind and skip validation, instead of failing to download the document.
// The API server answers with application/octet-stream (clients cannot parse the "@" of the proto
// media type they ask for).
inline constexpr char kOpenApiV2ContentType[] = "application/octet-stream";
std::string MinimalOpenApiV2Protobuf();

}  // namespace kubeemu
