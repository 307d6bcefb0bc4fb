#pragma once

#include <memory>

#include "kube/http_transport.h"

namespace kube {

// Calls curl_global_init once; call from main() before any thread starts (libcurl's rule).
void InitCurlGlobal();

// libcurl-backed transport. Each thread reuses its own easy handle (and so its live connections);
// watches use HTTP/1.1 so one stalled stream never blocks others; TLS is verified unless
// insecure_skip_verify; NOSIGNAL and TCP keepalive are always on.
std::shared_ptr<HttpTransport> MakeCurlTransport(TlsOptions tls);

}  // namespace kube
