#include "storage/object_url.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "storage/storage_error.h"

namespace seed::storage {
namespace {

TEST(ObjectUrlTest, ParsesBucketAndKey) {
  const S3Location location = ParseS3Url("s3://plant-data/wf01/2024/power.csv");
  EXPECT_EQ(location.bucket, "plant-data");
  EXPECT_EQ(location.key, "wf01/2024/power.csv");
  EXPECT_EQ(ParseS3Url("s3://models").key, "");
}

TEST(ObjectUrlTest, RefusesWhatIsNotABucketWithTheRule) {
  for (const char* bad :
       {"s3://", "s3:///key", "s3://ab/key", "s3://Upper/key", "s3://-dash/key", "s3://a_b/key"}) {
    try {
      ParseS3Url(bad);
      ADD_FAILURE() << bad;
    } catch (const StorageError& error) {
      EXPECT_TRUE(error.bad_input()) << bad;
      EXPECT_THAT(error.what(), ::testing::StartsWith(std::string(bad) + ": ")) << bad;
    }
  }
  EXPECT_THROW(ParseS3Url("https://host/a"), StorageError);
  EXPECT_THROW(ParseS3Url("s3://bucket/a?versionId=1"), StorageError);
}

TEST(ObjectUrlTest, EncodesAsSigV4Wants) {
  EXPECT_EQ(UriEncode("a b+c/d~e_f.g-h", true), "a%20b%2Bc/d~e_f.g-h");
  EXPECT_EQ(UriEncode("a/b", false), "a%2Fb");
  EXPECT_EQ(UriEncode("\xC3\xA9", true), "%C3%A9");
}

TEST(ObjectUrlTest, BuildsPathStyleAndVirtualHostUrlsWithASortedQuery) {
  const Endpoint endpoint = ParseEndpoint("http://127.0.0.1:9000/");
  EXPECT_EQ(endpoint.authority, "127.0.0.1:9000");
  EXPECT_EQ(endpoint.base_path, "");
  const S3Location location{"b1", "dir/x y.csv"};
  EXPECT_EQ(RequestUrl(endpoint, false, location), "http://127.0.0.1:9000/b1/dir/x%20y.csv");
  EXPECT_EQ(RequestUrl(ParseEndpoint("https://s3.eu-west-1.amazonaws.com"), true, location),
            "https://b1.s3.eu-west-1.amazonaws.com/dir/x%20y.csv");
  EXPECT_EQ(RequestUrl(endpoint, false, {"b1", ""},
                       {{"prefix", "a b/"}, {"list-type", "2"}, {"continuation-token", "x=/+"}}),
            "http://127.0.0.1:9000/b1?continuation-token=x%3D%2F%2B&list-type=2&prefix=a%20b%2F");
  EXPECT_EQ(RequestUrl(endpoint, false, location, {{"uploads", ""}}),
            "http://127.0.0.1:9000/b1/dir/x%20y.csv?uploads=");
  EXPECT_EQ(RequestUrl(ParseEndpoint("https://gw.example.com/s3"), false, location),
            "https://gw.example.com/s3/b1/dir/x%20y.csv");
}

TEST(ObjectUrlTest, RefusesMalformedEndpoints) {
  for (const char* bad : {"127.0.0.1:9000", "ftp://host", "http://", "http://user:pw@host"})
    EXPECT_THROW(ParseEndpoint(bad), StorageError) << bad;
}

TEST(ObjectUrlTest, RedactsCredentials) {
  EXPECT_EQ(RedactUrl("https://user:secret@host:9000/b/k"), "https://host:9000/b/k");
  EXPECT_EQ(RedactUrl("https://host/b/k?X-Amz-Credential=AKIA%2F1&X-Amz-Signature=abc&partNumber=2"),
            "https://host/b/k?X-Amz-Credential=REDACTED&X-Amz-Signature=REDACTED&partNumber=2");
  EXPECT_EQ(RedactUrl("http://host/a?token=t&x=1&password=p"),
            "http://host/a?token=REDACTED&x=1&password=REDACTED");
  EXPECT_EQ(RedactUrl("s3://bucket/key@2024"), "s3://bucket/key@2024");
  EXPECT_EQ(RedactUrl("https://reader:hunter2@data.example.com/a.csv"), "https://data.example.com/a.csv");
  EXPECT_EQ(RedactUrl("https://data.example.com/a.csv?day=1&token=abc&X-Amz-Date=1&sig=ff#part=2"),
            "https://data.example.com/a.csv?day=1&token=REDACTED&X-Amz-Date=REDACTED&sig=REDACTED#part=2");
  // A secret in the fragment too (OAuth's implicit flow puts access_token there).
  EXPECT_EQ(RedactUrl("https://h/cb?state=1#access_token=abc&x=2"),
            "https://h/cb?state=1#access_token=REDACTED&x=2");
  EXPECT_EQ(RedactUrl("https://h/cb#a?token=t"), "https://h/cb#a?token=REDACTED");
  EXPECT_EQ(RedactUrl("https://user@host/p@q"), "https://host/p@q");
  EXPECT_EQ(RedactUrl("http://host/plain.csv"), "http://host/plain.csv");
}

// Found by fuzz_object_url (corpus regression-redact-trailing-ampersand): the empty pair after a
// trailing '&' was dropped, so redacting twice changed the URL again.
TEST(ObjectUrlTest, RedactionChangesNothingButTheSecrets) {
  EXPECT_EQ(RedactUrl("https://host/k?partNumber=2&"), "https://host/k?partNumber=2&");
  EXPECT_EQ(RedactUrl("https://host/k?token=t&&"), "https://host/k?token=REDACTED&&");
  EXPECT_EQ(RedactUrl("https://host/k?"), "https://host/k?");
  const std::string once = RedactUrl("https://u:p@host/k?x-amz-signature=s&a&");
  EXPECT_EQ(once, "https://host/k?x-amz-signature=REDACTED&a&");
  EXPECT_EQ(RedactUrl(once), once);
}

// Found by fuzz_object_url (corpus regression-redact-scheme-in-query): the first "://" anywhere was
// taken for the scheme's, so once its query value was redacted a later "://" became the authority
// and a second redaction changed the URL again. Only a URL that starts with "scheme://" has one.
TEST(ObjectUrlTest, OnlyAUrlStartingWithASchemeHasUserinfo) {
  const std::string once = RedactUrl("data/a?key=https://h/k&next=s3://user:pw@bucket/k");
  EXPECT_EQ(once, "data/a?key=REDACTED&next=s3://user:pw@bucket/k");
  EXPECT_EQ(RedactUrl(once), once);
  EXPECT_EQ(RedactUrl("s3+x.y-z://u:p@h/k"), "s3+x.y-z://h/k");
  EXPECT_EQ(RedactUrl("1s3://u:p@h/k"), "1s3://u:p@h/k");
}

// Found by fuzz_object_url (corpus regression-s3-userinfo-leak): the bucket rule's message quoted
// "user:password@bucket", so the password reached the error that redaction had kept it out of.
TEST(ObjectUrlTest, AnS3UrlWithAPasswordIsRefusedWithoutShowingIt) {
  try {
    ParseS3Url("s3://AKIAEXAMPLE:wJalrXUtnFEMIK7MDENG@plant-data/wf01/power.csv");
    ADD_FAILURE() << "accepted";
  } catch (const StorageError& error) {
    EXPECT_TRUE(error.bad_input());
    EXPECT_THAT(error.what(), ::testing::Not(::testing::HasSubstr("wJalrXUtnFEMIK7MDENG")));
    EXPECT_THAT(error.what(), ::testing::StartsWith("s3://plant-data/wf01/power.csv: s3:// URLs take no "
                                                    "user:password@"));
  }
}

}  // namespace
}  // namespace seed::storage
