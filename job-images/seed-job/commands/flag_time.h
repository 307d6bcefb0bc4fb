#pragma once
// A time given on the command line (--from, --to, --issue-time, ...): RFC 3339, or a usage error
// that names the flag and repeats the text.
#include <stdexcept>
#include <string>

#include "io/input_error.h"
#include "io/time.h"

namespace seed::commands {

inline io::ParsedTime ParseFlagTime(const std::string& flag, const std::string& text) {
  try {
    return io::ParseRfc3339(text);
  } catch (const std::invalid_argument& e) {
    throw io::UsageError(flag + " '" + text + "': " + e.what());
  }
}

}  // namespace seed::commands
