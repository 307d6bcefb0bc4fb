#include "io/remote_path.h"

#include <stdlib.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <mutex>
#include <system_error>

#include "io/input_error.h"

namespace seed::io {
namespace {

std::mutex remote_mutex;
std::shared_ptr<RemoteFiles> remote_files;

bool StartsWithNoCase(std::string_view text, std::string_view prefix) {
  if (text.size() < prefix.size()) return false;
  for (size_t i = 0; i < prefix.size(); ++i) {
    char c = text[i];
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    if (c != prefix[i]) return false;
  }
  return true;
}

}  // namespace

bool IsRemotePath(std::string_view path) {
  return StartsWithNoCase(path, "s3://") || StartsWithNoCase(path, "http://") ||
         StartsWithNoCase(path, "https://");
}

void RemoteFiles::Fetch(const std::string& url, const std::string&, const DownloadOptions&) {
  throw UsageError(url + ": downloads with a checksum, a CA file or retry settings are not available here");
}

void SetRemoteFiles(std::shared_ptr<RemoteFiles> remote) {
  const std::lock_guard lock(remote_mutex);
  remote_files = std::move(remote);
}

RemoteFiles& RemoteFilesFor(const std::string& url) {
  const std::lock_guard lock(remote_mutex);
  if (!remote_files)
    throw UsageError(url + ": remote paths (s3://, http://, https://) are not available in this program");
  return *remote_files;
}

TempFile::TempFile(std::string_view hint) {
  const char* dir = std::getenv("TMPDIR");
  std::string pattern = std::string(dir && *dir ? dir : "/tmp") + "/" + std::string(hint) + ".XXXXXX";
  const int fd = ::mkstemp(pattern.data());  // creates it with mode 0600
  if (fd < 0) throw std::system_error(errno, std::generic_category(), "cannot create a file like " + pattern);
  ::close(fd);
  path_ = std::move(pattern);
}

TempFile::~TempFile() { ::unlink(path_.c_str()); }

}  // namespace seed::io
