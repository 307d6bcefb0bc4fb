#include "controllers/inference_service_discovery.h"

#include <gtest/gtest.h>

#include "controllers/inference_service_reconciler.h"

namespace seed::controllers {
namespace {

TEST(GatewayApiDiscoveryTest, AsksOncePerRefreshInterval) {
  kube::FakeClock clock;
  int probes = 0;
  bool served = false;
  GatewayApiDiscovery discovery(
      [&]() -> kube::Result<bool> {
        ++probes;
        return served;
      },
      clock, std::chrono::seconds(30));
  EXPECT_FALSE(discovery.Available());
  served = true;
  clock.Advance(std::chrono::seconds(29));
  EXPECT_FALSE(discovery.Available());  // cached
  EXPECT_EQ(probes, 1);
  clock.Advance(std::chrono::seconds(1));
  EXPECT_TRUE(discovery.Available());  // the Gateway API CRDs were installed meanwhile
  EXPECT_EQ(probes, 2);
  served = false;
  discovery.Invalidate();
  EXPECT_FALSE(discovery.Available());
  EXPECT_EQ(probes, 3);
}

TEST(GatewayApiDiscoveryTest, AnErrorKeepsTheLastAnswer) {
  kube::FakeClock clock;
  bool fail = false;
  GatewayApiDiscovery discovery(
      [&]() -> kube::Result<bool> {
        if (fail) return kube::MakeError(kube::ErrorCode::kTransport, "connection refused");
        return true;
      },
      clock, std::chrono::seconds(30));
  EXPECT_TRUE(discovery.Available());
  fail = true;
  clock.Advance(std::chrono::seconds(31));
  EXPECT_TRUE(discovery.Available());
}

TEST(ParseGatewayParentRefsTest, NameNamespaceAndSection) {
  auto refs = ParseGatewayParentRefs({"gw", "gateway-system/seed-gateway", "infra/edge/https"});
  ASSERT_TRUE(refs.ok()) << refs.error().message;
  EXPECT_EQ(*refs, nlohmann::json::parse(R"([{"name": "gw"},
      {"namespace": "gateway-system", "name": "seed-gateway"},
      {"namespace": "infra", "name": "edge", "sectionName": "https"}])"));
  EXPECT_EQ(*ParseGatewayParentRefs({}), nlohmann::json::array());
}

TEST(ParseGatewayParentRefsTest, EmptyPartsAreErrorsNamingTheValue) {
  for (const char* bad : {"", "ns/", "/gw", "a/b/c/d"}) {
    auto refs = ParseGatewayParentRefs({bad});
    ASSERT_FALSE(refs.ok()) << bad;
    EXPECT_NE(refs.error().message.find(std::string("\"") + bad + "\""), std::string::npos)
        << refs.error().message;
  }
}

}  // namespace
}  // namespace seed::controllers
