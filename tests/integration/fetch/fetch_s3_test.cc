// `seed-job fetch --url s3://...` against the storage tests' S3 test server (tests/storage, which
// verifies SigV4 signatures): the same client as every s3:// path of seed-job, with fetch's
// checksum, CSV validation and no-partial-file rules on top.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fstream>

#include "fetch_fixture.h"
#include "storage/object_client.h"
#include "test_process.h"

namespace seed::fetch_test {
namespace {

using ::testing::HasSubstr;

const std::string kCsv = "time,power_mw\n2024-04-01T00:00:00+08:00,1.5\n2024-04-01T00:15:00+08:00,\n";
// sha256sum of kCsv.
const std::string kCsvSha256 = "672f64dc28eba12d8b3ebb36c25b485add6fcebead9f461104fe598a98857aa3";

class FetchS3Test : public FetchTest {
 protected:
  static void SetUpTestSuite() { server_ = new storage_test::S3TestServer({"seed-fetch"}); }
  static void TearDownTestSuite() {
    delete server_;
    server_ = nullptr;
  }
  static std::map<std::string, std::string> Env(
      const std::string& secret = storage_test::S3TestServer::kSecretKey) {
    return {{"AWS_ACCESS_KEY_ID", storage_test::S3TestServer::kAccessKey},
            {"AWS_SECRET_ACCESS_KEY", secret},
            {"SEED_S3_ENDPOINT", server_->Endpoint()}};
  }
  storage_test::CommandResult FetchS3(std::vector<std::string> args,
                                      std::map<std::string, std::string> env = Env()) {
    args.insert(args.begin(), {SEED_JOB_BINARY, "fetch"});
    env["SEED_RESULTS_FILE"] = Path("results.json");
    return storage_test::RunCommand(args, env);
  }
  void Put(const std::string& text, const std::string& url) {
    std::ofstream(Path("upload")) << text;
    storage::StorageConfig config;
    config.endpoint = server_->Endpoint();
    config.access_key = config.secret_key = storage_test::S3TestServer::kAccessKey;
    storage::ObjectClient(config).Put(Path("upload"), url);
    std::filesystem::remove(Path("upload"));
  }

  static inline storage_test::S3TestServer* server_ = nullptr;
};

TEST_F(FetchS3Test, ASignedDownloadIsCheckedAndValidated) {
  Put(kCsv, "s3://seed-fetch/plant/power.csv");
  const auto r = FetchS3(
      {"--url", "s3://seed-fetch/plant/power.csv", "--sha256", kCsvSha256, "--out", Path("power.csv")});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(ReadText(Path("power.csv")), kCsv);
  EXPECT_THAT(r.out, HasSubstr("2 rows"));
  EXPECT_THAT(ReadText(Path("results.json")), HasSubstr("\"rows\""));
  EXPECT_THAT(Leftovers({"power.csv", "results.json"}), ::testing::IsEmpty());
}

TEST_F(FetchS3Test, AChecksumMismatchKeepsTheOldFile) {
  Put(kCsv, "s3://seed-fetch/plant/mismatch.csv");
  std::ofstream(Path("power.csv")) << "old\n";
  const auto r = FetchS3({"--url", "s3://seed-fetch/plant/mismatch.csv", "--sha256", std::string(64, 'b'),
                          "--out", Path("power.csv")});
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_THAT(r.err, HasSubstr("SHA-256 mismatch"));
  EXPECT_THAT(r.err, HasSubstr(kCsvSha256));
  EXPECT_EQ(ReadText(Path("power.csv")), "old\n");
  EXPECT_THAT(Leftovers({"power.csv"}), ::testing::IsEmpty());
}

TEST_F(FetchS3Test, AMissingKeyAndAWrongSecretAreExit2WithNothingWritten) {
  const auto missing = FetchS3({"--url", "s3://seed-fetch/plant/absent.csv", "--out", Path("power.csv")});
  EXPECT_EQ(missing.exit_code, 2) << missing.err;
  EXPECT_THAT(missing.err, HasSubstr("s3://seed-fetch/plant/absent.csv"));
  EXPECT_THAT(missing.err, HasSubstr("NoSuchKey"));
  Put(kCsv, "s3://seed-fetch/plant/signed.csv");
  const auto refused = FetchS3({"--url", "s3://seed-fetch/plant/signed.csv", "--out", Path("power.csv")},
                               Env("not-the-secret"));
  EXPECT_EQ(refused.exit_code, 2) << refused.err;
  EXPECT_THAT(refused.err, HasSubstr("SignatureDoesNotMatch"));
  EXPECT_THAT(refused.err + refused.out, ::testing::Not(HasSubstr("not-the-secret")));
  EXPECT_FALSE(std::filesystem::exists(Path("power.csv")));
  EXPECT_THAT(Leftovers({}), ::testing::IsEmpty());
}

}  // namespace
}  // namespace seed::fetch_test
