#include "stream/broker_config.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "io/input_error.h"

namespace seed::stream {
namespace {

TEST(BrokerConfig, UrlsGiveHostPortAndTls) {
  BrokerAddress plain = ParseBrokerUrl("mqtt://broker.local");
  EXPECT_EQ(plain.host, "broker.local");
  EXPECT_EQ(plain.port, 1883);
  EXPECT_FALSE(plain.tls);
  BrokerAddress tls = ParseBrokerUrl("mqtts://10.0.0.5:18883/");
  EXPECT_EQ(tls.host, "10.0.0.5");
  EXPECT_EQ(tls.port, 18883);
  EXPECT_TRUE(tls.tls);
  EXPECT_EQ(ParseBrokerUrl("mqtts://[::1]").port, 8883);
  EXPECT_EQ(ParseBrokerUrl("mqtt://[::1]:1884").host, "::1");
  for (const char* bad :
       {"tcp://x:1883", "mqtt://", "mqtt://x:", "mqtt://x:99999", "mqtt://u:p@x", "mqtt://x/topic"}) {
    EXPECT_THROW(ParseBrokerUrl(bad), io::UsageError) << bad;
  }
}

TEST(BrokerConfig, CredentialsComeFromASecretShapedDirectory) {
  const auto dir = std::filesystem::temp_directory_path() / ("seed-creds-" + std::to_string(getpid()));
  std::filesystem::create_directories(dir);
  std::ofstream(dir / "username") << "seed\n";
  std::ofstream(dir / "password") << "pa ss\n";
  Credentials c = ReadCredentials(dir.string());
  EXPECT_EQ(c.username, "seed");
  EXPECT_EQ(c.password, "pa ss");
  EXPECT_EQ(c.ca_file, "");
  std::ofstream(dir / "ca.crt") << "pem";
  EXPECT_EQ(ReadCredentials(dir.string()).ca_file, (dir / "ca.crt").string());
  std::filesystem::remove(dir / "username");
  EXPECT_THROW(ReadCredentials(dir.string()), io::UsageError);  // a password without a user
  EXPECT_THROW(ReadCredentials((dir / "nope").string()), io::UsageError);
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace seed::stream
