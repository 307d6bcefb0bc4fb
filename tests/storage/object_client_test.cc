// The object-storage client against the S3 test server: round trips (single PUT and multipart),
// LIST with continuation, HEAD, DELETE, refused credentials, missing bucket and key, checksums,
// and virtual-host addressing.
#include "storage/object_client.h"

#include <filesystem>

#include "storage/sha256_stream.h"
#include "storage/storage_error.h"
#include "storage_fixture.h"

namespace seed::storage_test {
namespace {

using storage::ObjectClient;
using storage::StorageError;

// Runs `f`, expecting a StorageError; returns it.
template <typename F>
StorageError Failure(F&& f) {
  try {
    f();
  } catch (const StorageError& error) {
    return error;
  }
  ADD_FAILURE() << "no StorageError thrown";
  return StorageError(StorageError::Kind::kServerFault, "none");
}

TEST_F(StorageTest, SmallObjectRoundTripsWithHeadAndChecksum) {
  ObjectClient client(Config());
  const std::string file = MakeFile("small.bin", 1000);
  const std::string sha = storage::Sha256Of(Slurp(file));
  const auto put = client.Put(file, "s3://seed-test/round/small.bin");
  EXPECT_EQ(put.bytes, 1000u);
  EXPECT_EQ(put.parts, 0);
  EXPECT_EQ(put.sha256, sha);
  EXPECT_EQ(client.Head("s3://seed-test/round/small.bin").size, 1000u);
  const auto got = client.Get("s3://seed-test/round/small.bin", Path("back/small.bin"), sha);
  EXPECT_EQ(got.bytes, 1000u);
  EXPECT_EQ(got.sha256, sha);
  EXPECT_EQ(Slurp(Path("back/small.bin")), Slurp(file));
}

TEST_F(StorageTest, MultipartUploadAboveThePartSizeRoundTrips) {
  storage::StorageConfig config = Config();
  config.part_size = PartSize();  // small parts on the test server; S3 itself wants >= 5 MiB
  ObjectClient client(config);
  const size_t size = 5 * PartSize() - 123;
  const std::string file = MakeFile("big.bin", size, 7);
  const int before = client.requests();
  const auto put = client.Put(file, "s3://seed-test/round/big.bin", storage::Sha256Of(Slurp(file)));
  EXPECT_EQ(put.parts, 5);
  EXPECT_EQ(client.requests() - before, 1 + 5 + 1);  // start, five parts, complete: no retries
  EXPECT_EQ(client.connections(), 1);                // all over one connection
  EXPECT_EQ(client.Head("s3://seed-test/round/big.bin").size, size);
  client.Get("s3://seed-test/round/big.bin", Path("big.back"));
  EXPECT_EQ(Slurp(Path("big.back")), Slurp(file));
}

TEST_F(StorageTest, KeysWithSpacesAndSymbolsAreSignedAndStoredAsNamed) {
  ObjectClient client(Config());
  const std::string file = MakeFile("odd.bin", 10);
  const std::string url = "s3://seed-test/odd dir/a+b=c,d(1)~é.csv";
  client.Put(file, url);
  client.Get(url, Path("odd.back"));
  EXPECT_EQ(Slurp(Path("odd.back")), Slurp(file));
  const auto listed = client.List("s3://seed-test/odd dir/");
  ASSERT_EQ(listed.size(), 1u);
  EXPECT_EQ(listed[0].key, "odd dir/a+b=c,d(1)~é.csv");
}

TEST_F(StorageTest, ListFollowsContinuationTokensWithinThePrefix) {
  ObjectClient client(Config());
  const std::string file = MakeFile("item", 3);
  for (int i = 0; i < 7; ++i) client.Put(file, "s3://seed-test/list/item-" + std::to_string(i));
  client.Put(file, "s3://seed-test/listing-elsewhere");
  const int before = client.requests();
  const auto objects = client.List("s3://seed-test/list/", 3);
  EXPECT_EQ(client.requests() - before, 3);  // pages of 3, 3 and 1
  ASSERT_EQ(objects.size(), 7u);
  for (int i = 0; i < 7; ++i) {
    EXPECT_EQ(objects[i].key, "list/item-" + std::to_string(i));
    EXPECT_EQ(objects[i].size, 3u);
  }
}

TEST_F(StorageTest, DeleteRemovesAndHeadThenReportsNoSuchKey) {
  ObjectClient client(Config());
  client.Put(MakeFile("gone", 5), "s3://seed-test/gone");
  client.Delete("s3://seed-test/gone");
  const StorageError error = Failure([&] { client.Head("s3://seed-test/gone"); });
  EXPECT_TRUE(error.bad_input());
  EXPECT_EQ(error.http_status(), 404);
  EXPECT_THAT(error.what(), ::testing::HasSubstr("HEAD s3://seed-test/gone: HTTP 404 NoSuchKey"));
  EXPECT_THAT(error.what(), ::testing::HasSubstr("no object at this key in bucket 'seed-test'"));
}

TEST_F(StorageTest, AWrongSecretKeyIsRefusedWithAClearMessageAndNothingIsWritten) {
  storage::StorageConfig wrong = Config();
  wrong.secret_key = "not-the-secret";
  ObjectClient refused(wrong);
  const StorageError error = Failure([&] { refused.Put(MakeFile("x", 10), "s3://seed-test/refused/x"); });
  EXPECT_TRUE(error.bad_input());
  EXPECT_EQ(error.http_status(), 403);
  EXPECT_EQ(error.s3_code(), "SignatureDoesNotMatch");
  EXPECT_THAT(error.what(), ::testing::HasSubstr("check the secret key"));
  EXPECT_THAT(error.what(), ::testing::Not(::testing::HasSubstr("not-the-secret")));
  EXPECT_EQ(refused.requests(), 1);  // a 4xx is never retried
  ObjectClient client(Config());
  EXPECT_EQ(Failure([&] { client.Head("s3://seed-test/refused/x"); }).http_status(), 404);

  storage::StorageConfig unknown = Config();
  unknown.access_key = "NOBODY";
  const StorageError who = Failure([&] { ObjectClient(unknown).Head("s3://seed-test/refused/x"); });
  EXPECT_EQ(who.http_status(), 403);
}

TEST_F(StorageTest, AMissingBucketOrKeyNamesItAndLeavesNoFile) {
  ObjectClient client(Config());
  const StorageError bucket = Failure([&] { client.Get("s3://no-such-bucket/a.csv", Path("a.csv")); });
  EXPECT_TRUE(bucket.bad_input());
  EXPECT_EQ(bucket.s3_code(), "NoSuchBucket");
  EXPECT_THAT(bucket.what(),
              ::testing::HasSubstr("bucket 'no-such-bucket' does not exist at endpoint " + Endpoint()));
  const StorageError key = Failure([&] { client.Get("s3://seed-test/missing.csv", Path("b.csv")); });
  EXPECT_TRUE(key.bad_input());
  EXPECT_EQ(key.s3_code(), "NoSuchKey");
  EXPECT_TRUE(std::filesystem::is_empty(dir_)) << "no partial or temporary file may be left";
}

TEST_F(StorageTest, AChecksumMismatchLeavesNothingAtTheDestination) {
  storage::StorageConfig config = Config();
  config.part_size = PartSize();
  ObjectClient client(config);
  const std::string file = MakeFile("c.bin", 3 * PartSize() + 10);
  client.Put(file, "s3://seed-test/sum/c.bin");
  const std::string wrong(64, '0');
  const StorageError down =
      Failure([&] { client.Get("s3://seed-test/sum/c.bin", Path("dest/c.bin"), wrong); });
  EXPECT_TRUE(down.bad_input());
  EXPECT_THAT(down.what(), ::testing::HasSubstr("SHA-256 mismatch"));
  EXPECT_TRUE(std::filesystem::is_empty(Path("dest")));
  // An upload whose file does not have the expected digest never appears under its key, and its
  // multipart upload is aborted: start, four parts, abort (no complete).
  const int before = client.requests();
  const StorageError up = Failure([&] { client.Put(file, "s3://seed-test/sum/d.bin", wrong); });
  EXPECT_THAT(up.what(), ::testing::HasSubstr("SHA-256 mismatch"));
  EXPECT_EQ(client.requests() - before, 1 + 4 + 1);
  EXPECT_EQ(Failure([&] { client.Head("s3://seed-test/sum/d.bin"); }).http_status(), 404);
}

TEST_F(StorageTest, BadUrlsAreBadInput) {
  ObjectClient client(Config());
  EXPECT_TRUE(Failure([&] { client.Get("s3://UPPER/a", Path("a")); }).bad_input());
  EXPECT_TRUE(Failure([&] { client.Get("ftp://host/a", Path("a")); }).bad_input());
  EXPECT_TRUE(Failure([&] { client.Put(MakeFile("f", 1), "s3://seed-test/"); }).bad_input());
  EXPECT_TRUE(Failure([&] { client.Put(MakeFile("g", 1), "https://example.invalid/a"); }).bad_input());
}

}  // namespace
}  // namespace seed::storage_test
