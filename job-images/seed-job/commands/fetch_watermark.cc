#include "commands/fetch_watermark.h"

#include <algorithm>
#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <set>

#include "io/atomic_file.h"
#include "io/input_error.h"
#include "io/json_file.h"
#include "io/time.h"

namespace seed::commands::fetch {

std::optional<Watermark> ReadWatermark(const std::string& path) {
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) return std::nullopt;
  const nlohmann::json state = io::ReadJsonFile(path);
  const std::string fix = " (delete the file to start over from --from)";
  if (!state.is_object() || !state.contains("watermark") || !state["watermark"].is_string() ||
      !state.contains("output") || !state["output"].is_string()) {
    throw io::InputError(path,
                         "not a --since-last state file: expected {\"watermark\": \"<RFC 3339>\", "
                         "\"output\": \"<path>\"}" +
                             fix);
  }
  Watermark w;
  try {
    w.time = io::ParseRfc3339(state["watermark"].get<std::string>()).unix_seconds;
  } catch (const std::invalid_argument& e) {
    throw io::InputError(path, std::string("watermark: ") + e.what() + fix);
  }
  w.output = state["output"].get<std::string>();
  return w;
}

void WriteWatermark(const std::string& path, const Watermark& watermark, int64_t now) {
  const nlohmann::json state = {{"watermark", io::FormatRfc3339(watermark.time, 0, true)},
                                {"output", watermark.output},
                                {"updated", io::FormatRfc3339(now, 0, true)}};
  io::WriteFileAtomic(path, state.dump(2) + "\n");
}

io::Frame MergeByTime(const io::Frame& old, const io::Frame& fresh) {
  const std::set<std::string> a(old.names.begin(), old.names.end()),
      b(fresh.names.begin(), fresh.names.end());
  if (a != b) {
    auto list = [](const std::vector<std::string>& names) {
      std::string out;
      for (const auto& n : names) out += (out.empty() ? "" : ", ") + n;
      return out.empty() ? std::string("(none)") : out;
    };
    throw io::InputError(old.source,
                         "has the columns " + list(old.names) + ", the fetch returns " + list(fresh.names) +
                             ": --columns differs from the run that wrote it (write to a new --out and "
                             "state file, or delete both to start over)");
  }
  // (issue time, time) -> (frame, row); fresh rows are inserted last, so they win. Without runs
  // the issue time is 0 for every row.
  const bool runs = fresh.Has("issue_time");
  auto key = [&](const io::Frame& f, size_t r) {
    return std::pair<int64_t, int64_t>(runs ? static_cast<int64_t>(f.Column("issue_time")[r]) : 0, f.time[r]);
  };
  std::map<std::pair<int64_t, int64_t>, std::pair<const io::Frame*, size_t>> rows;
  for (size_t r = 0; r < old.Rows(); ++r) rows[key(old, r)] = {&old, r};
  for (size_t r = 0; r < fresh.Rows(); ++r) rows[key(fresh, r)] = {&fresh, r};
  std::vector<int64_t> times;
  times.reserve(rows.size());
  for (const auto& [k, where] : rows) times.push_back(k.second);
  io::Frame merged = io::MakeFrame(std::move(times), fresh.utc_offset_minutes);
  merged.source = fresh.source;
  for (const auto& name : fresh.names) {
    const auto& old_column = old.Column(name);
    const auto& fresh_column = fresh.Column(name);
    std::vector<double> values;
    values.reserve(rows.size());
    for (const auto& [k, where] : rows) {
      values.push_back(where.first == &old ? old_column[where.second] : fresh_column[where.second]);
    }
    merged.Set(name, std::move(values));
  }
  return merged;
}

}  // namespace seed::commands::fetch
