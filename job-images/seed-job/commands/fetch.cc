// seed-job fetch: measurements or NWP from a SQL database or a URL into the documented CSV schema.
#include "commands/fetch.h"

#include <memory>

#include "commands/commands.h"
#include "io/input_error.h"

namespace seed::commands {

void AddFetch(CLI::App& app) {
  auto f = std::make_shared<fetch::FetchFlags>();
  CLI::App* cmd = app.add_subcommand("fetch",
                                     "Fetch measurements or NWP from a SQL database (MySQL/MariaDB, "
                                     "PostgreSQL) or a URL into the CSV schema");
  cmd->add_option("--out", f->out_path, "CSV file to write (atomically; merged into with --since-last)")
      ->required();
  auto* sql = "SQL source";
  cmd->add_option(
         "--dsn-file", f->dsn_file,
         "File holding the connection string (a mounted Secret), e.g. mysql://user:pass@host:3306/db")
      ->group(sql);
  cmd->add_option("--dsn-env", f->dsn_env, "Environment variable holding the connection string")->group(sql);
  cmd->add_option(
         "--query", f->query,
         "SELECT with {{from}} and {{to}} placeholders, bound as parameters (never pasted into the SQL)")
      ->group(sql);
  cmd->add_option("--query-file", f->query_file, "File holding the query")->group(sql);
  cmd->add_option("--from", f->from, "Period start, RFC 3339 (with --since-last: only for the first run)")
      ->group(sql);
  cmd->add_option("--to", f->to, "Period end (exclusive), RFC 3339 (with --since-last: default now)")
      ->group(sql);
  cmd->add_option("--param", f->params,
                  "NAME=VALUE: a {{NAME}} placeholder, bound as a text parameter (repeatable)")
      ->group(sql);
  cmd->add_option(
         "--columns", f->columns,
         "CSV column = result column, e.g. time=ts,power_mw=active_power (default: the result's names)")
      ->group(sql);
  cmd->add_option("--scale", f->scales, "CSV column = factor applied to it, e.g. power_mw=0.001 (kW to MW)")
      ->group(sql);
  cmd->add_option(
         "--db-offset", f->db_offset,
         "UTC offset of times stored without one (DATETIME, timestamp, text) and of the session, e.g. +08:00")
      ->capture_default_str()
      ->group(sql);
  cmd->add_option("--output-offset", f->output_offset, "UTC offset the CSV's times are written in")
      ->capture_default_str()
      ->group(sql);
  cmd->add_option("--since-last", f->since_last,
                  "State file with the watermark (the last time fetched): fetch only newer rows and merge "
                  "them into --out")
      ->group(sql);
  cmd->add_option(
         "--overlap", f->overlap_minutes,
         "With --since-last: also re-fetch this many minutes before the watermark (late or corrected rows)")
      ->check(CLI::Range(0, 60 * 24 * 366))
      ->capture_default_str()
      ->group(sql);
  cmd->add_option("--query-timeout", f->query_timeout_seconds, "Seconds a query may run")
      ->check(CLI::Range(1, 86400))
      ->capture_default_str()
      ->group(sql);
  cmd->add_option("--decimals", f->decimals, "Digits after the decimal point in the CSV")
      ->check(CLI::Range(0, 12))
      ->capture_default_str()
      ->group(sql);
  auto* url = "URL source";
  cmd->add_option("--url", f->url, "https://, http:// or s3://bucket/key URL of a CSV file")->group(url);
  cmd->add_option("--sha256", f->sha256, "Expected SHA-256 of the download (hex); a mismatch writes nothing")
      ->group(url);
  cmd->add_option(
         "--ca-file", f->ca_file,
         "PEM CA bundle for https and the s3 endpoint (default: SEED_S3_CA_FILE or the system's CAs)")
      ->group(url);
  cmd->add_flag("--no-validate", f->no_validate,
                "Do not check that the download is a CSV in the documented schema")
      ->group(url);
  cmd->add_option(
         "--retries", f->retries,
         "Retries after a server fault (dropped connection, 5xx, 429, timeout), with exponential backoff")
      ->check(CLI::Range(0, 20))
      ->capture_default_str();
  cmd->add_option(
         "--retry-backoff", f->retry_backoff_seconds,
         "Seconds before the first retry (then doubling, at most 30; for --url each delay is drawn below it)")
      ->check(CLI::Range(0.0, 60.0))
      ->capture_default_str();
  cmd->callback([f] {
    const bool sql_source = !f->dsn_file.empty() || !f->dsn_env.empty();
    if (sql_source == !f->url.empty()) {
      throw io::UsageError(
          "fetch: give either a SQL source (--dsn-file or --dsn-env, with --query) or --url");
    }
    if (sql_source) {
      fetch::RunSql(*f);
    } else {
      fetch::RunUrl(*f);
    }
  });
}

}  // namespace seed::commands
