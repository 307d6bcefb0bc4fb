// Which validating webhooks a write is sent to, and the review it carries: the rules as the API
// server matches them (operations, groups, versions, resources with `*` and subresources), the
// failurePolicy and timeout defaults, and a service reference the emulator cannot call.
#include "kube-emulator/server/admission_webhooks.h"

#include <gtest/gtest.h>

namespace kubeemu {
namespace {

ResourceType Pipelines() {
  ResourceType type;
  type.group = "seed.dev";
  type.version = "v1alpha1";
  type.plural = "pipelines";
  type.kind = "Pipeline";
  return type;
}

json Configuration(const json& rule, const json& extra = json::object()) {
  json webhook = {{"name", "validate.seed.dev"},
                  {"clientConfig", {{"url", "https://127.0.0.1:9443/validate"}, {"caBundle", "Zm9v"}}},
                  {"rules", json::array({rule})}};
  webhook.update(extra);
  return {{"webhooks", json::array({webhook})}};
}

json Rule(json resources, json operations = {"CREATE", "UPDATE"}) {
  return {{"apiGroups", {"seed.dev"}},
          {"apiVersions", {"*"}},
          {"operations", operations},
          {"resources", resources}};
}

size_t Matches(const json& configuration, const std::string& operation, const std::string& subresource = "") {
  return MatchingWebhooks({&configuration}, operation, Pipelines(), subresource).size();
}

TEST(AdmissionWebhooksTest, RulesMatchAsTheApiServerMatchesThem) {
  EXPECT_EQ(Matches(Configuration(Rule({"pipelines"})), "CREATE"), 1u);
  EXPECT_EQ(Matches(Configuration(Rule({"pipelines"})), "UPDATE"), 1u);
  EXPECT_EQ(Matches(Configuration(Rule({"pipelines"}, {"CREATE"})), "UPDATE"), 0u);
  EXPECT_EQ(Matches(Configuration(Rule({"jobtemplates"})), "CREATE"), 0u);
  // Status writes are not sent unless the rule names the subresource.
  EXPECT_EQ(Matches(Configuration(Rule({"pipelines"})), "UPDATE", "status"), 0u);
  EXPECT_EQ(Matches(Configuration(Rule({"*"})), "UPDATE", "status"), 0u);
  EXPECT_EQ(Matches(Configuration(Rule({"pipelines/status"})), "UPDATE", "status"), 1u);
  EXPECT_EQ(Matches(Configuration(Rule({"pipelines/*"})), "UPDATE", "status"), 1u);
  EXPECT_EQ(Matches(Configuration(Rule({"*/*"})), "UPDATE", "status"), 1u);
  EXPECT_EQ(Matches(Configuration(Rule({"*"})), "CREATE"), 1u);
  json other_group = Rule({"pipelines"});
  other_group["apiGroups"] = {"apps"};
  EXPECT_EQ(Matches(Configuration(other_group), "CREATE"), 0u);
}

TEST(AdmissionWebhooksTest, DefaultsAndTheClientConfig) {
  const json plain = Configuration(Rule({"pipelines"}));
  auto calls = MatchingWebhooks({&plain}, "CREATE", Pipelines(), "");
  ASSERT_EQ(calls.size(), 1u);
  EXPECT_TRUE(calls[0].fail_closed);  // failurePolicy defaults to Fail
  EXPECT_EQ(calls[0].timeout_seconds, 10);
  EXPECT_EQ(calls[0].ca_bundle, "foo");  // decoded
  const json tuned =
      Configuration(Rule({"pipelines"}), {{"failurePolicy", "Ignore"}, {"timeoutSeconds", 99}});
  calls = MatchingWebhooks({&tuned}, "CREATE", Pipelines(), "");
  EXPECT_FALSE(calls[0].fail_closed);
  EXPECT_EQ(calls[0].timeout_seconds, 30);  // the API server's maximum
}

TEST(AdmissionWebhooksTest, AServiceReferenceFailsAndTheFailurePolicyDecides) {
  WebhookCall call;
  call.name = "validate.seed.dev";  // no url: a clientConfig.service
  const json review = MakeAdmissionReview("u1", "CREATE", Pipelines(), "", "plants", "p", json::object(),
                                          nullptr, "alice", false);
  EXPECT_EQ(review["request"]["namespace"], "plants");
  EXPECT_EQ(review["request"]["operation"], "CREATE");
  auto refused = CallWebhook(call, review);
  ASSERT_TRUE(refused.has_value());
  EXPECT_EQ(refused->code(), 500);
  EXPECT_NE(std::string(refused->what()).find("failed calling webhook \"validate.seed.dev\""),
            std::string::npos);
  call.fail_closed = false;
  EXPECT_FALSE(CallWebhook(call, review).has_value());
}

}  // namespace
}  // namespace kubeemu
