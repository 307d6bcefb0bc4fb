#pragma once
// Timestamps as SQL servers print them: "2024-01-01 00:15:00", "2024-01-01T00:15:00.250",
// "2024-01-01" (midnight), optionally followed by an offset "Z", "+08", "+08:00" or "+0800"
// (PostgreSQL's timestamptz prints "+08"). A time without an offset is taken at
// `local_offset_minutes`. Fractional seconds are truncated, as io/time does.
#include <cstdint>
#include <optional>
#include <string_view>

namespace seed::sql {

// Unix seconds, or nullopt when the text is no such timestamp.
std::optional<int64_t> ParseDbTime(std::string_view text, int local_offset_minutes);

}  // namespace seed::sql
