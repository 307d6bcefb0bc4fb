// io's remote seam with a recording stand-in for the storage room: reads download to a private
// temporary file that is gone afterwards, writes upload a complete file, and without an installed
// implementation a URL is a usage error naming it.
#include "io/remote_path.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "io/atomic_file.h"
#include "io/input_error.h"

namespace seed::io {
namespace {

class RecordingRemote : public RemoteFiles {
 public:
  void Download(const std::string& url, const std::string& local) override {
    downloaded_to = local;
    std::ofstream(local, std::ios::binary) << "from " << url;
    mode = std::filesystem::status(local).permissions();
  }
  void Upload(const std::string& local, const std::string& url) override {
    std::ifstream in(local, std::ios::binary);
    std::stringstream text;
    text << in.rdbuf();
    uploaded[url] = text.str();
  }
  std::string downloaded_to;
  std::filesystem::perms mode{};
  std::map<std::string, std::string> uploaded;
};

TEST(RemotePathTest, RecognisesUrls) {
  EXPECT_TRUE(IsRemotePath("s3://b/k"));
  EXPECT_TRUE(IsRemotePath("HTTPS://host/x"));
  EXPECT_TRUE(IsRemotePath("http://host/x"));
  EXPECT_FALSE(IsRemotePath("/data/s3://x"));
  EXPECT_FALSE(IsRemotePath("s3:/b/k"));
  EXPECT_FALSE(IsRemotePath("file.csv"));
}

TEST(RemotePathTest, ReadsThroughAPrivateTemporaryFileAndWritesWholeFiles) {
  auto remote = std::make_shared<RecordingRemote>();
  SetRemoteFiles(remote);
  EXPECT_EQ(ReadFile("s3://b/in.csv"), "from s3://b/in.csv");
  EXPECT_FALSE(remote->downloaded_to.empty());
  EXPECT_FALSE(std::filesystem::exists(remote->downloaded_to)) << "the temporary file is removed";
  EXPECT_EQ(remote->mode & (std::filesystem::perms::group_all | std::filesystem::perms::others_all),
            std::filesystem::perms::none);
  WriteFileAtomic("s3://b/out/model.json", "{\"a\": 1}\n");
  EXPECT_EQ(remote->uploaded["s3://b/out/model.json"], "{\"a\": 1}\n");
  SetRemoteFiles(nullptr);
}

TEST(RemotePathTest, WithoutAnImplementationAUrlIsAUsageError) {
  SetRemoteFiles(nullptr);
  try {
    ReadFile("s3://b/in.csv");
    FAIL();
  } catch (const UsageError& error) {
    EXPECT_THAT(error.what(), ::testing::HasSubstr("s3://b/in.csv"));
  }
  EXPECT_THROW(WriteFileAtomic("s3://b/out.csv", "x"), UsageError);
}

}  // namespace
}  // namespace seed::io
