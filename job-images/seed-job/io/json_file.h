#pragma once
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

namespace seed::io {

// Parses JSON; a syntax error becomes an InputError with the line and column in `source`.
nlohmann::json ParseJson(std::string_view text, const std::string& source);
nlohmann::json ReadJsonFile(const std::string& path);

// Lowercase hex SHA-256 of the bytes.
std::string Sha256Hex(std::string_view bytes);

}  // namespace seed::io
