#include "stream/rules.h"

#include <filesystem>
#include <functional>

#include "io/input_error.h"
#include "stream/topic_filter.h"

namespace seed::stream {
namespace {

using nlohmann::json;

std::string OptionalString(const json& object, const char* key, const std::string& file,
                           const std::string& where) {
  auto it = object.find(key);
  if (it == object.end()) return "";
  if (!it->is_string()) throw io::InputError(file, where + "." + key + " must be a string");
  return it->get<std::string>();
}

// Fills the rule's topics from its own fields and the defaults, and checks them.
void CompleteTopics(Rule* rule, const RuleDefaults& defaults, const std::string& where,
                    const std::function<void(const std::string&)>& fail) {
  if (rule->output_topic.empty()) rule->output_topic = defaults.output_topic;
  if (rule->output_topic.empty()) {
    fail(where +
         " has no output_topic and there is no default: give --output-topic or the rule's output_topic");
  }
  if (rule->error_topic.empty()) rule->error_topic = defaults.error_topic;
  if (rule->error_topic.empty()) rule->error_topic = rule->output_topic + "/errors";
  for (const std::string* topic : {&rule->output_topic, &rule->error_topic}) {
    if (auto error = TopicNameError(*topic)) fail(where + ": " + *error);
  }
  if (auto error = FilterError(rule->filter)) fail(where + ": " + *error);
  if (TopicMatches(rule->filter, rule->output_topic) || TopicMatches(rule->filter, rule->error_topic)) {
    fail(where + ": its filter \"" + rule->filter +
         "\" matches its own output or error topic, so every result would " +
         "come back as input; publish results outside the subscribed tree");
  }
}

}  // namespace

size_t StreamRules::Route(std::string_view topic) const {
  for (size_t i = 0; i < rules.size(); ++i) {
    if (TopicMatches(rules[i].filter, topic)) return i;
  }
  return kNoRule;
}

StreamRules ParseRules(const json& document, const std::string& file, const std::string& base_dir,
                       const RuleDefaults& defaults) {
  auto fail = [&file](const std::string& message) { throw io::InputError(file, message); };
  if (!document.is_object()) fail("a rules file is a JSON object with \"models\" and \"rules\"");
  for (const auto& [key, value] : document.items()) {
    if (key != "models" && key != "rules")
      fail("unknown key \"" + key + "\"; a rules file has \"models\" and \"rules\"");
  }
  StreamRules result;
  auto models = document.find("models");
  if (models == document.end() || !models->is_object() || models->empty()) {
    fail("\"models\" must map at least one model name to {\"path\": ...}");
  }
  for (const auto& [name, spec] : models->items()) {
    const std::string where = "models." + name;
    if (!spec.is_object()) fail(where + " must be an object such as {\"path\": \"model.json\"}");
    for (const auto& [key, value] : spec.items()) {
      if (key != "path" && key != "version" && key != "sha256") {
        fail(where + ": unknown key \"" + key + "\" (path, version, sha256)");
      }
    }
    ModelSpec model{.name = name,
                    .path = OptionalString(spec, "path", file, where),
                    .version = OptionalString(spec, "version", file, where),
                    .sha256 = OptionalString(spec, "sha256", file, where)};
    if (model.path.empty()) fail(where + ".path is required: the model artifact, relative to the rules file");
    if (std::filesystem::path(model.path).is_relative()) {
      model.path = (std::filesystem::path(base_dir) / model.path).lexically_normal().string();
    }
    result.models.push_back(std::move(model));
  }
  auto rules = document.find("rules");
  if (rules == document.end() || !rules->is_array() || rules->empty()) {
    fail("\"rules\" must be a list of {\"topic\": FILTER, \"model\": NAME}");
  }
  for (size_t i = 0; i < rules->size(); ++i) {
    const json& entry = (*rules)[i];
    const std::string where = "rules[" + std::to_string(i) + "]";
    if (!entry.is_object()) fail(where + " must be an object {\"topic\": FILTER, \"model\": NAME}");
    for (const auto& [key, value] : entry.items()) {
      if (key != "topic" && key != "model" && key != "output_topic" && key != "error_topic") {
        fail(where + ": unknown key \"" + key + "\" (topic, model, output_topic, error_topic)");
      }
    }
    Rule rule;
    rule.filter = OptionalString(entry, "topic", file, where);
    if (rule.filter.empty())
      fail(where + ".topic is required: an MQTT topic filter such as \"plant/+/features\"");
    const std::string model = OptionalString(entry, "model", file, where);
    size_t index = 0;
    while (index < result.models.size() && result.models[index].name != model) ++index;
    if (index == result.models.size()) {
      std::string names;
      for (const auto& m : result.models) names += (names.empty() ? "" : ", ") + m.name;
      fail(where + ".model \"" + model + "\" is not in \"models\" (" + names + ")");
    }
    rule.model = index;
    rule.output_topic = OptionalString(entry, "output_topic", file, where);
    rule.error_topic = OptionalString(entry, "error_topic", file, where);
    CompleteTopics(&rule, defaults, where, fail);
    for (size_t j = 0; j < result.rules.size(); ++j) {
      if (FiltersOverlap(result.rules[j].filter, rule.filter)) {
        fail(where + ".topic \"" + rule.filter + "\" overlaps rules[" + std::to_string(j) + "].topic \"" +
             result.rules[j].filter +
             "\": the broker would deliver a message to both; make the filters disjoint");
      }
    }
    result.rules.push_back(std::move(rule));
  }
  return result;
}

StreamRules SingleRule(const std::string& input_topic, const ModelSpec& model, const RuleDefaults& defaults) {
  StreamRules result;
  result.models.push_back(model);
  Rule rule{.filter = input_topic, .model = 0};
  CompleteTopics(&rule, defaults, "--input-topic",
                 [](const std::string& message) { throw io::UsageError(message); });
  result.rules.push_back(std::move(rule));
  return result;
}

}  // namespace seed::stream
