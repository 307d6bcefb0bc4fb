#pragma once
// The storage room's implementation of io::RemoteFiles (io/remote_path.h): s3:// through the
// object-storage client configured from the environment (storage_config.h), http(s):// as plain
// GETs. The client is made on first use, so a program that touches no remote path never reads
// the storage settings.
namespace seed::storage {

// Installs it for the process (commands do this once; idempotent).
void InstallRemoteFiles();

}  // namespace seed::storage
