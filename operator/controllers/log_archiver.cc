#include "controllers/log_archiver.h"

#include <fstream>

#include "io/remote_path.h"
#include "kube/config.h"
#include "kube/logging.h"
#include "kube/resource.h"
#include "render/log_archive_path.h"
#include "storage/object_client.h"
#include "storage/storage_error.h"

namespace seed::controllers {

using nlohmann::json;

namespace {

kube::GroupVersionResource SecretsResource() { return {"", "v1", "secrets", true, "Secret"}; }

// One key of a Secret's data, decoded; throws naming the Secret and the key (never the value).
std::string SecretValue(const json& secret, const std::string& name, const std::string& key) {
  const json data = secret.value("data", json::object());
  if (!data.contains(key) || !data[key].is_string())
    throw std::runtime_error("Secret " + name + " has no key " + key + " (it needs accessKey and secretKey)");
  auto decoded = kube::DecodeBase64(data[key].get<std::string>());
  if (!decoded) throw std::runtime_error("Secret " + name + ": key " + key + " is not valid base64");
  while (!decoded->empty() && (decoded->back() == '\n' || decoded->back() == '\r')) decoded->pop_back();
  return *decoded;
}

}  // namespace

LogArchiver::LogArchiver(std::shared_ptr<kube::Client> client, size_t capacity)
    : client_(std::move(client)), capacity_(capacity), worker_([this] { Work(); }) {}

LogArchiver::~LogArchiver() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  wake_.notify_all();
  worker_.join();
}

bool LogArchiver::Offer(LogArchiveJob job) {
  {
    std::lock_guard lock(mu_);
    if (stopping_ || queue_.size() >= capacity_ || recent_.count(job.uid) || !pending_.insert(job.uid).second)
      return false;
    queue_.push_back(std::move(job));
  }
  wake_.notify_one();
  return true;
}

size_t LogArchiver::archived() const {
  std::lock_guard lock(mu_);
  return archived_;
}

void LogArchiver::Work() {
  for (;;) {
    LogArchiveJob job;
    {
      std::unique_lock lock(mu_);
      wake_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
      if (stopping_) return;
      job = std::move(queue_.front());
      queue_.pop_front();
    }
    bool done = false;
    try {
      Archive(job);
      done = true;
    } catch (const std::exception& error) {
      // StorageError messages name the URL with credentials redacted; no key is ever in them.
      kube::LogFields(spdlog::level::warn, "task log not archived (tried again at the run's next reconcile)",
                      {{"pod", job.ns + "/" + job.pod}, {"to", job.dir}, {"error", error.what()}});
    }
    std::lock_guard lock(mu_);
    const std::string key = job.uid;
    pending_.erase(key);
    if (done) {
      ++archived_;
      recent_.insert(key);
      recent_order_.push_back(key);
      if (recent_order_.size() > 4096) {
        recent_.erase(recent_order_.front());
        recent_order_.pop_front();
      }
    }
  }
}

void LogArchiver::Archive(const LogArchiveJob& job) {
  const api::S3ArtifactRepository& repo = job.repository;
  auto secret = client_->Get(SecretsResource(), job.ns, repo.secret_name);
  if (!secret.ok())
    throw std::runtime_error("reading Secret " + repo.secret_name + ": " + secret.error().ToString());
  storage::StorageConfig config;
  config.endpoint = repo.endpoint;
  if (!repo.region.empty()) config.region = repo.region;
  config.insecure = repo.insecure;
  config.access_key = SecretValue(*secret, repo.secret_name, "accessKey");
  config.secret_key = SecretValue(*secret, repo.secret_name, "secretKey");
  io::TempFile ca("seed-ca");
  if (!repo.ca_secret_name.empty()) {
    auto ca_secret = client_->Get(SecretsResource(), job.ns, repo.ca_secret_name);
    if (!ca_secret.ok())
      throw std::runtime_error("reading Secret " + repo.ca_secret_name + ": " + ca_secret.error().ToString());
    std::ofstream(ca.path(), std::ios::binary) << SecretValue(*ca_secret, repo.ca_secret_name, "ca.crt");
    config.ca_file = ca.path();
  }

  auto log =
      client_->GetText(kube::Client::Path(kube::PodsResource(), job.ns, job.pod, "log") + "?container=main");
  if (!log.ok())
    throw std::runtime_error("reading the log of pod " + job.pod + ": " + log.error().ToString());
  storage::ObjectClient objects(config);
  io::TempFile file("seed-log");
  std::ofstream(file.path(), std::ios::binary | std::ios::trunc) << *log;
  objects.Put(file.path(), job.dir + "/" + render::kArchivedLogFile);
  if (!job.results.empty()) {
    std::ofstream(file.path(), std::ios::binary | std::ios::trunc) << job.results;
    objects.Put(file.path(), job.dir + "/" + render::kArchivedResultsFile);
  }
  json patch = {{"metadata", {{"annotations", {{render::kLogArchivedAnnotation, "true"}}}}}};
  auto patched = client_->Patch(kube::PodsResource(), job.ns, job.pod, kube::PatchType::kMerge, patch);
  if (!patched.ok() && !kube::IsNotFound(patched.error()))
    throw std::runtime_error("annotating pod " + job.pod + ": " + patched.error().ToString());
  kube::LogFields(spdlog::level::info, "task log archived",
                  {{"pod", job.ns + "/" + job.pod}, {"to", job.dir + "/" + render::kArchivedLogFile}});
}

}  // namespace seed::controllers
