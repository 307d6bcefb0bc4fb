#pragma once

#include <string>

#include <nlohmann/json.hpp>

namespace kubeemu {

using json = nlohmann::json;

std::string NowRfc3339();       // 2026-01-02T03:04:05Z, as metadata timestamps are written
std::string NowRfc3339Micro();  // with microseconds, for MicroTime fields and the write log
std::string NewUid();           // a random RFC 4122 version 4 UUID
std::string RandomSuffix();     // 5 characters, as generateName appends

// Whether the objects are equal leaving out metadata, status, apiVersion and kind: an update that
// changes anything else bumps the generation.
bool SameSpec(const json& a, const json& b);

}  // namespace kubeemu
