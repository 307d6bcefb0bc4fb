#include "storage/storage_config.h"

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "storage/object_url.h"
#include "storage/storage_error.h"

namespace seed::storage {
namespace {

StorageError BadSetting(const std::string& what, const std::string& why) {
  return StorageError(StorageError::Kind::kBadInput, "object storage settings: " + what + ": " + why);
}

std::optional<std::string> ReadValueFile(const std::filesystem::path& path) {
  std::error_code error;
  if (!std::filesystem::exists(path, error)) return std::nullopt;
  std::ifstream in(path, std::ios::binary);
  if (!in) throw BadSetting(path.string(), "cannot be read (check the Secret's mount and file permissions)");
  std::stringstream text;
  text << in.rdbuf();
  std::string value = text.str();
  while (!value.empty() && (value.back() == '\n' || value.back() == '\r')) value.pop_back();
  return value;
}

// A whole number in [minimum, maximum]; the maximum keeps later arithmetic (a shift to bytes, a
// conversion to milliseconds, an int) from overflowing.
long long ParseBounded(const std::string& name, const std::string& value, long long minimum,
                       long long maximum) {
  size_t used = 0;
  long long number = 0;
  try {
    number = std::stoll(value, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  if (used != value.size() || value.empty() || number < minimum || number > maximum)
    throw BadSetting(name, "'" + value + "' is not a whole number from " + std::to_string(minimum) + " to " +
                               std::to_string(maximum));
  return number;
}

bool ParseBool(const std::string& name, const std::string& value) {
  if (value == "true" || value == "1") return true;
  if (value == "false" || value == "0" || value.empty()) return false;
  throw BadSetting(name, "'" + value + "' is neither true nor false");
}

}  // namespace

void ReadCredentialsDir(const std::string& dir, StorageConfig& config) {
  std::error_code error;
  if (!std::filesystem::is_directory(dir, error))
    throw BadSetting("SEED_S3_CREDENTIALS_DIR", "'" + dir + "' is not a directory (mount the Secret there)");
  const std::filesystem::path base(dir);
  const auto access = ReadValueFile(base / "accessKey");
  const auto secret = ReadValueFile(base / "secretKey");
  if (!access || !secret)
    throw BadSetting(dir,
                     "needs the files accessKey and secretKey (the Secret's keys; see the seed-job README)");
  config.access_key = *access;
  config.secret_key = *secret;
  if (auto token = ReadValueFile(base / "sessionToken")) config.session_token = *token;
  if (auto region = ReadValueFile(base / "region"); region && !region->empty()) config.region = *region;
  if (auto endpoint = ReadValueFile(base / "endpoint"); endpoint && !endpoint->empty())
    config.endpoint = *endpoint;
}

StorageConfig ConfigFromEnvironment(
    const std::function<std::optional<std::string>(const std::string&)>& getenv) {
  auto get = [&](const std::string& name) -> std::string {
    auto value = getenv(name);
    return value ? *value : std::string();
  };
  StorageConfig config;
  config.access_key = get("AWS_ACCESS_KEY_ID");
  config.secret_key = get("AWS_SECRET_ACCESS_KEY");
  config.session_token = get("AWS_SESSION_TOKEN");
  if (auto region = get("AWS_REGION"); !region.empty()) {
    config.region = region;
  } else if (auto fallback = get("AWS_DEFAULT_REGION"); !fallback.empty()) {
    config.region = fallback;
  }
  config.endpoint = get("SEED_S3_ENDPOINT");
  if (config.endpoint.empty()) config.endpoint = get("AWS_ENDPOINT_URL");
  if (auto dir = get("SEED_S3_CREDENTIALS_DIR"); !dir.empty()) ReadCredentialsDir(dir, config);
  if (config.access_key.empty() != config.secret_key.empty()) {
    const bool has_access = !config.access_key.empty();
    throw BadSetting(has_access ? "AWS_ACCESS_KEY_ID" : "AWS_SECRET_ACCESS_KEY",
                     std::string("is set but ") +
                         (has_access ? "AWS_SECRET_ACCESS_KEY" : "AWS_ACCESS_KEY_ID") +
                         " is not (set both, or mount both accessKey and secretKey)");
  }
  const bool custom_endpoint = !config.endpoint.empty();
  if (!custom_endpoint) config.endpoint = "https://s3." + config.region + ".amazonaws.com";
  ParseEndpoint(config.endpoint);  // throws on a malformed endpoint, naming it
  const std::string addressing = get("SEED_S3_ADDRESSING");
  if (addressing.empty()) {
    config.virtual_host = !custom_endpoint;
  } else if (addressing == "path" || addressing == "virtual") {
    config.virtual_host = addressing == "virtual";
  } else {
    throw BadSetting("SEED_S3_ADDRESSING", "'" + addressing + "' is neither path nor virtual");
  }
  config.ca_file = get("SEED_S3_CA_FILE");
  if (!config.ca_file.empty()) {
    std::error_code error;
    if (!std::filesystem::is_regular_file(config.ca_file, error))
      throw BadSetting("SEED_S3_CA_FILE", "'" + config.ca_file + "' is not a readable file (a PEM bundle)");
  }
  config.insecure = ParseBool("SEED_S3_INSECURE", get("SEED_S3_INSECURE"));
  if (auto part = get("SEED_S3_PART_SIZE_MB"); !part.empty())
    config.part_size = static_cast<uint64_t>(ParseBounded("SEED_S3_PART_SIZE_MB", part, 5, 5120)) << 20;
  if (auto attempts = get("SEED_S3_MAX_ATTEMPTS"); !attempts.empty())
    config.retry.max_attempts = static_cast<int>(ParseBounded("SEED_S3_MAX_ATTEMPTS", attempts, 1, 100));
  if (auto base = get("SEED_S3_RETRY_BASE_MS"); !base.empty())
    config.retry.base_delay =
        std::chrono::milliseconds(ParseBounded("SEED_S3_RETRY_BASE_MS", base, 0, 600000));
  if (auto total = get("SEED_S3_RETRY_TOTAL_SECONDS"); !total.empty())
    config.retry.total_budget =
        std::chrono::seconds(ParseBounded("SEED_S3_RETRY_TOTAL_SECONDS", total, 1, 86400));
  return config;
}

StorageConfig ConfigFromEnvironment() {
  return ConfigFromEnvironment([](const std::string& name) -> std::optional<std::string> {
    const char* value = std::getenv(name.c_str());
    if (!value) return std::nullopt;
    return std::string(value);
  });
}

}  // namespace seed::storage
