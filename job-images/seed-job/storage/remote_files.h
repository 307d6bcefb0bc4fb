#pragma once
// The storage room's implementation of io::RemoteFiles (io/remote_path.h): s3:// through the
// object-storage client configured from the environment (storage_config.h), http(s):// as plain
// GETs. The client is made on first use, so a program that touches no remote path never reads
// the storage settings.
namespace seed::storage {

#include <string>
#include <vector>

// Installs it for the process (commands do this once; idempotent).
void InstallRemoteFiles();

// The s3:// URLs of the objects directly under `prefix_url` (s3://bucket/dir/, ending in '/'; not
// those in deeper "folders"), sorted by key, with the same client and settings as the remote
// paths. Throws StorageError.
std::vector<std::string> ListRemoteDirectory(const std::string& prefix_url);

}  // namespace seed::storage
