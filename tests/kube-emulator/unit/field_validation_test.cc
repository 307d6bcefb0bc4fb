// Strict field validation (fieldValidation=Strict, kubectl's default) against a CRD's schema.
#include "kube-emulator/server/field_validation.h"

#include <gtest/gtest.h>

namespace kubeemu {
namespace {

const json kSchema = json::parse(R"({"type": "object", "properties": {
  "apiVersion": {"type": "string"}, "kind": {"type": "string"}, "metadata": {"type": "object"},
  "spec": {"type": "object", "properties": {
    "tasks": {"type": "array", "items": {"type": "object", "properties": {"name": {"type": "string"}}}},
    "labels": {"type": "object", "additionalProperties": {"type": "string"}},
    "affinity": {"type": "object", "x-kubernetes-preserve-unknown-fields": true}}},
  "status": {"type": "object", "x-kubernetes-preserve-unknown-fields": true}}})");

TEST(FieldValidationTest, NamesEveryUndeclaredFieldWithItsPath) {
  json object = json::parse(R"({"apiVersion": "seed.dev/v1alpha1", "kind": "Pipeline",
    "metadata": {"name": "p", "labels": {"a": "b"}},
    "spec": {"tasks": [{"name": "a"}, {"name": "b", "dependOn": ["a"]}], "labels": {"x": "y"},
             "affinity": {"nodeAffinity": {}}, "schedul": {}},
    "status": {"anything": 1}, "extra": true})");
  EXPECT_EQ(UnknownFields(kSchema, object),
            (std::vector<std::string>{"extra", "spec.schedul", "spec.tasks[1].dependOn"}));
  EXPECT_EQ(StrictDecodingMessage("Pipeline", "v1alpha1", {"spec.schedul", "spec.tasks[1].dependOn"}),
            "Pipeline in version \"v1alpha1\" cannot be handled as a Pipeline: strict decoding error: "
            "unknown field "
            "\"spec.schedul\", unknown field \"spec.tasks[1].dependOn\"");
}

TEST(FieldValidationTest, ADeclaredObjectIsClean) {
  json object =
      json::parse(R"({"apiVersion": "v", "kind": "K", "metadata": {}, "spec": {"tasks": [{"name": "a"}]}})");
  EXPECT_TRUE(UnknownFields(kSchema, object).empty());
}

}  // namespace
}  // namespace kubeemu
