// The webhook answers as `seed validate` does: every malformed example that reaches it (a Seed
// kind the API server knows, in YAML kubectl can read) is denied with seed validate's message.
#include "admission/review.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <map>

#include "local/manifest.h"
#include "malformed_examples.h"

namespace seed::admission {
namespace {

using nlohmann::json;
using ::testing::HasSubstr;

// A namespace's stored objects, as `kubectl apply -f FILE` leaves them: in document order.
struct FakeCluster {
  std::map<std::string, json> objects;  // "Kind/name"

  ClusterLookup Lookup() const {
    auto find = [this](const std::string& kind) {
      return [this, kind](const std::string&, const std::string& name) -> std::optional<json> {
        auto it = objects.find(kind + "/" + name);
        if (it == objects.end()) return std::nullopt;
        return it->second;
      };
    };
    return {find("JobTemplate"), find("Pipeline")};
  }
};

std::string ReviewOf(const json& object, const std::string& operation = "CREATE") {
  return json{
      {"apiVersion", "admission.k8s.io/v1"},
      {"kind", "AdmissionReview"},
      {"request",
       {{"uid", "705ab4f5-6393-11e8-b7cc-42010a800002"},
        {"kind", {{"group", "seed.dev"}, {"version", "v1alpha1"}, {"kind", object.value("kind", "")}}},
        {"namespace", "plants"},
        {"operation", operation},
        {"object", object}}}}
      .dump();
}

// Applies each document in order; returns the messages of the denied ones.
std::vector<std::string> Apply(const std::vector<local::Manifest>& manifests, FakeCluster* cluster) {
  std::vector<std::string> denied;
  for (const auto& manifest : manifests) {
    const json& object = manifest.document.value;
    auto answer = AnswerReview(ReviewOf(object), cluster->Lookup());
    EXPECT_EQ(answer.http_status, 200);
    if (!answer.allowed) {
      denied.push_back(answer.body["response"]["status"]["message"].get<std::string>());
      EXPECT_EQ(answer.body["response"]["status"]["code"], 422);
      continue;
    }
    cluster->objects[object.value("kind", "") + "/" + object["metadata"].value("name", "")] = object;
  }
  return denied;
}

TEST(AdmissionReview, DeniesEveryMalformedExampleWithSeedValidatesMessage) {
  int checked = 0;
  for (const auto& example : testing::MalformedExamples(SEED_MALFORMED_DIR)) {
    if (example.YamlLevel() || example.RefusedBeforeAdmission() || example.NeedsAMissingObject()) continue;
    FakeCluster cluster;
    std::string all;
    for (const auto& message : Apply(example.manifests, &cluster)) all += message + "\n";
    EXPECT_THAT(all, HasSubstr(example.ExpectedWithoutLocation())) << example.file;
    ++checked;
  }
  EXPECT_GE(checked, 55);
}

TEST(AdmissionReview, AllowsTheWindExampleInAnyOrder) {
  std::vector<local::LoadProblem> problems;
  auto manifests = local::LoadManifests({std::string(SEED_EXAMPLES_DIR) + "/wind"}, &problems);
  ASSERT_TRUE(problems.empty());
  ASSERT_GE(manifests.size(), 5u);
  // Pipelines first, templates last: the order `kubectl apply -f examples/wind/` may use.
  std::stable_sort(manifests.begin(), manifests.end(), [](const auto& a, const auto& b) {
    return (a.document.value.value("kind", "") == "JobTemplate") <
           (b.document.value.value("kind", "") == "JobTemplate");
  });
  FakeCluster cluster;
  EXPECT_THAT(Apply(manifests, &cluster), ::testing::IsEmpty());
}

TEST(AdmissionReview, AnswersWithTheRequestsUidAndVersion) {
  json pipeline = {{"apiVersion", "seed.dev/v1alpha1"},
                   {"kind", "Pipeline"},
                   {"metadata", {{"name", "p"}}},
                   {"spec", {{"tasks", json::array()}}}};
  auto answer = AnswerReview(ReviewOf(pipeline), {});
  EXPECT_EQ(answer.body["apiVersion"], "admission.k8s.io/v1");
  EXPECT_EQ(answer.body["kind"], "AdmissionReview");
  EXPECT_EQ(answer.body["response"]["uid"], "705ab4f5-6393-11e8-b7cc-42010a800002");
  EXPECT_FALSE(answer.allowed);
  EXPECT_EQ(answer.body["response"]["status"]["message"],
            "Pipeline/p: spec.tasks: must list at least one task");
  // Deleting a broken object is never refused.
  EXPECT_TRUE(AnswerReview(ReviewOf(pipeline, "DELETE"), {}).allowed);
}

TEST(AdmissionReview, ABodyThatIsNotAReviewIs400) {
  for (const std::string body : {"", "{", "[]", R"({"kind":"Pod"})", R"({"kind":"AdmissionReview"})",
                                 R"({"kind":"AdmissionReview","request":{"uid":7}})"}) {
    auto answer = AnswerReview(body, {});
    EXPECT_EQ(answer.http_status, 400) << body;
    EXPECT_FALSE(answer.allowed) << body;
  }
}

}  // namespace
}  // namespace seed::admission
