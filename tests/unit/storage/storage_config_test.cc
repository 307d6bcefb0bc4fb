#include "storage/storage_config.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <map>

#include "storage/retry_policy.h"
#include "storage/storage_error.h"

namespace seed::storage {
namespace {

StorageConfig FromMap(const std::map<std::string, std::string>& env) {
  return ConfigFromEnvironment([&](const std::string& name) -> std::optional<std::string> {
    const auto found = env.find(name);
    if (found == env.end()) return std::nullopt;
    return found->second;
  });
}

std::string ErrorOf(const std::map<std::string, std::string>& env) {
  try {
    FromMap(env);
  } catch (const StorageError& error) {
    EXPECT_TRUE(error.bad_input());
    return error.what();
  }
  return "no error";
}

TEST(StorageConfigTest, DefaultsToAwsWithVirtualHostsAndReadsTheAwsVariables) {
  const StorageConfig aws = FromMap({{"AWS_ACCESS_KEY_ID", "AK"},
                                     {"AWS_SECRET_ACCESS_KEY", "SK"},
                                     {"AWS_SESSION_TOKEN", "T"},
                                     {"AWS_REGION", "eu-west-1"}});
  EXPECT_EQ(aws.endpoint, "https://s3.eu-west-1.amazonaws.com");
  EXPECT_TRUE(aws.virtual_host);
  EXPECT_EQ(aws.access_key, "AK");
  EXPECT_EQ(aws.secret_key, "SK");
  EXPECT_EQ(aws.session_token, "T");
  EXPECT_EQ(aws.part_size, 16u << 20);
  EXPECT_FALSE(aws.insecure);
  const StorageConfig minio =
      FromMap({{"AWS_ENDPOINT_URL", "http://minio:9000"}, {"AWS_DEFAULT_REGION", "cn-north-1"}});
  EXPECT_EQ(minio.endpoint, "http://minio:9000");
  EXPECT_FALSE(minio.virtual_host);
  EXPECT_EQ(minio.region, "cn-north-1");
  EXPECT_FALSE(minio.has_credentials());
  EXPECT_EQ(FromMap({{"SEED_S3_ENDPOINT", "http://a:1"}, {"AWS_ENDPOINT_URL", "http://b:2"}}).endpoint,
            "http://a:1");
  const StorageConfig tuned = FromMap({{"SEED_S3_ENDPOINT", "https://h"},
                                       {"SEED_S3_ADDRESSING", "virtual"},
                                       {"SEED_S3_INSECURE", "true"},
                                       {"SEED_S3_PART_SIZE_MB", "64"},
                                       {"SEED_S3_MAX_ATTEMPTS", "2"},
                                       {"SEED_S3_RETRY_BASE_MS", "10"},
                                       {"SEED_S3_RETRY_TOTAL_SECONDS", "30"}});
  EXPECT_TRUE(tuned.virtual_host);
  EXPECT_TRUE(tuned.insecure);
  EXPECT_EQ(tuned.part_size, 64u << 20);
  EXPECT_EQ(tuned.retry.max_attempts, 2);
  EXPECT_EQ(tuned.retry.base_delay.count(), 10);
  EXPECT_EQ(tuned.retry.total_budget.count(), 30000);
}

// fuzz_object_url traps on these (corpus regression-config-overflow): 2^44 MiB shifted to bytes
// wrapped to a part size of 0, 2^32 attempts cast to int became 0, and 2^62 seconds overflowed
// (undefined behaviour) on conversion to milliseconds.
TEST(StorageConfigTest, NumbersBeyondTheLimitsAreRefusedNotWrapped) {
  EXPECT_EQ(FromMap({{"SEED_S3_PART_SIZE_MB", "5120"}}).part_size, 5ull << 30);
  EXPECT_EQ(FromMap({{"SEED_S3_MAX_ATTEMPTS", "100"}}).retry.max_attempts, 100);
  EXPECT_EQ(FromMap({{"SEED_S3_RETRY_TOTAL_SECONDS", "86400"}}).retry.total_budget.count(), 86400000);
  EXPECT_THAT(
      ErrorOf({{"SEED_S3_PART_SIZE_MB", "17592186044416"}}),
      ::testing::HasSubstr("SEED_S3_PART_SIZE_MB: '17592186044416' is not a whole number from 5 to 5120"));
  EXPECT_THAT(ErrorOf({{"SEED_S3_PART_SIZE_MB", "5121"}}), ::testing::HasSubstr("SEED_S3_PART_SIZE_MB"));
  EXPECT_THAT(ErrorOf({{"SEED_S3_MAX_ATTEMPTS", "4294967296"}}),
              ::testing::HasSubstr("SEED_S3_MAX_ATTEMPTS"));
  EXPECT_THAT(ErrorOf({{"SEED_S3_RETRY_BASE_MS", "9223372036854775807"}}),
              ::testing::HasSubstr("SEED_S3_RETRY_BASE_MS"));
  EXPECT_THAT(ErrorOf({{"SEED_S3_RETRY_TOTAL_SECONDS", "4611686018427387904"}}),
              ::testing::HasSubstr("SEED_S3_RETRY_TOTAL_SECONDS"));
}

TEST(StorageConfigTest, BadValuesNameTheVariable) {
  EXPECT_THAT(ErrorOf({{"AWS_ACCESS_KEY_ID", "AK"}}), ::testing::HasSubstr("AWS_ACCESS_KEY_ID"));
  EXPECT_THAT(ErrorOf({{"SEED_S3_ADDRESSING", "dns"}}), ::testing::HasSubstr("SEED_S3_ADDRESSING"));
  EXPECT_THAT(ErrorOf({{"SEED_S3_PART_SIZE_MB", "1"}}), ::testing::HasSubstr("SEED_S3_PART_SIZE_MB"));
  EXPECT_THAT(ErrorOf({{"SEED_S3_MAX_ATTEMPTS", "x"}}), ::testing::HasSubstr("SEED_S3_MAX_ATTEMPTS"));
  EXPECT_THAT(ErrorOf({{"SEED_S3_INSECURE", "maybe"}}), ::testing::HasSubstr("SEED_S3_INSECURE"));
  EXPECT_THAT(ErrorOf({{"SEED_S3_ENDPOINT", "minio:9000"}}), ::testing::HasSubstr("minio:9000"));
  EXPECT_THAT(ErrorOf({{"SEED_S3_CA_FILE", "/nonexistent/ca.pem"}}), ::testing::HasSubstr("SEED_S3_CA_FILE"));
  EXPECT_THAT(ErrorOf({{"SEED_S3_CREDENTIALS_DIR", "/nonexistent/dir"}}),
              ::testing::HasSubstr("SEED_S3_CREDENTIALS_DIR"));
}

TEST(StorageConfigTest, ASecretShapedDirectoryWinsOverTheVariables) {
  const auto dir = std::filesystem::temp_directory_path() / ("seed-secret-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  std::ofstream(dir / "accessKey") << "FILE-AK\n";
  std::ofstream(dir / "secretKey") << "FILE-SK\r\n";
  std::ofstream(dir / "endpoint") << "http://minio.storage:9000\n";
  const StorageConfig config = FromMap({{"AWS_ACCESS_KEY_ID", "ENV-AK"},
                                        {"AWS_SECRET_ACCESS_KEY", "ENV-SK"},
                                        {"SEED_S3_CREDENTIALS_DIR", dir.string()}});
  EXPECT_EQ(config.access_key, "FILE-AK");
  EXPECT_EQ(config.secret_key, "FILE-SK");
  EXPECT_EQ(config.endpoint, "http://minio.storage:9000");
  EXPECT_FALSE(config.virtual_host);
  std::filesystem::remove(dir / "secretKey");
  EXPECT_THAT(ErrorOf({{"SEED_S3_CREDENTIALS_DIR", dir.string()}}),
              ::testing::HasSubstr("accessKey and secretKey"));
  std::filesystem::remove_all(dir);
}

TEST(RetryPolicyTest, FullJitterUnderADoublingCeilingWithinTheBudget) {
  RetryPolicy policy;  // 5 attempts, 200 ms doubling to 5 s, 120 s in all
  using std::chrono::milliseconds;
  EXPECT_EQ(RetryDelay(policy, 2, 0.5, milliseconds(0)).count(), 100);
  EXPECT_EQ(RetryDelay(policy, 3, 0.5, milliseconds(0)).count(), 200);
  EXPECT_EQ(RetryDelay(policy, 4, 0.999, milliseconds(0)).count(), 799);
  EXPECT_EQ(RetryDelay(policy, 5, 0.0, milliseconds(0)).count(), 0);
  EXPECT_LT(RetryDelay(policy, 6, 0.5, milliseconds(0)).count(), 0);  // attempts used up
  policy.max_attempts = 100;
  EXPECT_EQ(RetryDelay(policy, 40, 1.0, milliseconds(0)).count(), 5000);   // capped
  EXPECT_LT(RetryDelay(policy, 3, 1.0, milliseconds(119900)).count(), 0);  // past the budget
}

}  // namespace
}  // namespace seed::storage
