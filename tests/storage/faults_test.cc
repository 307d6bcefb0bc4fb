// Failures a real server will not produce on demand, from the tests' fault server: 5xx retried
// with backoff, 4xx never retried, a body shorter than its Content-Length never accepted.
#include <filesystem>

#include "fault_server.h"
#include "storage/object_client.h"
#include "storage/storage_error.h"
#include "storage_fixture.h"

namespace seed::storage_test {
namespace {

using storage::ObjectClient;
using storage::StorageError;

storage::StorageConfig FastRetries(int attempts) {
  storage::StorageConfig config;
  config.endpoint = "http://127.0.0.1:1";  // unused by http:// URLs
  config.retry.max_attempts = attempts;
  config.retry.base_delay = std::chrono::milliseconds(1);
  return config;
}

class FaultsTest : public StorageTest {};

TEST_F(FaultsTest, FiveHundredsAreRetriedUntilTheAnswerComes) {
  FaultServer server({.failures = 2, .body = "time,power_mw\n2024-01-01T00:00:00Z,1.5\n"});
  ObjectClient client(FastRetries(5));
  const auto result = client.Get(server.Url("/data.csv"), Path("data.csv"));
  EXPECT_EQ(server.requests(), 3);
  EXPECT_EQ(result.bytes, 39u);
  EXPECT_EQ(Slurp(Path("data.csv")), "time,power_mw\n2024-01-01T00:00:00Z,1.5\n");
}

TEST_F(FaultsTest, AnUploadIsRetriedOnFiveHundredsWithItsWholeBody) {
  FaultServer server({.failures = 2});
  storage::StorageConfig config = FastRetries(5);
  config.endpoint = server.Url("");
  config.access_key = "AK";
  config.secret_key = "SK";
  const std::string file = MakeFile("up.bin", 3000);
  ObjectClient client(config);
  const auto result = client.Put(file, "s3://seed-test/up.bin");
  EXPECT_EQ(result.bytes, 3000u);
  EXPECT_EQ(server.requests(), 3);
  EXPECT_THAT(server.last_request(), ::testing::StartsWith("PUT /seed-test/up.bin HTTP/1.1\r\n"));
  EXPECT_THAT(server.last_request(), ::testing::HasSubstr("Content-Length: 3000\r\n"));
}

TEST_F(FaultsTest, PersistentFiveHundredsAreAServerFaultAfterTheBoundedAttempts) {
  FaultServer server({.failures = 100});
  ObjectClient client(FastRetries(3));
  try {
    client.Get(server.Url("/data.csv"), Path("data.csv"));
    FAIL() << "no error";
  } catch (const StorageError& error) {
    EXPECT_FALSE(error.bad_input());
    EXPECT_EQ(error.http_status(), 503);
    EXPECT_THAT(error.what(), ::testing::HasSubstr("HTTP 503 SlowDown"));
    EXPECT_THAT(error.what(), ::testing::HasSubstr("after 3 attempts"));
  }
  EXPECT_EQ(server.requests(), 3);
  EXPECT_FALSE(std::filesystem::exists(Path("data.csv")));
}

TEST_F(FaultsTest, TooManyRequestsIsRetriedButOtherClientErrorsAreNot) {
  FaultServer throttled({.failures = 1, .failure_status = 429});
  ObjectClient client(FastRetries(3));
  client.Get(throttled.Url("/a"), Path("a"));
  EXPECT_EQ(throttled.requests(), 2);

  FaultServer forbidden({.failures = 100, .failure_status = 403});
  try {
    client.Get(forbidden.Url("/b"), Path("b"));
    FAIL() << "no error";
  } catch (const StorageError& error) {
    EXPECT_TRUE(error.bad_input());
  }
  EXPECT_EQ(forbidden.requests(), 1);
}

TEST_F(FaultsTest, ATruncatedDownloadIsRetriedAndNeverAccepted) {
  FaultServer server({.truncate = true, .body = std::string(100000, 'x')});
  ObjectClient client(FastRetries(3));
  try {
    client.Get(server.Url("/model.json"), Path("out/model.json"));
    FAIL() << "no error";
  } catch (const StorageError& error) {
    EXPECT_FALSE(error.bad_input());
    EXPECT_THAT(error.what(), ::testing::HasSubstr("GET " + server.Url("/model.json")));
    EXPECT_THAT(error.what(), ::testing::HasSubstr("after 3 attempts"));
  }
  EXPECT_EQ(server.requests(), 3);
  EXPECT_TRUE(std::filesystem::is_empty(Path("out"))) << "no partial file may be left";
}

TEST_F(FaultsTest, TheTotalTimeBudgetBoundsTheRetries) {
  FaultServer server({.failures = 100});
  storage::StorageConfig config = FastRetries(1000);
  config.retry.base_delay = std::chrono::milliseconds(50);
  config.retry.max_delay = std::chrono::milliseconds(50);
  config.retry.total_budget = std::chrono::milliseconds(300);
  ObjectClient client(config);
  const auto start = std::chrono::steady_clock::now();
  EXPECT_THROW(client.Get(server.Url("/a"), Path("a")), StorageError);
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(5));
  EXPECT_LT(server.requests(), 1000);
  EXPECT_GE(server.requests(), 2);
}

TEST_F(FaultsTest, PlainUrlsFollowRedirectsButSignedRequestsDoNot) {
  FaultServer server({.body = "moved", .redirect_to = "/new/place.csv"});
  ObjectClient client(FastRetries(1));
  client.Get(server.Url("/old.csv"), Path("old.csv"));
  EXPECT_EQ(Slurp(Path("old.csv")), "moved");
  EXPECT_EQ(server.requests(), 2);

  storage::StorageConfig config = FastRetries(1);
  config.endpoint = server.Url("");
  config.access_key = "AK";
  config.secret_key = "SK";
  try {
    ObjectClient(config).Get("s3://seed-test/old.csv", Path("s3.csv"));
    FAIL() << "no error";
  } catch (const StorageError& error) {
    EXPECT_TRUE(error.bad_input());
    EXPECT_EQ(error.http_status(), 302);
    EXPECT_THAT(error.what(), ::testing::HasSubstr("AWS_REGION"));
  }
  EXPECT_FALSE(std::filesystem::exists(Path("s3.csv")));
}

// The S3 test server checks virtual-host signatures with the bucket in the path (its own V2 rule),
// so virtual-host requests are checked here: the bucket in the Host, the key alone in the path,
// signed for that host.
TEST_F(FaultsTest, VirtualHostAddressingPutsTheBucketInTheHost) {
  FaultServer server({.body = "abc"});
  storage::StorageConfig config = FastRetries(1);
  const std::string port = server.Url("").substr(std::string("http://127.0.0.1:").size());
  config.endpoint = "http://s3.localhost:" + port;
  config.virtual_host = true;
  config.access_key = "AKIDEXAMPLE";
  config.secret_key = "secret";
  config.session_token = "session-token-1";
  ObjectClient client(config);
  client.Get("s3://seed-test/dir/a b.csv", Path("a.csv"));
  const std::string request = server.last_request();
  EXPECT_THAT(request, ::testing::StartsWith("GET /dir/a%20b.csv HTTP/1.1\r\n"));
  EXPECT_THAT(request, ::testing::HasSubstr("Host: seed-test.s3.localhost:" + port + "\r\n"));
  EXPECT_THAT(request, ::testing::HasSubstr("Credential=AKIDEXAMPLE/"));
  EXPECT_THAT(request, ::testing::HasSubstr("/us-east-1/s3/aws4_request"));
  EXPECT_THAT(request,
              ::testing::HasSubstr(
                  "x-amz-content-sha256: e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"));
  // A temporary credential's token is sent and signed.
  EXPECT_THAT(request, ::testing::HasSubstr("\r\nx-amz-security-token: session-token-1"));
  EXPECT_THAT(request, ::testing::ContainsRegex("SignedHeaders=[a-z0-9;-]*x-amz-security-token"));
  EXPECT_EQ(Slurp(Path("a.csv")), "abc");
}

TEST_F(FaultsTest, ARefusedConnectionIsRetriedThenReported) {
  ObjectClient client(FastRetries(2));
  // Port 1 on loopback: nothing listens there.
  try {
    client.Get("http://127.0.0.1:1/a.csv", Path("a.csv"));
    FAIL() << "no error";
  } catch (const StorageError& error) {
    EXPECT_FALSE(error.bad_input());
    EXPECT_THAT(error.what(), ::testing::HasSubstr("after 2 attempts"));
    EXPECT_THAT(error.what(), ::testing::HasSubstr("reachable"));
  }
}

TEST_F(FaultsTest, AListingThatRepeatsItsContinuationTokenStopsWithAClearError) {
  // Every page says "truncated, continue from t1": a client that trusted it would page forever.
  FaultServer server({.body = "<?xml version=\"1.0\" encoding=\"UTF-8\"?><ListBucketResult>"
                              "<Name>seed-test</Name><IsTruncated>true</IsTruncated>"
                              "<NextContinuationToken>t1</NextContinuationToken>"
                              "<Contents><Key>a.csv</Key><Size>1</Size></Contents></ListBucketResult>"});
  storage::StorageConfig config = FastRetries(1);
  config.endpoint = server.Url("");
  config.access_key = "AK";
  config.secret_key = "SK";
  ObjectClient client(config);
  try {
    client.List("s3://seed-test/runs/");
    FAIL() << "no error";
  } catch (const StorageError& error) {
    EXPECT_FALSE(error.bad_input());
    EXPECT_THAT(error.what(), ::testing::HasSubstr("the same continuation token twice"));
    EXPECT_THAT(error.what(), ::testing::HasSubstr("s3://seed-test/runs/"));
  }
  EXPECT_EQ(server.requests(), 2);
}

}  // namespace
}  // namespace seed::storage_test
