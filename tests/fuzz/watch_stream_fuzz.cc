// The watch-stream decoder: the input is what an API server (or a proxy in front of it) sends on a
// watch, cut into chunks at the boundaries the first byte chooses, as TCP may cut it. Every event
// reaches the handler, which stores it as the informer does, or the watch ends with a typed error;
// nothing crashes or throws.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "fake_transport.h"
#include "kube/client.h"
#include "kube/store.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const size_t chunk = 1 + data[0] % 64;
  std::string stream(reinterpret_cast<const char*>(data + 1), size - 1);
  auto transport = std::make_shared<kube::testing::FakeTransport>();
  kube::testing::FakeTransport::StreamScript script;
  for (size_t at = 0; at < stream.size(); at += chunk) script.chunks.push_back(stream.substr(at, chunk));
  transport->AddStream(std::move(script));
  kube::RestConfig config;
  config.server = "https://fuzz.invalid";
  kube::Client client(config, transport);
  kube::Store store;
  auto status = client.Watch(
      {"seed.dev", "v1alpha1", "pipelineruns"}, "plants", {},
      [&](kube::WatchEvent&& event) {
        auto object = std::make_shared<const kube::Json>(std::move(event.object));
        if (event.type == "DELETED") {
          store.Remove(kube::ObjectKey(*object));
        } else {
          store.Upsert(object);
        }
        return true;
      },
      kube::CancelToken());
  (void)status;
  return 0;
}
