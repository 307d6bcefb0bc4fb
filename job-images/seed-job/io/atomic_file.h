#pragma once
// Whole-file writes that a reader (or a crash) never sees half done. Both functions also take a
// remote path (s3://, http(s):// for reading): see io/remote_path.h.
#include <string>
#include <string_view>

namespace seed::io {

// Writes to a temporary file beside `path`, flushes it to disk and renames it over `path`.
// Creates missing parent directories. Throws std::system_error naming the path on failure.
void WriteFileAtomic(const std::string& path, std::string_view content);

// Reads a whole file; throws InputError when it cannot be opened.
std::string ReadFile(const std::string& path);

}  // namespace seed::io
