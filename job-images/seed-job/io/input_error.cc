#include "io/input_error.h"

namespace seed::io {
namespace {

std::string Locate(const std::string& file, long line, long column, const std::string& message) {
  std::string where = file.empty() ? std::string("<input>") : file;
  if (line > 0) where.append(":").append(std::to_string(line));
  if (line > 0 && column > 0) where.append(":").append(std::to_string(column));
  return where.append(": ").append(message);
}

}  // namespace

InputError::InputError(std::string file, long line, long column, const std::string& message)
    : std::runtime_error(Locate(file, line, column, message)),
      file_(std::move(file)),
      line_(line),
      column_(column) {}

}  // namespace seed::io
