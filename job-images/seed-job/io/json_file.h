#pragma once
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

namespace seed::io {

// Parses JSON; a syntax error becomes an InputError with the line and column in `source`.
nlohmann::json ParseJson(std::string_view text, const std::string& source);
nlohmann::json ReadJsonFile(const std::string& path);

// The same JSON as nlohmann::json::parse(text), with the elements of the one array member named
// `array_key` (objects, written compactly) parsed on threads of their own. Empty when the text is
// not of that shape or does not parse: the caller then parses it whole, for the error message.
std::optional<nlohmann::json> ParseJsonSplitAt(std::string_view text, std::string_view array_key);

// Lowercase hex SHA-256 of the bytes.
std::string Sha256Hex(std::string_view bytes);

}  // namespace seed::io
