#pragma once

#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "kube/clock.h"
#include "kube/config.h"
#include "kube/result.h"

namespace kube {

// What a request carries to authenticate, beyond the transport's fixed TLS settings.
struct Credentials {
  std::string bearer_token;
  std::string client_cert_pem;  // from an exec plugin
  std::string client_key_pem;
};

// Supplies credentials per request. Thread-safe. Never logs what it returns.
class CredentialSource {
 public:
  virtual ~CredentialSource() = default;
  virtual Result<Credentials> Get() = 0;
  // Called after a 401: the next Get() fetches fresh credentials.
  virtual void Invalidate() {}
};

// A bearer token file re-read about every minute (client-go's cached file token source), so a rotated
// service-account token is picked up; a failed re-read keeps the last good token.
class FileTokenSource : public CredentialSource {
 public:
  FileTokenSource(std::string path, Clock& clock, Clock::Duration period = std::chrono::minutes(1));
  Result<Credentials> Get() override;
  void Invalidate() override;

 private:
  std::string path_;
  Clock& clock_;
  Clock::Duration period_;
  std::mutex mu_;
  std::string token_;
  std::optional<Clock::TimePoint> read_at_;
};

// Runs a client.authentication.k8s.io exec plugin; caches its credential until expirationTimestamp.
class ExecCredentialSource : public CredentialSource {
 public:
  ExecCredentialSource(ExecConfig exec, std::string server, Clock& clock);
  Result<Credentials> Get() override;
  void Invalidate() override;

 private:
  Result<Credentials> Run();
  ExecConfig exec_;
  std::string server_;
  Clock& clock_;
  std::mutex mu_;
  std::optional<Credentials> cached_;
  std::optional<std::chrono::system_clock::time_point> expires_;
};

// Builds the source for a config: exec plugin, token file, static token, or none (nullptr).
std::shared_ptr<CredentialSource> MakeCredentialSource(const RestConfig& config, Clock& clock);

// Parses RFC 3339 UTC timestamps as the API server writes them ("2026-01-02T03:04:05Z", optional
// fraction). nullopt when malformed.
std::optional<std::chrono::system_clock::time_point> ParseRfc3339(const std::string& text);
std::string FormatRfc3339(std::chrono::system_clock::time_point t);
std::string FormatRfc3339Micro(std::chrono::system_clock::time_point t);

}  // namespace kube
