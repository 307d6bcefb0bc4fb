// seed-job gaps: which forecast issues and 15-min points of a period are missing (to backfill).
#include "kernels/gaps.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "commands/commands.h"
#include "commands/flag_time.h"
#include "io/atomic_file.h"
#include "io/csv.h"
#include "io/input_error.h"
#include "io/remote_path.h"
#include "io/results.h"
#include "io/time.h"
#include "storage/remote_files.h"

namespace seed::commands {
namespace {

namespace fs = std::filesystem;

struct GapsFlags {
  std::vector<std::string> forecasts;
  std::string from, to, out_path;
  std::string kind = "short";
  std::string column = "forecast_mw";
};

// Times with a forecast value: the rows whose `column` is present (any value when the file has
// no such column).
std::vector<int64_t> CoveredPoints(const io::Frame& frame, const std::string& column) {
  std::vector<int64_t> points;
  const int index = frame.Find(column);
  for (size_t r = 0; r < frame.Rows(); ++r) {
    bool present = false;
    if (index >= 0) {
      present = !std::isnan(frame.columns[static_cast<size_t>(index)][r]);
    } else {
      for (const auto& c : frame.columns) present = present || !std::isnan(c[r]);
    }
    if (present) points.push_back(frame.time[r]);
  }
  return points;
}

std::vector<std::string> ListFiles(const std::vector<std::string>& paths) {
  std::vector<std::string> files;
  for (const auto& path : paths) {
    std::error_code ec;
    if (io::IsRemotePath(path)) {
      // An s3:// prefix ending in '/' is a directory of issues; any other URL is one file.
      if (path.back() != '/') {
        files.push_back(path);
        continue;
      }
      std::vector<std::string> inside = storage::ListRemoteDirectory(path);
      std::erase_if(inside, [](const std::string& url) { return !url.ends_with(".csv"); });
      files.insert(files.end(), inside.begin(), inside.end());
    } else if (fs::is_directory(path, ec)) {
      std::vector<std::string> inside;
      for (const auto& entry : fs::directory_iterator(path, ec)) {
        if (entry.is_regular_file() && entry.path().extension() == ".csv")
          inside.push_back(entry.path().string());
      }
      if (ec) throw io::InputError(path, "cannot list the directory: " + ec.message());
      std::sort(inside.begin(), inside.end());
      files.insert(files.end(), inside.begin(), inside.end());
    } else if (fs::is_regular_file(path, ec)) {
      files.push_back(path);
    } else {
      throw io::InputError(path, "no such file or directory");
    }
  }
  return files;
}

void Run(const GapsFlags& f) {
  const io::ParsedTime from = ParseFlagTime("--from", f.from);
  const io::ParsedTime to = ParseFlagTime("--to", f.to);
  if (to.unix_seconds <= from.unix_seconds) throw io::UsageError("--to must be later than --from");
  kernels::GapsOptions options;
  options.from = from.unix_seconds;
  options.to = to.unix_seconds;
  options.kind =
      f.kind == "ultra" ? kernels::ForecastKind::kUltraShortTerm : kernels::ForecastKind::kShortTerm;
  options.utc_offset_minutes = from.offset_minutes;

  // One regular file is an archive that should cover the whole period; otherwise one file per issue.
  const std::string& first = f.forecasts.front();
  const bool archive =
      f.forecasts.size() == 1 && (io::IsRemotePath(first) ? first.back() != '/' : fs::is_regular_file(first));
  const std::vector<std::string> files = ListFiles(f.forecasts);
  kernels::GapsResult result;
  try {
    if (archive) {
      const io::Frame frame = io::ReadCsv(files.front(), {.allow_no_rows = true});
      result = kernels::FindArchiveGaps(CoveredPoints(frame, f.column), options);
    } else {
      std::vector<kernels::ForecastIssue> issues;
      for (const auto& file : files) {
        const io::Frame frame = io::ReadCsv(file, {.allow_no_rows = true});
        kernels::ForecastIssue issue;
        issue.name = file;
        const auto from_name = kernels::ParseIssueTimeFromName(fs::path(file).stem().string());
        if (from_name) {
          issue.issue_time = *from_name;
        } else if (frame.Rows() > 0) {
          issue.issue_time =
              frame.time.front();  // not named by issue time: its first forecast time stands in
        } else {
          throw io::InputError(file, 2, 0,
                               "no rows and no issue time in the file name; name issue files like "
                               "2024-05-01T08:00:00+08:00.csv");
        }
        issue.points = CoveredPoints(frame, f.column);
        issues.push_back(std::move(issue));
      }
      result = kernels::FindForecastGaps(issues, options);
    }
  } catch (const std::invalid_argument& e) {
    throw io::UsageError(e.what());
  }

  const int offset = from.offset_minutes;
  nlohmann::json missing_issues = nlohmann::json::array();
  for (const int64_t t : result.missing_issues) missing_issues.push_back(io::FormatRfc3339(t, offset));
  nlohmann::json intervals = nlohmann::json::array();
  for (const auto& interval : result.missing_intervals) {
    intervals.push_back({{"from", io::FormatRfc3339(interval.from, offset)},
                         {"to", io::FormatRfc3339(interval.to, offset)},
                         {"points", interval.points}});
  }
  const nlohmann::json report = {{"kind", f.kind},
                                 {"mode", archive ? "archive" : "issues"},
                                 {"from", io::FormatRfc3339(options.from, offset)},
                                 {"to", io::FormatRfc3339(options.to, offset)},
                                 {"files", files.size()},
                                 {"expected_issues", result.expected_issues.size()},
                                 {"issues_found", result.issues_found},
                                 {"missing_issues", missing_issues},
                                 {"expected_points", result.expected_points},
                                 {"missing_points", result.missing_points},
                                 {"missing_intervals", intervals}};
  io::WriteFileAtomic(f.out_path, report.dump(2) + "\n");
  io::Results results;
  results.Set("missing_issues", result.missing_issues.size());
  results.Set("missing_points", result.missing_points);
  results.Set("gaps", f.out_path);
  results.Flush();
  std::printf("gaps: %zu of %zu issues missing, %ld of %ld points missing in %zu intervals\n",
              result.missing_issues.size(), result.expected_issues.size(), result.missing_points,
              result.expected_points, result.missing_intervals.size());
}

}  // namespace

void AddGaps(CLI::App& app) {
  auto flags = std::make_shared<GapsFlags>();
  CLI::App* cmd =
      app.add_subcommand("gaps", "Missing forecast issues and points in a period (what to backfill)");
  cmd->add_option(
         "--forecasts", flags->forecasts,
         "Issue files or directories of them (<issue time>.csv; an s3://bucket/prefix/ ending in '/' is a "
         "directory), or one archive CSV covering the period")
      ->required()
      ->expected(1, -1);
  cmd->add_option("--from", flags->from, "Period start, RFC 3339 (its offset sets local days and the output)")
      ->required();
  cmd->add_option("--to", flags->to, "Period end (exclusive), RFC 3339")->required();
  cmd->add_option("--kind", flags->kind, "short: one issue per day; ultra: one issue every 15 min")
      ->check(CLI::IsMember({"short", "ultra"}))
      ->capture_default_str();
  cmd->add_option("--column", flags->column, "Value column that marks a point as forecast")
      ->capture_default_str();
  cmd->add_option("--out", flags->out_path, "gaps.json to write")->required();
  cmd->callback([flags] { Run(*flags); });
}

}  // namespace seed::commands
