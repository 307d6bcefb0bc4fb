// TLS to the S3 test server serving HTTPS with a self-signed certificate: refused as untrusted
// with the system CAs (exit 2, naming SEED_S3_CA_FILE), accepted with that certificate as the CA
// file, and accepted with verification off only when asked (SEED_S3_INSECURE).
#include <filesystem>

#include "storage/object_client.h"
#include "storage/storage_error.h"
#include "storage_fixture.h"

namespace seed::storage_test {
namespace {

class TlsTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { server_ = new S3TestServer({"seed-test"}, /*tls=*/true); }
  static void TearDownTestSuite() {
    delete server_;
    server_ = nullptr;
  }
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() / ("seed_tls_test_" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir_);
    std::ofstream(dir_ / "in.csv") << "time,power_mw\n";
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  static storage::StorageConfig Config() {
    storage::StorageConfig config;
    config.endpoint = server_->Endpoint();
    config.access_key = S3TestServer::kAccessKey;
    config.secret_key = S3TestServer::kSecretKey;
    config.retry.max_attempts = 2;
    config.retry.base_delay = std::chrono::milliseconds(1);
    return config;
  }
  static inline S3TestServer* server_ = nullptr;
  std::filesystem::path dir_;
};

TEST_F(TlsTest, AnUntrustedCertificateIsBadInputNamingTheCaSetting) {
  storage::ObjectClient client(Config());
  try {
    client.Put((dir_ / "in.csv").string(), "s3://seed-test/tls/a.csv");
    FAIL() << "no error";
  } catch (const storage::StorageError& error) {
    EXPECT_TRUE(error.bad_input()) << error.what();
    EXPECT_THAT(error.what(), ::testing::HasSubstr("SEED_S3_CA_FILE"));
  }
  EXPECT_EQ(client.requests(), 1);  // not retried
}

TEST_F(TlsTest, TheGivenCaFileIsTrusted) {
  storage::StorageConfig config = Config();
  config.ca_file = server_->CaFile();
  storage::ObjectClient client(config);
  client.Put((dir_ / "in.csv").string(), "s3://seed-test/tls/b.csv");
  client.Get("s3://seed-test/tls/b.csv", (dir_ / "back.csv").string());
  EXPECT_EQ(std::filesystem::file_size(dir_ / "back.csv"), 14u);
}

TEST_F(TlsTest, VerificationIsOffOnlyWhenAsked) {
  storage::StorageConfig config = Config();
  config.insecure = true;
  storage::ObjectClient(config).Put((dir_ / "in.csv").string(), "s3://seed-test/tls/c.csv");
}

TEST_F(TlsTest, SeedJobUsesTheCaFileSetting) {
  const std::string plant = (dir_ / "plant").string();
  ASSERT_EQ(RunCommand({SEED_JOB_BINARY, "synth", "--days", "3", "--turbines", "2", "--capacity", "10",
                        "--out-dir", plant})
                .exit_code,
            0);
  std::map<std::string, std::string> env = {{"AWS_ACCESS_KEY_ID", S3TestServer::kAccessKey},
                                            {"AWS_SECRET_ACCESS_KEY", S3TestServer::kSecretKey},
                                            {"SEED_S3_ENDPOINT", server_->Endpoint()},
                                            {"SEED_S3_MAX_ATTEMPTS", "1"}};
  const std::vector<std::string> qc = {
      SEED_JOB_BINARY, "qc", "--in", plant + "/measurements.csv", "--out", "s3://seed-test/tls/clean.csv",
      "--capacity",    "10"};
  const CommandResult untrusted = RunCommand(qc, env);
  EXPECT_EQ(untrusted.exit_code, 2);
  EXPECT_THAT(untrusted.err, ::testing::HasSubstr("SEED_S3_CA_FILE"));
  env["SEED_S3_CA_FILE"] = server_->CaFile();
  const CommandResult trusted = RunCommand(qc, env);
  EXPECT_EQ(trusted.exit_code, 0) << trusted.err;
}

}  // namespace
}  // namespace seed::storage_test
