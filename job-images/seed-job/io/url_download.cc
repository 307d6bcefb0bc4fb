#include "io/url_download.h"

#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <filesystem>
#include <system_error>

#include "io/input_error.h"
#include "io/remote_path.h"
#include "io/url_redaction.h"

namespace seed::io {
namespace {

// Removes the temporary file however the download ends.
struct PartialFile {
  std::string path;
  ~PartialFile() { ::unlink(path.c_str()); }
};

}  // namespace

void FetchUrlToFile(const std::string& url, const std::string& path, const UrlFetchOptions& options) {
  const std::string shown = RedactUrl(url);
  if (!IsRemotePath(url)) throw InputError(shown, "only s3://, http:// and https:// URLs can be fetched");
  std::string expected = options.expected_sha256;
  std::transform(expected.begin(), expected.end(), expected.begin(),
                 [](unsigned char c) { return std::tolower(c); });
  if (!expected.empty() &&
      (expected.size() != 64 || expected.find_first_not_of("0123456789abcdef") != std::string::npos)) {
    throw UsageError("--sha256 '" + options.expected_sha256 + "': expected 64 hex digits");
  }
  const std::filesystem::path target(path);
  if (target.has_parent_path()) std::filesystem::create_directories(target.parent_path());
  PartialFile temp{path + ".tmp." + std::to_string(::getpid())};
  DownloadOptions download;
  download.expected_sha256 = expected;
  download.ca_file = options.ca_file;
  download.attempts = options.retries + 1;
  download.first_backoff_seconds = std::max(options.first_backoff_seconds, 0.001);  // 0: no wait
  download.max_backoff_seconds = 30;
  download.connect_timeout_seconds = options.connect_timeout_seconds;
  download.stall_timeout_seconds = options.stall_timeout_seconds;
  download.on_retry = [&](const std::string& reason, double delay) {
    std::fprintf(stderr, "seed-job fetch: %s: %s; retrying in %.1f s\n", shown.c_str(), reason.c_str(),
                 delay);
  };
  RemoteFilesFor(url).Fetch(url, temp.path, download);
  if (options.validate) options.validate(temp.path);
  if (::rename(temp.path.c_str(), path.c_str()) != 0) {
    throw std::system_error(errno, std::generic_category(), "cannot rename " + temp.path + " to " + path);
  }
}

}  // namespace seed::io
