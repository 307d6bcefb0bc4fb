// seed-job fetch from a SQL database: DSN from a file or env var, the query's placeholders bound
// as parameters, retries on server faults, the result mapped to the CSV schema, --since-last.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <thread>

#include "commands/fetch.h"
#include "commands/fetch_watermark.h"
#include "commands/flag_time.h"
#include "io/atomic_file.h"
#include "io/csv.h"
#include "io/input_error.h"
#include "io/results.h"
#include "io/time.h"
#include "sql/client.h"
#include "sql/dsn.h"
#include "sql/error.h"
#include "sql/query_template.h"
#include "sql/result_frame.h"

namespace seed::commands::fetch {
namespace {

sql::Dsn LoadDsn(const FetchFlags& f) {
  if (!f.dsn_file.empty() && !f.dsn_env.empty())
    throw io::UsageError("give --dsn-file or --dsn-env, not both");
  try {
    if (!f.dsn_file.empty()) return sql::ParseDsn(io::ReadFile(f.dsn_file), "--dsn-file " + f.dsn_file);
    const char* value = std::getenv(f.dsn_env.c_str());
    if (!value) {
      throw io::UsageError("--dsn-env " + f.dsn_env +
                           ": the environment variable is not set (in a pod: env with "
                           "valueFrom.secretKeyRef)");
    }
    return sql::ParseDsn(value, "--dsn-env " + f.dsn_env);
  } catch (const sql::Error& e) {
    throw io::UsageError(e.what());
  }
}

std::string LoadQuery(const FetchFlags& f) {
  if (f.query.empty() == f.query_file.empty())
    throw io::UsageError("give the query with --query or --query-file (one of them)");
  return f.query.empty() ? io::ReadFile(f.query_file) : f.query;
}

int ParseOffsetFlag(const std::string& flag, const std::string& text) {
  try {
    return io::ParseUtcOffset(text);
  } catch (const std::invalid_argument& e) {
    throw io::UsageError(flag + " '" + text + "': " + e.what());
  }
}

int64_t NowSeconds() {
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// Runs the query, retrying what a retry may cure; a fault still there after the retries is an
// io::RemoteError (exit 1), anything else a usage error (exit 2).
sql::ResultSet QueryWithRetries(const sql::Dsn& dsn, const sql::BoundQuery& query,
                                const std::map<std::string, sql::Parameter>& parameters,
                                const sql::Session& session, const FetchFlags& f) {
  double backoff = f.retry_backoff_seconds;
  for (int attempt = 0;; ++attempt) {
    try {
      return sql::RunQuery(dsn, query, parameters, session);
    } catch (const sql::Error& e) {
      if (!e.transient()) throw io::UsageError(e.what());
      if (attempt >= f.retries) {
        throw io::RemoteError(std::string(e.what()) + " (failed " + std::to_string(attempt + 1) +
                              " times; nothing was written)");
      }
      std::fprintf(stderr, "seed-job fetch: %s; retrying in %.1f s (retry %d of %d)\n", e.what(), backoff,
                   attempt + 1, f.retries);
      std::this_thread::sleep_for(std::chrono::duration<double>(backoff));
      backoff = std::min(backoff * 2, 30.0);
    }
  }
}

// The period [from, to) a run fetches: --from/--to, or from the watermark (less --overlap) once
// --since-last has one. nullopt when --to is not past the watermark: nothing can be newer yet.
struct Period {
  int64_t from = 0, to = 0;
};

std::optional<Period> ResolvePeriod(const FetchFlags& f, const std::optional<Watermark>& watermark) {
  int64_t from = 0;
  if (watermark) {
    from = watermark->time - int64_t{f.overlap_minutes} * 60;
  } else if (!f.from.empty()) {
    from = ParseFlagTime("--from", f.from).unix_seconds;
  } else {
    throw io::UsageError(f.since_last.empty() ? "--from is required"
                                              : "--from is required for the first run with --since-last (" +
                                                    f.since_last + " does not exist yet)");
  }
  int64_t to = 0;
  if (!f.to.empty()) {
    to = ParseFlagTime("--to", f.to).unix_seconds;
  } else if (!f.since_last.empty()) {
    to = NowSeconds();
  } else {
    throw io::UsageError("--to is required (without --since-last)");
  }
  if (to <= from && watermark) return std::nullopt;
  if (to <= from) {
    throw io::UsageError("the period is empty: --to " + io::FormatRfc3339(to, 0, true) +
                         " is not after --from " + io::FormatRfc3339(from, 0, true));
  }
  return Period{from, to};
}

// The state of earlier runs, checked against --out.
std::optional<Watermark> LoadWatermark(const FetchFlags& f) {
  if (f.since_last.empty()) return std::nullopt;
  std::optional<Watermark> watermark = ReadWatermark(f.since_last);
  if (watermark && std::filesystem::path(watermark->output).lexically_normal() !=
                       std::filesystem::path(f.out_path).lexically_normal()) {
    throw io::UsageError("--since-last " + f.since_last + " is the state of " + watermark->output +
                         ", not of --out " + f.out_path + " (one state file per output)");
  }
  std::error_code missing;
  if (watermark && !std::filesystem::exists(f.out_path, missing)) {
    // Fetching from the watermark would write only the newest rows: a silent gap.
    throw io::UsageError("--since-last " + f.since_last + " has a watermark for " + f.out_path +
                         ", which does not exist (delete the state file to start over from --from)");
  }
  return watermark;
}

// The query with its placeholders bound: {{from}}, {{to}} (both required) and each --param.
struct Bound {
  sql::BoundQuery query;
  std::map<std::string, sql::Parameter> parameters;
};

Bound BindQuery(const FetchFlags& f, const sql::Dsn& dsn, const Period& period) {
  const std::string query_text = LoadQuery(f);
  std::map<std::string, sql::Parameter> parameters;
  parameters["from"] = {true, period.from, ""};
  parameters["to"] = {true, period.to, ""};
  std::vector<std::string> known = {"from", "to"};
  for (const auto& item : f.params) {
    const size_t eq = item.find('=');
    const std::string name = item.substr(0, eq);
    if (eq == std::string::npos || name.empty() ||
        name.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_") !=
            std::string::npos) {
      throw io::UsageError("--param '" + item + "': expected NAME=VALUE with NAME of letters, digits and _");
    }
    if (parameters.count(name))
      throw io::UsageError("--param " + name + ": given twice, or a reserved name (from, to)");
    parameters[name] = {false, 0, item.substr(eq + 1)};
    known.push_back(name);
  }
  const std::string query_source = f.query_file.empty() ? std::string("--query") : f.query_file;
  sql::BoundQuery query;
  try {
    query = sql::BindPlaceholders(query_text, dsn.engine, known, query_source);
  } catch (const sql::Error& e) {
    throw io::UsageError(e.what());
  }
  for (const char* needed : {"from", "to"}) {
    if (std::find(query.parameters.begin(), query.parameters.end(), needed) == query.parameters.end()) {
      throw io::UsageError(
          query_source + ": the query does not use {{" + needed +
          "}}; write e.g. WHERE ts >= {{from}} AND ts < {{to}} so a run fetches only its period");
    }
  }
  return {std::move(query), std::move(parameters)};
}

}  // namespace

void RunSql(const FetchFlags& f) {
  if (!f.sha256.empty() || !f.ca_file.empty() || f.no_validate) {
    throw io::UsageError(
        "--sha256, --ca-file and --no-validate belong to --url (TLS to a database: the DSN's options)");
  }
  const sql::Dsn dsn = LoadDsn(f);
  const int db_offset = ParseOffsetFlag("--db-offset", f.db_offset);
  const int output_offset = ParseOffsetFlag("--output-offset", f.output_offset);
  const sql::ColumnMap columns = sql::ParseColumnMap(f.columns, f.scales);
  const std::optional<Watermark> watermark = LoadWatermark(f);
  const std::optional<Period> period = ResolvePeriod(f, watermark);
  if (!period) {
    std::printf("fetch: nothing to fetch: the period ends before the watermark %s; %s unchanged\n",
                io::FormatRfc3339(watermark->time, 0, true).c_str(), f.out_path.c_str());
    io::Results results;
    results.Set("rows", 0);
    results.Set("watermark", io::FormatRfc3339(watermark->time, 0, true));
    results.Set("out", f.out_path);
    results.Flush();
    return;
  }
  const int64_t from = period->from, to = period->to;
  const auto [query, parameters] = BindQuery(f, dsn, *period);

  const sql::Session session{db_offset, 10, f.query_timeout_seconds};
  const sql::ResultSet result = QueryWithRetries(dsn, query, parameters, session, f);
  const std::string source = "query result from " + sql::Describe(dsn);
  io::Frame fresh = sql::ResultToFrame(result, columns, db_offset, output_offset, source);

  // Merge into the output of earlier runs (only when the state says they wrote it).
  io::Frame out = fresh;
  std::error_code ec;
  if (watermark && std::filesystem::exists(f.out_path, ec)) {
    io::CsvReadOptions read;
    read.allow_no_rows = true;
    read.run_column = "issue_time";
    out = MergeByTime(io::ReadCsv(f.out_path, read), fresh);
  }
  io::WriteFileAtomic(f.out_path, io::FormatCsv(out, f.decimals, "issue_time"));
  // The watermark: the latest time fetched, or with NWP runs the latest issue time.
  int64_t new_watermark = watermark ? watermark->time : 0;
  const bool have_watermark = watermark || fresh.Rows() > 0;
  if (fresh.Rows() > 0) {
    const bool runs = fresh.Has("issue_time");
    const auto& marks = runs ? fresh.Column("issue_time") : std::vector<double>();
    const int64_t latest = runs ? static_cast<int64_t>(*std::max_element(marks.begin(), marks.end()))
                                : *std::max_element(fresh.time.begin(), fresh.time.end());
    new_watermark = std::max(new_watermark, latest);
  }
  // The state moves only after the output is in place: a run that fails before this line leaves
  // the watermark where it was, so the next run fetches the same rows again.
  if (!f.since_last.empty() && have_watermark)
    WriteWatermark(f.since_last, {new_watermark, f.out_path}, NowSeconds());

  io::Results results;
  results.Set("rows", fresh.Rows());
  results.Set("rows_total", out.Rows());
  results.Set("from", io::FormatRfc3339(from, 0, true));
  results.Set("to", io::FormatRfc3339(to, 0, true));
  if (have_watermark) results.Set("watermark", io::FormatRfc3339(new_watermark, 0, true));
  results.Set("out", f.out_path);
  results.Flush();
  std::printf("fetch: %zu rows from %s for [%s, %s); %s has %zu rows\n", fresh.Rows(),
              sql::Describe(dsn).c_str(), io::FormatRfc3339(from, 0, true).c_str(),
              io::FormatRfc3339(to, 0, true).c_str(), f.out_path.c_str(), out.Rows());
}

}  // namespace seed::commands::fetch
