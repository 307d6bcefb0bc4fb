// The CSV reader every seed-job command uses, with and without an NWP run column; a frame that
// reads must write and read back to the same shape. An InputError is an answer, not a bug.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "io/csv.h"
#include "io/input_error.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  for (const char* run_column : {"", "issue_time"}) {
    seed::io::CsvReadOptions options;
    options.run_column = run_column;
    try {
      auto frame = seed::io::ParseCsv(text, "fuzz.csv", options);
      auto again = seed::io::ParseCsv(seed::io::FormatCsv(frame), "fuzz-again.csv", options);
      if (again.Rows() != frame.Rows() || again.names != frame.names) __builtin_trap();
    } catch (const seed::io::InputError&) {
    }
  }
  return 0;
}
