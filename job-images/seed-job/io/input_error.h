#pragma once
// Errors that mean "the user's input is wrong" (exit code 2). Anything else that escapes a
// subcommand is an internal error (exit code 1).
#include <stdexcept>
#include <string>

namespace seed::io {

// A problem in an input file, located as precisely as we know: file, 1-based line and column
// (0 when unknown). what() reads "file:line:column: message".
class InputError : public std::runtime_error {
 public:
  InputError(std::string file, long line, long column, const std::string& message);
  InputError(std::string file, const std::string& message) : InputError(std::move(file), 0, 0, message) {}

  const std::string& file() const { return file_; }
  long line() const { return line_; }
  long column() const { return column_; }

 private:
  std::string file_;
  long line_;
  long column_;
};

// A remote service (database, HTTP server) that kept failing after the retries (exit code 1,
// not 2: the input may be fine and a later run may succeed). The message says what was tried.
class RemoteError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// A problem with the command line itself (a flag value out of range, flags that conflict).
class UsageError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

}  // namespace seed::io
