// bench_storage_cp SRC DST: copies one file to or from object storage with Seed's client, the way
// `aws s3 cp` does (one side s3://, the other a local path; http(s):// may be the source), with the
// settings seed-job reads from the environment. Prints bytes, seconds, MB/s and the SHA-256.
#include <chrono>
#include <cstdio>
#include <string>

#include "storage/object_client.h"
#include "storage/storage_error.h"

int main(int argc, char** argv) {
  if (argc != 3) {
    std::fprintf(stderr, "usage: bench_storage_cp SRC DST (one of them s3://bucket/key)\n");
    return 2;
  }
  const std::string source = argv[1], destination = argv[2];
  try {
    seed::storage::ObjectClient client(seed::storage::ConfigFromEnvironment());
    const auto start = std::chrono::steady_clock::now();
    const bool upload = destination.rfind("s3://", 0) == 0;
    const auto result = upload ? client.Put(source, destination) : client.Get(source, destination);
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    std::printf("%s %llu bytes in %.3f s (%.1f MB/s, %d parts) sha256 %s\n", upload ? "upload" : "download",
                static_cast<unsigned long long>(result.bytes), seconds, result.bytes / seconds / 1e6,
                result.parts, result.sha256.c_str());
  } catch (const seed::storage::StorageError& error) {
    std::fprintf(stderr, "bench_storage_cp: %s\n", error.what());
    return error.bad_input() ? 2 : 1;
  }
  return 0;
}
