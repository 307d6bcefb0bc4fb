// `seed-job fetch --url s3://...` against the storage tests' S3 test server (tests/storage, which
// verifies SigV4 signatures): the same client as every s3:// path of seed-job, with fetch's
// checksum, CSV validation and no-partial-file rules on top.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fstream>

#include "api/yaml_json.h"
#include "fetch_fixture.h"
#include "render/inference_service.h"
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

// An InferenceService with an s3:// model, as the operator renders it: its init container's exact
// command (paths moved from the pod's volumes to the test's folder, as the kubelet would mount
// them) downloads the artifact with the Secret's credentials and checks model.sha256; a wrong
// checksum fails it with nothing where the server would read.
TEST_F(FetchS3Test, TheInferenceServiceInitContainerDownloadsAndChecksTheModel) {
  const std::string model =
      ReadText(std::string(SEED_SOURCE_DIR) + "/tests/fuzz/corpus/model_artifact/linear.json");
  Put(model, "s3://seed-fetch/models/wind-wf01/v2.1/model.json");
  const auto sum = storage_test::RunCommand(
      {"/usr/bin/sha256sum", std::string(SEED_SOURCE_DIR) + "/tests/fuzz/corpus/model_artifact/linear.json"},
      {});
  const std::string sha256 = sum.out.substr(0, 64);
  // The Secret, mounted: the storage room's credential files.
  std::filesystem::create_directories(Path("secret"));
  std::ofstream(Path("secret/accessKey")) << storage_test::S3TestServer::kAccessKey;
  std::ofstream(Path("secret/secretKey")) << storage_test::S3TestServer::kSecretKey;
  std::ofstream(Path("secret/endpoint")) << server_->Endpoint();
  std::filesystem::create_directories(Path("models"));
  auto init_container = [&](const std::string& sha) {
    api::ValidationErrors errors;
    auto isvc = api::ParseInferenceService(
        api::ParseYamlDocuments("apiVersion: seed.dev/v1alpha1\nkind: InferenceService\nmetadata: {name: w}\n"
                                "spec: {model: {name: wind-wf01, version: v2.1, uri: "
                                "s3://seed-fetch/models/wind-wf01/v2.1/model.json, sha256: " +
                                sha + ", secretRef: {name: s3}}}\n")
            .at(0)
            .value,
        &errors);
    EXPECT_TRUE(errors.empty());
    auto children = render::RenderInferenceService(isvc, {}, {});
    return children.deployment["spec"]["template"]["spec"]["initContainers"].at(0);
  };
  auto run = [&](const nlohmann::json& container) {
    std::vector<std::string> args = {SEED_JOB_BINARY};
    for (std::string arg : container["args"]) {
      if (arg == render::kRemoteModelFile) arg = Path("models/model.json");
      args.push_back(arg);
    }
    std::map<std::string, std::string> env = {{"SEED_RESULTS_FILE", Path("results.json")}};
    for (const auto& var : container["env"]) {
      env[var["name"]] =
          var["value"] == render::kModelCredentialsPath ? Path("secret") : var["value"].get<std::string>();
    }
    return storage_test::RunCommand(args, env);
  };
  const auto wrong = run(init_container(std::string(64, 'e')));
  EXPECT_EQ(wrong.exit_code, 2) << wrong.err;
  EXPECT_THAT(wrong.err, HasSubstr("SHA-256 mismatch"));
  EXPECT_FALSE(std::filesystem::exists(Path("models/model.json")));
  const auto fetched = run(init_container(sha256));
  ASSERT_EQ(fetched.exit_code, 0) << fetched.err;
  EXPECT_EQ(ReadText(Path("models/model.json")), model);
}

}  // namespace
}  // namespace seed::fetch_test
