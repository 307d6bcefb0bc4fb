#pragma once
// The storage tests' fixture: one S3 test server for the whole suite (bucket seed-test), a temp
// directory per test, and helpers to make files and clients.
// With SEED_TEST_S3_ENDPOINT set (and SEED_TEST_S3_ACCESS_KEY, SEED_TEST_S3_SECRET_KEY), the tests
// run against that server instead, e.g. a MinIO; it must have a bucket named seed-test. Parts are
// then 5 MiB, the minimum real servers accept.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <random>
#include <string>

#include "storage/object_client.h"
#include "test_process.h"

namespace seed::storage_test {

class StorageTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    if (!External() && !server_) server_ = new S3TestServer({"seed-test"});
  }
  static void TearDownTestSuite() {
    delete server_;
    server_ = nullptr;
  }
  void SetUp() override {
    static std::atomic<int> counter{0};
    dir_ = std::filesystem::temp_directory_path() /
           ("seed_storage_test_" + std::to_string(::getpid()) + "_" + std::to_string(counter++));
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::string Path(const std::string& name) const { return (dir_ / name).string(); }

  static const char* External() { return std::getenv("SEED_TEST_S3_ENDPOINT"); }
  static std::string Endpoint() { return External() ? External() : server_->Endpoint(); }
  static std::string Env(const char* name) {
    const char* value = std::getenv(name);
    return value ? value : "";
  }
  static std::string AccessKey() {
    return External() ? Env("SEED_TEST_S3_ACCESS_KEY") : S3TestServer::kAccessKey;
  }
  static std::string SecretKey() {
    return External() ? Env("SEED_TEST_S3_SECRET_KEY") : S3TestServer::kSecretKey;
  }
  // The multipart part size of the tests: small on the test server, S3's minimum elsewhere.
  static uint64_t PartSize() { return External() ? 5u << 20 : 64u << 10; }

  // A configuration for the test server; tests tweak it (fast retries: 1 ms base delay).
  static storage::StorageConfig Config() {
    storage::StorageConfig config;
    config.endpoint = Endpoint();
    config.access_key = AccessKey();
    config.secret_key = SecretKey();
    config.retry.max_attempts = 3;
    config.retry.base_delay = std::chrono::milliseconds(1);
    return config;
  }

  // `size` pseudo-random bytes (seeded) in a new file; returns its path.
  std::string MakeFile(const std::string& name, size_t size, unsigned seed = 1) const {
    std::mt19937 random(seed);
    std::string bytes(size, '\0');
    for (auto& b : bytes) b = static_cast<char>(random());
    std::ofstream(Path(name), std::ios::binary) << bytes;
    return Path(name);
  }

  static std::string Slurp(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), {});
  }

  // The environment seed-job needs to reach the test server.
  static std::map<std::string, std::string> JobEnv() {
    return {{"AWS_ACCESS_KEY_ID", AccessKey()},
            {"AWS_SECRET_ACCESS_KEY", SecretKey()},
            {"SEED_S3_ENDPOINT", Endpoint()},
            {"SEED_S3_RETRY_BASE_MS", "1"},
            {"SEED_S3_MAX_ATTEMPTS", "3"}};
  }

  static inline S3TestServer* server_ = nullptr;
  std::filesystem::path dir_;
};

}  // namespace seed::storage_test
