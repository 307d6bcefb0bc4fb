// `seed-job` with s3:// and http:// paths, as a task pod runs it: synth, qc, train and forecast
// reading their inputs from and writing their outputs to the S3 test server give the same bytes as
// the same chain on local files; bad URLs, missing objects and refused credentials exit 2 with the
// URL and what to check; server faults exit 1; nothing half-written is left at the destination.
#include <filesystem>
#include <nlohmann/json.hpp>

#include "fault_server.h"
#include "storage/object_client.h"
#include "storage_fixture.h"

namespace seed::storage_test {
namespace {

class SeedJobS3Test : public StorageTest {
 protected:
  CommandResult Job(std::vector<std::string> args, std::map<std::string, std::string> env = JobEnv()) {
    args.insert(args.begin(), SEED_JOB_BINARY);
    env["SEED_RESULTS_FILE"] = Path("results.json");
    return RunCommand(args, env);
  }
  void ExpectOk(const CommandResult& result) { EXPECT_EQ(result.exit_code, 0) << result.err; }
  std::string Object(const std::string& url) {
    static int n = 0;
    const std::string local = Path("fetched-" + std::to_string(n++));
    storage::ObjectClient(Config()).Get(url, local);
    return Slurp(local);
  }
};

TEST_F(SeedJobS3Test, AChainOnS3GivesTheSameBytesAsOnLocalFiles) {
  const std::string s3 = "s3://seed-test/chain";
  const std::vector<std::string> synth = {"synth", "--kind",     "wind", "--days", "40", "--turbines",
                                          "4",     "--capacity", "20",   "--seed", "5",  "--out-dir"};
  auto with = [](std::vector<std::string> args, const std::string& last) {
    args.push_back(last);
    return args;
  };
  for (const std::string& root : {Path("local"), s3}) {
    ExpectOk(Job(with(synth, root + "/plant")));
    ExpectOk(Job({"qc", "--in", root + "/plant/measurements.csv", "--out", root + "/clean.csv", "--report",
                  root + "/qc.json", "--capacity", "20"}));
    ExpectOk(Job({"train", "--model", "linear", "--nwp", root + "/plant/nwp.csv", "--measurements",
                  root + "/clean.csv", "--capacity", "20", "--speed-column", "ec_ws", "--direction-column",
                  "ec_wd", "--out", root + "/model.json"}));
    ExpectOk(Job({"forecast", "--model", root + "/model.json", "--nwp", root + "/plant/nwp.csv", "--out",
                  root + "/forecast.csv", "--issue-time", "2024-01-20T00:00:00+08:00"}));
  }
  for (const std::string name :
       {"plant/measurements.csv", "plant/nwp.csv", "plant/site.json", "clean.csv", "forecast.csv"})
    EXPECT_EQ(Object(s3 + "/" + name), Slurp(Path("local/" + name))) << name;
  // The report and the model record the path they were made from; all else is the same.
  for (const std::string name : {"qc.json", "model.json"}) {
    nlohmann::json remote = nlohmann::json::parse(Object(s3 + "/" + name));
    nlohmann::json local = nlohmann::json::parse(Slurp(Path("local/" + name)));
    EXPECT_EQ(remote.value("source", ""), local.contains("source") ? s3 + "/plant/measurements.csv" : "")
        << name;
    for (auto* json : {&remote, &local}) {
      json->erase("source");
    }
    EXPECT_EQ(remote, local) << name << ": " << nlohmann::json::diff(local, remote).dump();
  }
}

TEST_F(SeedJobS3Test, GapsReadsADirectoryOfIssuesFromAnS3Prefix) {
  storage::ObjectClient client(Config());
  std::filesystem::create_directories(Path("issues/deeper"));
  const std::map<std::string, std::string> files = {
      {"2024-05-01T08-00-00+08-00.csv", "time,forecast_mw\n2024-05-02T00:00:00+08:00,1.0\n"},
      {"2024-05-03T08-00-00+08-00.csv", "time,forecast_mw\n2024-05-04T00:00:00+08:00,2.0\n"},
      {"deeper/2024-05-02T08-00-00+08-00.csv", "time,forecast_mw\n2024-05-03T00:00:00+08:00,3.0\n"},
      {"notes.txt", "not an issue\n"}};
  for (const auto& [name, text] : files) {
    std::ofstream(Path("issues/" + name)) << text;
    client.Put(Path("issues/" + name), "s3://seed-test/gaps/issues/" + name);
  }
  const std::vector<std::string> period = {"--from", "2024-05-01T00:00:00+08:00", "--to",
                                           "2024-05-05T00:00:00+08:00"};
  std::vector<std::string> local = {"gaps", "--forecasts", Path("issues")};
  std::vector<std::string> remote = {"gaps", "--forecasts", "s3://seed-test/gaps/issues/"};
  for (auto* args : {&local, &remote}) args->insert(args->end(), period.begin(), period.end());
  local.insert(local.end(), {"--out", Path("gaps-local.json")});
  remote.insert(remote.end(), {"--out", "s3://seed-test/gaps/gaps.json"});
  ExpectOk(Job(local));
  ExpectOk(Job(remote));
  const std::string report = Object("s3://seed-test/gaps/gaps.json");
  EXPECT_EQ(report, Slurp(Path("gaps-local.json")));
  EXPECT_EQ(nlohmann::json::parse(report)["files"], 2);
  EXPECT_EQ(nlohmann::json::parse(report)["mode"], "issues");
}

TEST_F(SeedJobS3Test, HttpInputsAreRead) {
  ExpectOk(Job({"synth", "--kind", "wind", "--days", "10", "--turbines", "2", "--capacity", "10", "--seed",
                "3", "--out-dir", Path("plant")}));
  FaultServer server({.failures = 1, .body = Slurp(Path("plant/measurements.csv"))});
  ExpectOk(
      Job({"qc", "--in", server.Url("/measurements.csv"), "--out", Path("clean.csv"), "--capacity", "10"}));
  ExpectOk(Job(
      {"qc", "--in", Path("plant/measurements.csv"), "--out", Path("clean-local.csv"), "--capacity", "10"}));
  EXPECT_EQ(Slurp(Path("clean.csv")), Slurp(Path("clean-local.csv")));
  EXPECT_EQ(server.requests(), 2);  // the 503 retried once
}

TEST_F(SeedJobS3Test, BadInputExitsTwoWithTheUrlAndWhatToCheck) {
  const auto missing =
      Job({"qc", "--in", "s3://seed-test/nothing/here.csv", "--out", Path("clean.csv"), "--capacity", "10"});
  EXPECT_EQ(missing.exit_code, 2);
  EXPECT_THAT(missing.err, ::testing::HasSubstr("s3://seed-test/nothing/here.csv"));
  EXPECT_THAT(missing.err, ::testing::HasSubstr("NoSuchKey"));
  EXPECT_FALSE(std::filesystem::exists(Path("clean.csv")));

  const auto bucket =
      Job({"qc", "--in", "s3://other-bucket/a.csv", "--out", Path("clean.csv"), "--capacity", "10"});
  EXPECT_EQ(bucket.exit_code, 2);
  EXPECT_THAT(bucket.err, ::testing::HasSubstr("bucket 'other-bucket' does not exist at endpoint"));

  const auto url =
      Job({"qc", "--in", "s3://Bad_Bucket/a.csv", "--out", Path("clean.csv"), "--capacity", "10"});
  EXPECT_EQ(url.exit_code, 2);
  EXPECT_THAT(url.err, ::testing::HasSubstr("not a valid bucket name"));

  auto env = JobEnv();
  env["SEED_S3_ENDPOINT"] = "http://no-such-host.invalid:9000";
  const auto host =
      Job({"qc", "--in", "s3://seed-test/a.csv", "--out", Path("clean.csv"), "--capacity", "10"}, env);
  EXPECT_EQ(host.exit_code, 2) << host.err;
  EXPECT_THAT(host.err, ::testing::HasSubstr("SEED_S3_ENDPOINT"));
}

TEST_F(SeedJobS3Test, RefusedCredentialsExitTwoAndWriteNothing) {
  ExpectOk(Job({"synth", "--kind", "wind", "--days", "5", "--turbines", "2", "--capacity", "10", "--seed",
                "3", "--out-dir", Path("plant")}));
  auto env = JobEnv();
  env["AWS_SECRET_ACCESS_KEY"] = "wrong-secret";
  const auto refused = Job({"qc", "--in", Path("plant/measurements.csv"), "--out",
                            "s3://seed-test/refused/clean.csv", "--capacity", "10"},
                           env);
  EXPECT_EQ(refused.exit_code, 2);
  EXPECT_THAT(refused.err, ::testing::HasSubstr("SignatureDoesNotMatch"));
  EXPECT_THAT(refused.err, ::testing::HasSubstr("check the secret key"));
  EXPECT_THAT(refused.err, ::testing::Not(::testing::HasSubstr("wrong-secret")));
  EXPECT_EQ(storage::ObjectClient(Config()).List("s3://seed-test/refused/").size(), 0u);
}

TEST_F(SeedJobS3Test, CredentialsComeFromASecretShapedDirectory) {
  ExpectOk(Job({"synth", "--kind", "wind", "--days", "5", "--turbines", "2", "--capacity", "10", "--seed",
                "3", "--out-dir", Path("plant")}));
  std::filesystem::create_directories(Path("secret"));
  std::ofstream(Path("secret/accessKey")) << AccessKey() << "\n";
  std::ofstream(Path("secret/secretKey")) << SecretKey() << "\n";
  std::ofstream(Path("secret/endpoint")) << Endpoint();
  const auto result = Job({"qc", "--in", Path("plant/measurements.csv"), "--out",
                           "s3://seed-test/fromdir/clean.csv", "--capacity", "10"},
                          {{"SEED_S3_CREDENTIALS_DIR", Path("secret")}});
  ExpectOk(result);
  ExpectOk(
      Job({"qc", "--in", Path("plant/measurements.csv"), "--out", Path("clean.csv"), "--capacity", "10"}));
  EXPECT_EQ(Object("s3://seed-test/fromdir/clean.csv"), Slurp(Path("clean.csv")));
}

TEST_F(SeedJobS3Test, ServerFaultsExitOneAndATruncatedInputWritesNoOutput) {
  FaultServer truncating({.truncate = true, .body = std::string(5000, 'x')});
  const auto truncated =
      Job({"qc", "--in", truncating.Url("/m.csv"), "--out", Path("clean.csv"), "--capacity", "10"});
  EXPECT_EQ(truncated.exit_code, 1) << truncated.err;
  EXPECT_THAT(truncated.err, ::testing::HasSubstr(truncating.Url("/m.csv")));
  EXPECT_FALSE(std::filesystem::exists(Path("clean.csv")));

  FaultServer failing({.failures = 100});
  auto env = JobEnv();
  env["SEED_S3_ENDPOINT"] = failing.Url("");
  const auto failed =
      Job({"qc", "--in", "s3://seed-test/a.csv", "--out", Path("clean.csv"), "--capacity", "10"}, env);
  EXPECT_EQ(failed.exit_code, 1) << failed.err;
  EXPECT_THAT(failed.err, ::testing::HasSubstr("HTTP 503"));
  EXPECT_EQ(failing.requests(), 3);
}

}  // namespace
}  // namespace seed::storage_test
