#pragma once
// Which model answers which topic: the stream's routing table, from a rules file (JSON) or from
// the single --input-topic/--model pair. Pure: files are read by the caller.
//
// Rules file:
//   {"models": {"wf01": {"path": "wf01/model.json", "version": "v2.1", "sha256": "<hex>"},
//               "pv03": {"path": "pv03.json"}},
//    "rules": [{"topic": "plant/wf01/+/features", "model": "wf01", "output_topic": "plant/wf01/forecast"},
//              {"topic": "plant/pv03/#", "model": "pv03", "error_topic": "plant/errors"}]}
// A model's path is relative to the rules file's directory; "version" and "sha256" are optional.
// A rule without output_topic publishes to the default output topic, and errors go to its
// error_topic, else to "<output topic>/errors". Filters must not overlap: a broker delivers a
// message once per matching subscription, so overlapping rules would predict it twice.
#include <cstddef>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

namespace seed::stream {

struct ModelSpec {
  std::string name;
  std::string path;  // as resolved (relative paths joined to the rules file's directory)
  std::string version;
  std::string sha256;
};

struct Rule {
  std::string filter;  // the MQTT topic filter subscribed to
  size_t model = 0;    // index into StreamRules::models
  std::string output_topic;
  std::string error_topic;
};

struct StreamRules {
  std::vector<ModelSpec> models;
  std::vector<Rule> rules;

  static constexpr size_t kNoRule = static_cast<size_t>(-1);
  // The rule whose filter matches `topic`, or kNoRule.
  size_t Route(std::string_view topic) const;
};

// The default topics of rules that name none.
struct RuleDefaults {
  std::string output_topic;  // may be empty when every rule names its own
  std::string error_topic;   // empty: "<output topic>/errors"
};

// Parses a rules document. `file` names it in errors; `base_dir` resolves relative model paths.
// Throws io::InputError naming the file and the JSON path of the problem.
StreamRules ParseRules(const nlohmann::json& document, const std::string& file, const std::string& base_dir,
                       const RuleDefaults& defaults);

// One rule: `input_topic` (a filter) -> the model at `model_path`. Throws io::UsageError.
StreamRules SingleRule(const std::string& input_topic, const ModelSpec& model, const RuleDefaults& defaults);

}  // namespace seed::stream
