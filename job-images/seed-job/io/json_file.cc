#include "io/json_file.h"

#include <nettle/sha2.h>

#include <future>
#include <vector>

#include "io/atomic_file.h"
#include "io/input_error.h"

namespace seed::io {

nlohmann::json ParseJson(std::string_view text, const std::string& source) {
  try {
    return nlohmann::json::parse(text);
  } catch (const nlohmann::json::parse_error& e) {
    // e.byte is 1-based and points just past the offending character.
    const size_t at = e.byte == 0 ? 0 : std::min(e.byte - 1, text.size());
    long line = 1, column = 1;
    for (size_t i = 0; i < at; ++i) {
      if (text[i] == '\n') {
        ++line;
        column = 1;
      } else {
        ++column;
      }
    }
    std::string what = e.what();
    if (const size_t colon = what.rfind(": "); colon != std::string::npos) what = what.substr(colon + 2);
    throw InputError(source, line, column, "invalid JSON: " + what);
  }
}

nlohmann::json ReadJsonFile(const std::string& path) { return ParseJson(ReadFile(path), path); }

namespace {

// One past the end of the object or array that starts at text[begin], strings skipped; npos when
// it does not close. Only the brackets are matched: the parser checks the rest.
size_t ContainerEnd(std::string_view text, size_t begin) {
  int depth = 0;
  for (size_t i = begin; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '"') {
      for (++i; i < text.size() && text[i] != '"'; ++i) {
        if (text[i] == '\\') ++i;
      }
      if (i >= text.size()) return std::string_view::npos;
    } else if (c == '{' || c == '[') {
      ++depth;
    } else if (c == '}' || c == ']') {
      if (--depth == 0) return i + 1;
    }
  }
  return std::string_view::npos;
}

}  // namespace

std::optional<nlohmann::json> ParseJsonSplitAt(std::string_view text, std::string_view array_key) {
  // The key exactly once in the text, and no escapes (which could spell it differently): then the
  // empty array left in its place below is the only member of that name, and where it goes.
  const std::string key = "\"" + std::string(array_key) + "\"";
  const std::string member = key + ":[";
  const size_t at = text.find(key);
  if (at == std::string_view::npos || text.find(key, at + 1) != std::string_view::npos ||
      text.compare(at, member.size(), member) != 0 || text.find('\\') != std::string_view::npos) {
    return std::nullopt;
  }
  std::vector<std::string_view> elements;
  size_t i = at + member.size();
  while (i < text.size() && text[i] == '{') {
    const size_t end = ContainerEnd(text, i);
    if (end == std::string_view::npos) return std::nullopt;
    elements.push_back(text.substr(i, end - i));
    i = end;
    if (i + 1 < text.size() && text[i] == ',' && text[i + 1] == '{') ++i;
  }
  if (elements.empty() || i >= text.size() || text[i] != ']') return std::nullopt;
  std::string rest;
  rest.reserve(text.size() - (i - at));
  rest.append(text.substr(0, at + member.size())).append(text.substr(i));
  try {
    std::vector<std::future<nlohmann::json>> later;
    for (size_t e = 1; e < elements.size(); ++e) {
      later.push_back(std::async(std::launch::async, [element = elements[e]] { return nlohmann::json::parse(element); }));
    }
    nlohmann::json json = nlohmann::json::parse(rest);
    nlohmann::json first = nlohmann::json::parse(elements[0]);
    std::vector<nlohmann::json> parsed;
    for (auto& element : later) parsed.push_back(element.get());
    // Where the member sits: the one empty array under that key, depth first.
    nlohmann::json* slot = nullptr;
    std::vector<nlohmann::json*> pending{&json};
    while (!pending.empty() && slot == nullptr) {
      nlohmann::json* node = pending.back();
      pending.pop_back();
      if (node->is_object()) {
        for (auto it = node->begin(); it != node->end(); ++it) {
          if (it.key() == array_key && it->is_array() && it->empty()) slot = &*it;
          if (it->is_structured()) pending.push_back(&*it);
        }
      } else if (node->is_array()) {
        for (auto& element : *node) {
          if (element.is_structured()) pending.push_back(&element);
        }
      }
    }
    if (slot == nullptr) return std::nullopt;
    slot->push_back(std::move(first));
    for (auto& element : parsed) slot->push_back(std::move(element));
    return json;
  } catch (const nlohmann::json::exception&) {
    return std::nullopt;
  }
}

// Nettle rather than OpenSSL: libnettle needs only libc, and libcrypto alone took a noticeable part
// of seed-job's start-up. The digest is the same FIPS 180-4 SHA-256.
std::string Sha256Hex(std::string_view bytes) {
  sha256_ctx context;
  sha256_init(&context);
  sha256_update(&context, bytes.size(), reinterpret_cast<const uint8_t*>(bytes.data()));
  uint8_t digest[SHA256_DIGEST_SIZE];
  sha256_digest(&context, SHA256_DIGEST_SIZE, digest);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string hex;
  hex.reserve(2 * SHA256_DIGEST_SIZE);
  for (size_t i = 0; i < SHA256_DIGEST_SIZE; ++i) {
    hex += kHex[digest[i] >> 4];
    hex += kHex[digest[i] & 15];
  }
  return hex;
}

}  // namespace seed::io
