#pragma once
// The incremental state of `seed-job fetch --since-last STATE`: a small JSON file
//   {"watermark": "2024-01-31T23:45:00Z", "output": "power.csv", "updated": "2024-02-01T00:00:07Z"}
// where `watermark` is the latest `time` written to `output` (the latest `issue_time` when the
// output holds NWP runs). And the merge of newly fetched rows into the existing output (pure).
#include <cstdint>
#include <optional>
#include <string>

#include "io/csv.h"

namespace seed::commands::fetch {

struct Watermark {
  int64_t time = 0;
  std::string output;
};

// nullopt when the file does not exist (a first run). Throws io::InputError for a file that
// exists but is no such state (what is wrong, and that deleting it starts over).
std::optional<Watermark> ReadWatermark(const std::string& path);
// Writes atomically.
void WriteWatermark(const std::string& path, const Watermark& watermark, int64_t now);

// `old` with the rows of `fresh` added; a fresh row replaces an old row at the same time (the
// same issue_time and time, when the frames hold NWP runs). Both
// must have the same columns (in any order; the result has fresh's order and offset), else an
// io::InputError naming both lists.
io::Frame MergeByTime(const io::Frame& old, const io::Frame& fresh);

}  // namespace seed::commands::fetch
