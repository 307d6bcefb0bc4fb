#pragma once
// Remote paths (s3://bucket/key, http://, https://) wherever seed-job takes a file path.
// io/ knows only this interface: the storage room implements it and the commands install it, so
// io/ and kernels/ never depend on the object-storage client. ReadFile and WriteFileAtomic
// (io/atomic_file.h) consult it, so every CSV, JSON and model path accepts a URL:
//   - an input URL is downloaded, complete and verified, into a private temporary file (mode 0600)
//     that is read like a local file and removed afterwards;
//   - an output URL is written to a private temporary file first and uploaded once that file is
//     complete; the object exists under its final key only after the upload has completed.
#include <functional>
#include <memory>
#include <string>
#include <string_view>

namespace seed::io {

// True for s3://, http:// and https:// (scheme compared case-insensitively).
bool IsRemotePath(std::string_view path);

// Per-call settings of a download for `seed-job fetch` (io/url_download.h), which names its own
// CA bundle, checksum and retry budget and reports each retry. Zero values keep the configured ones.
struct DownloadOptions {
  std::string expected_sha256;       // lowercase hex; empty: not checked
  std::string ca_file;               // PEM bundle; empty: the configured one or the system's
  int attempts = 0;                  // the first try included
  double first_backoff_seconds = 0;  // the ceiling of the first delay, doubling per retry
  double max_backoff_seconds = 0;
  long connect_timeout_seconds = 0;
  long stall_timeout_seconds = 0;  // abort a transfer that moves no byte for this long
  // Told before each retry what failed ("HTTP 503", a network error) and the delay.
  std::function<void(const std::string& reason, double delay_seconds)> on_retry;
};

class RemoteFiles {
 public:
  virtual ~RemoteFiles() = default;
  // Writes the object at `url` into the local file `local` only when it is complete and verified;
  // on failure `local` is left as it was. Throws (the implementation's error types) on failure.
  virtual void Download(const std::string& url, const std::string& local) = 0;
  // Download with per-call settings (the SHA-256 is checked before `local` is written). The
  // default refuses: an implementation that cannot honour the settings must not ignore them.
  virtual void Fetch(const std::string& url, const std::string& local, const DownloadOptions& options);
  // Uploads the complete local file to `url` (s3:// only); throws on failure, leaving no object
  // under the final key when the upload did not complete.
  virtual void Upload(const std::string& local, const std::string& url) = 0;
};

// Installs the implementation (process-wide; the commands do it once at start). Null uninstalls.
void SetRemoteFiles(std::shared_ptr<RemoteFiles> remote);
// The installed implementation; throws UsageError naming `url` when there is none.
RemoteFiles& RemoteFilesFor(const std::string& url);

// A private temporary file (mkstemp under $TMPDIR or /tmp, mode 0600), removed by the destructor.
class TempFile {
 public:
  explicit TempFile(std::string_view hint = "seed");
  ~TempFile();
  TempFile(const TempFile&) = delete;
  TempFile& operator=(const TempFile&) = delete;
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

}  // namespace seed::io
