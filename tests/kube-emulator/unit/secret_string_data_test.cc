// A Secret's stringData as the real API server treats it: a write-only convenience folded into data
// (base64) on create, update and patch, stringData winning a key both name, and never stored or
// returned; a value that is not a string is refused with 422.
#include <gtest/gtest.h>

#include "kube-emulator/server/emulator.h"

namespace kubeemu {
namespace {

class SecretStringDataTest : public ::testing::Test {
 protected:
  ApiResponse Call(const std::string& method, const std::string& path, const json& body = nullptr) {
    ApiRequest request;
    request.method = method;
    request.path = path;
    request.user = "admin";
    request.groups = {"system:masters"};
    if (!body.is_null()) {
      request.body = body.dump();
      request.content_type = method == "PATCH" ? "application/merge-patch+json" : "application/json";
    }
    return emulator_.Handle(request);
  }
  static constexpr char kSecrets[] = "/api/v1/namespaces/default/secrets";
  Emulator emulator_{EmulatorConfig{}};
};

TEST_F(SecretStringDataTest, StringDataIsFoldedIntoDataAndNeverStored) {
  ApiResponse created = Call("POST", kSecrets,
                             {{"apiVersion", "v1"},
                              {"kind", "Secret"},
                              {"metadata", {{"name", "keys"}}},
                              {"data", {{"accessKey", "b2xk"}, {"region", "ZXU="}}},
                              {"stringData", {{"accessKey", "S3RVER"}, {"secretKey", "p@ss word"}}}});
  ASSERT_EQ(created.code, 201) << created.Body();
  const json stored = Call("GET", std::string(kSecrets) + "/keys").Body();
  EXPECT_FALSE(stored.contains("stringData")) << stored;
  EXPECT_EQ(stored["data"],
            (json{{"accessKey", "UzNSVkVS"}, {"region", "ZXU="}, {"secretKey", "cEBzcyB3b3Jk"}}));

  ApiResponse patched =
      Call("PATCH", std::string(kSecrets) + "/keys", {{"stringData", {{"region", "us-east-1"}}}});
  ASSERT_EQ(patched.code, 200) << patched.Body();
  EXPECT_FALSE(patched.Body().contains("stringData"));
  EXPECT_EQ(patched.Body()["data"]["region"], "dXMtZWFzdC0x");
  EXPECT_EQ(patched.Body()["data"]["accessKey"], "UzNSVkVS");
}

TEST_F(SecretStringDataTest, ANonStringValueIsRefused) {
  ApiResponse refused = Call("POST", kSecrets,
                             {{"apiVersion", "v1"},
                              {"kind", "Secret"},
                              {"metadata", {{"name", "bad"}}},
                              {"stringData", {{"port", 9000}}}});
  EXPECT_EQ(refused.code, 422) << refused.Body();
  EXPECT_NE(refused.Body().value("message", "").find("stringData[port]"), std::string::npos)
      << refused.Body();
}

}  // namespace
}  // namespace kubeemu
