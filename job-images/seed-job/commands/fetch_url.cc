// seed-job fetch from a URL: one download through io::FetchUrlToFile, checked against --sha256
// and (unless --no-validate) parsed as a CSV in the documented schema before it replaces --out.
#include <cstdio>
#include <filesystem>

#include "commands/fetch.h"
#include "io/atomic_file.h"
#include "io/csv.h"
#include "io/input_error.h"
#include "io/results.h"
#include "io/url_download.h"
#include "io/url_redaction.h"

namespace seed::commands::fetch {

void RunUrl(const FetchFlags& f) {
  if (!f.since_last.empty()) throw io::UsageError("--since-last works with a SQL source, not with --url");
  if (!f.query.empty() || !f.query_file.empty() || !f.columns.empty() || !f.from.empty() || !f.to.empty() ||
      !f.params.empty() || !f.scales.empty()) {
    throw io::UsageError(
        "--query, --query-file, --columns, --scale, --param, --from and --to belong to a SQL source, "
        "not to --url");
  }
  io::UrlFetchOptions options;
  options.expected_sha256 = f.sha256;
  options.ca_file = f.ca_file;
  options.retries = f.retries;
  options.first_backoff_seconds = f.retry_backoff_seconds;
  size_t rows = 0;
  const std::string shown = io::RedactUrl(f.url);
  if (!f.no_validate) {
    options.validate = [&](const std::string& temp) {
      io::CsvReadOptions read;
      read.run_column = "issue_time";  // NWP archives carry runs; a file without the column is one sequence
      rows = io::ParseCsv(io::ReadFile(temp), shown, read).Rows();
    };
  }
  io::FetchUrlToFile(f.url, f.out_path, options);
  io::Results results;
  results.Set("out", f.out_path);
  if (!f.no_validate) results.Set("rows", rows);
  results.Flush();
  std::error_code ec;
  const auto bytes = std::filesystem::file_size(f.out_path, ec);
  std::printf("fetch: %s -> %s (%ju bytes%s)\n", shown.c_str(), f.out_path.c_str(),
              static_cast<uintmax_t>(bytes),
              f.no_validate ? "" : (", " + std::to_string(rows) + " rows").c_str());
}

}  // namespace seed::commands::fetch
