#pragma once
// `seed-job fetch`: its flags, shared by the SQL source (fetch_sql.cc) and the URL source
// (fetch_url.cc); fetch.cc declares them and picks the source.
#include <string>
#include <vector>

namespace seed::commands::fetch {

struct FetchFlags {
  std::string out_path;
  // SQL
  std::string dsn_file, dsn_env, query, query_file, from, to, db_offset = "Z", output_offset = "Z";
  std::vector<std::string> params;  // NAME=VALUE, bound as text
  std::string columns;
  std::vector<std::string> scales;
  std::string since_last;
  int overlap_minutes = 0;
  int query_timeout_seconds = 300;
  int decimals = 6;
  // URL
  std::string url, sha256, ca_file;
  bool no_validate = false;
  // both
  int retries = 3;
  double retry_backoff_seconds = 1.0;
};

void RunSql(const FetchFlags& flags);
void RunUrl(const FetchFlags& flags);

}  // namespace seed::commands::fetch
