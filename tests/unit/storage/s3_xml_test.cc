#include "storage/s3_xml.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "storage/failure_message.h"
#include "storage/storage_error.h"

namespace seed::storage {
namespace {

TEST(S3XmlTest, ReadsErrorBodies) {
  const S3ErrorBody body = ParseErrorBody(
      "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>NoSuchBucket</Code><Message>The specified "
      "bucket does "
      "not exist &amp; more</Message><BucketName>x</BucketName></Error>");
  EXPECT_EQ(body.code, "NoSuchBucket");
  EXPECT_EQ(body.message, "The specified bucket does not exist & more");
  EXPECT_EQ(ParseErrorBody("<html>502 Bad Gateway").code, "");
  EXPECT_EQ(ParseErrorBody("").code, "");
}

TEST(S3XmlTest, ReadsListPagesWithNamespaces) {
  const ListPage page = ParseListPage(
      "<ListBucketResult xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\"><Name>b</Name><IsTruncated>true"
      "</IsTruncated><NextContinuationToken>tok/=</NextContinuationToken><Contents><Key>a&lt;1</Key><Size>12"
      "</Size><ETag>&quot;e1&quot;</ETag><LastModified>2024-01-01T00:00:00.000Z</LastModified></"
      "Contents><Contents>"
      "<Key>b</Key><Size>0</Size></Contents><CommonPrefixes><Prefix>d/</Prefix></CommonPrefixes></"
      "ListBucketResult>",
      "s3://b/");
  ASSERT_EQ(page.objects.size(), 2u);
  EXPECT_EQ(page.objects[0].key, "a<1");
  EXPECT_EQ(page.objects[0].size, 12u);
  EXPECT_EQ(page.objects[0].etag, "\"e1\"");
  EXPECT_EQ(page.objects[1].key, "b");
  EXPECT_TRUE(page.truncated);
  EXPECT_EQ(page.next_continuation_token, "tok/=");
  EXPECT_EQ(page.common_prefixes, std::vector<std::string>{"d/"});
  EXPECT_THROW(ParseListPage("<Error/>", "s3://b/"), StorageError);
  EXPECT_THROW(
      ParseListPage("<ListBucketResult><IsTruncated>true</IsTruncated></ListBucketResult>", "s3://b/"),
      StorageError);
}

TEST(S3XmlTest, ReadsUploadIdsAndWritesCompleteBodies) {
  EXPECT_EQ(ParseUploadId("<InitiateMultipartUploadResult><Bucket>b</Bucket><Key>k</Key><UploadId>u-1"
                          "</UploadId></InitiateMultipartUploadResult>",
                          "s3://b/k"),
            "u-1");
  EXPECT_THROW(ParseUploadId("<InitiateMultipartUploadResult/>", "s3://b/k"), StorageError);
  EXPECT_EQ(CompleteMultipartBody({"\"a\"", "\"b\""}),
            "<CompleteMultipartUpload xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\"><Part><PartNumber>1"
            "</PartNumber><ETag>&quot;a&quot;</ETag></Part><Part><PartNumber>2</"
            "PartNumber><ETag>&quot;b&quot;</ETag>"
            "</Part></CompleteMultipartUpload>");
}

TEST(FailureMessageTest, SaysWhatToCheckAndDecidesTheExitCode) {
  FailedRequest f;
  f.operation = "GET";
  f.url = "s3://plant/a.csv";
  f.endpoint = "http://minio:9000";
  f.bucket = "plant";
  f.access_key = "AK";
  f.status = 403;
  f.s3_code = "SignatureDoesNotMatch";
  StorageError error = DescribeFailure(f);
  EXPECT_TRUE(error.bad_input());
  EXPECT_THAT(error.what(), ::testing::StartsWith("GET s3://plant/a.csv: HTTP 403 SignatureDoesNotMatch: "));
  EXPECT_THAT(error.what(), ::testing::HasSubstr("check the secret key"));
  f.status = 404;
  f.s3_code = "NoSuchBucket";
  EXPECT_THAT(DescribeFailure(f).what(),
              ::testing::HasSubstr("bucket 'plant' does not exist at endpoint http://minio:9000"));
  f.status = 503;
  f.s3_code = "SlowDown";
  f.attempts = 5;
  f.seconds = 3.2;
  error = DescribeFailure(f);
  EXPECT_FALSE(error.bad_input());
  EXPECT_THAT(error.what(), ::testing::HasSubstr("after 5 attempts over 3.2 s"));
  FailedRequest net;
  net.operation = "GET";
  net.url = "https://user:pw@host/a";
  net.transport_error = "Could not resolve host: host";
  net.transport_bad_input = true;
  error = DescribeFailure(net);
  EXPECT_TRUE(error.bad_input());
  EXPECT_THAT(error.what(), ::testing::Not(::testing::HasSubstr("pw")));
  net.transport_bad_input = false;
  EXPECT_FALSE(DescribeFailure(net).bad_input());
}

}  // namespace
}  // namespace seed::storage
