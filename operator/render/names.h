#pragma once
// Deterministic child names: the same owner always gives the same name, so a create that
// returns 409 AlreadyExists means "done before".
#include <cstdint>
#include <string>
#include <string_view>

namespace seed::render {

inline constexpr size_t kMaxNameLength = 63;

// 32-bit FNV-1a as 8 hex digits; stable across platforms and releases.
std::string ShortHash(std::string_view text);
// 64-bit FNV-1a as 16 hex digits (the seed.dev/spec-hash annotation).
std::string LongHash(std::string_view text);

// `<run>-<task>-<attempt>`; past 63 characters the run-task prefix is cut and a hash of the
// full run and task names keeps it unique: `<prefix>-<hash8>-<attempt>`.
std::string TaskPodName(const std::string& run, const std::string& task, int64_t attempt);
// The pod of one item of a fanned-out task (item >= 0; a negative item is TaskPodName's):
// `<run>-<task>-<hash8>-<item>-<attempt>`, the run-task prefix cut to fit 63 characters. The hash of
// run, task and "items" keeps it apart from plain task pods (a task "score-7" is not item 7 of
// "score"); a clash would need a task named after that very hash.
std::string TaskPodName(const std::string& run, const std::string& task, int64_t item, int64_t attempt);
// `<run>-workspace`.
std::string WorkspaceClaimName(const std::string& run);

}  // namespace seed::render
