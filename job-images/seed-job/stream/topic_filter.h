#pragma once
// MQTT topic names and filters (MQTT 3.1.1 section 4.7, MQTT 5 section 4.7): checking a filter,
// matching a topic against it, and whether two filters can match the same topic. Pure.
#include <optional>
#include <string>
#include <string_view>

namespace seed::stream {

// Why `filter` is not a valid subscription filter (empty, '#' not alone in the last level, '+'
// sharing a level with other characters, a NUL), or nullopt when it is valid.
std::optional<std::string> FilterError(std::string_view filter);

// Why `topic` cannot be published to (empty, or holds '+', '#' or NUL), or nullopt.
std::optional<std::string> TopicNameError(std::string_view topic);

// True when the topic name matches the (valid) filter. '+' matches one level, '#' the rest
// (including the parent level: "a/#" matches "a"). Topics starting with '$' are not matched by a
// filter starting with a wildcard, as brokers do.
bool TopicMatches(std::string_view filter, std::string_view topic);

// True when some topic name would match both (valid) filters.
bool FiltersOverlap(std::string_view a, std::string_view b);

}  // namespace seed::stream
