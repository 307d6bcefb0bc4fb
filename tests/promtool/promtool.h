#pragma once
// `promtool check metrics` on a Prometheus text exposition (test-only): the exposition format
// parses and the names follow Prometheus' conventions (counters end in _total, base units, HELP).
#include <string>

namespace seed::promtool {

struct CheckResult {
  bool ok = false;     // promtool ran and found nothing to complain about
  std::string output;  // what promtool printed (its findings), or why it could not run
};

// Runs /usr/bin/promtool check metrics with `text` on its standard input.
CheckResult CheckMetrics(const std::string& text);

}  // namespace seed::promtool
