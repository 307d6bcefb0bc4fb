#pragma once
// Where a task attempt's log and results file are archived in a run's artifact repository (the
// operator writes them, `seed logs` reads them): <root>/<run>/<task>/[<item>/]<attempt>/, beside
// the task's artifacts (an item of a fanned-out task under its own directory, as its artifacts).
#include <cstdint>
#include <string>

namespace seed::render {

inline constexpr char kArchivedLogFile[] = "log.txt";
inline constexpr char kArchivedResultsFile[] = "results.json";
// On a task pod once its log is in the repository, so a restarted operator neither loses nor repeats it.
inline constexpr char kLogArchivedAnnotation[] = "seed.dev/log-archived";

// <root>/<run>/<task>/[<item>/]<attempt> (no trailing '/'); root is s3://<bucket>[/<prefix>].
std::string LogArchiveDir(const std::string& root, const std::string& run, const std::string& task,
                          int64_t item, int64_t attempt);

}  // namespace seed::render
