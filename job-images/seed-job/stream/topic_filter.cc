#include "stream/topic_filter.h"

#include <vector>

namespace seed::stream {
namespace {

std::vector<std::string_view> Levels(std::string_view text) {
  std::vector<std::string_view> levels;
  size_t start = 0;
  for (;;) {
    size_t slash = text.find('/', start);
    levels.push_back(
        text.substr(start, slash == std::string_view::npos ? std::string_view::npos : slash - start));
    if (slash == std::string_view::npos) return levels;
    start = slash + 1;
  }
}

}  // namespace

std::optional<std::string> FilterError(std::string_view filter) {
  const std::string quoted = "topic filter \"" + std::string(filter) + "\"";
  if (filter.empty()) return "a topic filter must not be empty";
  if (filter.find('\0') != std::string_view::npos) return quoted + " contains a NUL character";
  const auto levels = Levels(filter);
  for (size_t i = 0; i < levels.size(); ++i) {
    const std::string_view level = levels[i];
    if (level.find('#') != std::string_view::npos && (level != "#" || i + 1 != levels.size())) {
      return quoted + ": '#' must be a whole level and the last one, e.g. \"plant/wf01/#\"";
    }
    if (level.find('+') != std::string_view::npos && level != "+") {
      return quoted + ": '+' must be a whole level, e.g. \"plant/+/features\"";
    }
  }
  return std::nullopt;
}

std::optional<std::string> TopicNameError(std::string_view topic) {
  if (topic.empty()) return "a topic name must not be empty";
  if (topic.find_first_of(std::string_view("+#\0", 3)) != std::string_view::npos) {
    return "topic \"" + std::string(topic) +
           "\" contains a wildcard ('+' or '#') or NUL: publish topics must be names";
  }
  return std::nullopt;
}

bool TopicMatches(std::string_view filter, std::string_view topic) {
  if (!topic.empty() && topic[0] == '$' && !filter.empty() && (filter[0] == '+' || filter[0] == '#'))
    return false;
  const auto f = Levels(filter);
  const auto t = Levels(topic);
  size_t i = 0;
  for (; i < f.size(); ++i) {
    if (f[i] == "#") return true;  // also matches the parent level: "a/#" matches "a"
    if (i >= t.size()) return false;
    if (f[i] != "+" && f[i] != t[i]) return false;
  }
  return i == t.size();
}

bool FiltersOverlap(std::string_view a, std::string_view b) {
  const auto x = Levels(a);
  const auto y = Levels(b);
  for (size_t i = 0;; ++i) {
    const bool x_end = i >= x.size();
    const bool y_end = i >= y.size();
    if (!x_end && x[i] == "#") return true;
    if (!y_end && y[i] == "#") return true;
    if (x_end || y_end) return x_end && y_end;
    if (x[i] != "+" && y[i] != "+" && x[i] != y[i]) return false;
  }
}

}  // namespace seed::stream
