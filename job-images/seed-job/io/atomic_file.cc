#include "io/atomic_file.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <system_error>

#include "io/input_error.h"
#include "io/remote_path.h"

namespace seed::io {
namespace {

std::string ReadLocalFile(const std::string& path, const std::string& name);

}  // namespace

void WriteFileAtomic(const std::string& path, std::string_view content) {
  if (IsRemotePath(path)) {
    // Complete locally first: the upload sees the whole file, and a failed write uploads nothing.
    const TempFile local("seed-upload");
    WriteFileAtomic(local.path(), content);
    RemoteFilesFor(path).Upload(local.path(), path);
    return;
  }
  const std::filesystem::path target(path);
  if (target.has_parent_path()) std::filesystem::create_directories(target.parent_path());
  const std::string temp = path + ".tmp." + std::to_string(::getpid());
  const int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) throw std::system_error(errno, std::generic_category(), "cannot create " + temp);
  size_t written = 0;
  while (written < content.size()) {
    const ssize_t n = ::write(fd, content.data() + written, content.size() - written);
    if (n < 0) {
      if (errno == EINTR) continue;
      const int err = errno;
      ::close(fd);
      ::unlink(temp.c_str());
      throw std::system_error(err, std::generic_category(), "cannot write " + temp);
    }
    written += static_cast<size_t>(n);
  }
  if (::fsync(fd) != 0 || ::close(fd) != 0) {
    const int err = errno;
    ::unlink(temp.c_str());
    throw std::system_error(err, std::generic_category(), "cannot flush " + temp);
  }
  if (::rename(temp.c_str(), path.c_str()) != 0) {
    const int err = errno;
    ::unlink(temp.c_str());
    throw std::system_error(err, std::generic_category(), "cannot rename " + temp + " to " + path);
  }
}

std::string ReadFile(const std::string& path) {
  if (IsRemotePath(path)) {
    const TempFile local("seed-download");
    RemoteFilesFor(path).Download(path, local.path());
    return ReadLocalFile(local.path(), path);
  }
  return ReadLocalFile(path, path);
}

namespace {

// `name` is what errors call the file (the URL it came from, for a download).
std::string ReadLocalFile(const std::string& path, const std::string& name) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw InputError(name, "cannot open file (does it exist and is it readable?)");
  // A regular file in one read into a string of its size (through an ostringstream, megabytes of
  // CSV were copied twice); then whatever follows, or all of a pipe's contents, in chunks.
  std::string text;
  std::error_code error;
  if (std::filesystem::is_regular_file(path, error)) {
    const auto size = std::filesystem::file_size(path, error);
    if (!error && size > 0) {
      text.resize(size);
      in.read(text.data(), static_cast<std::streamsize>(size));
      text.resize(static_cast<size_t>(in.gcount()));
    }
  }
  if (in) {
    char chunk[1 << 16];
    while (in.read(chunk, sizeof chunk) || in.gcount() > 0) text.append(chunk, static_cast<size_t>(in.gcount()));
  }
  return text;
}

}  // namespace
}  // namespace seed::io
