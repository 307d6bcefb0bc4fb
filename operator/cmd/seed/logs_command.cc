// seed logs RUN [TASK]: a run's task logs, from the live pods through the Kubernetes API while they
// exist, else from the log archive in the run's artifact repository
// (s3://<bucket>/<prefix>/<run>/<task>/[<item>/]<attempt>/log.txt, written by the operator).
#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <map>
#include <sstream>
#include <tuple>

#include "api/artifact_repository.h"
#include "api/yaml_json.h"
#include "commands.h"
#include "io/remote_path.h"
#include "kube/client.h"
#include "kube/config.h"
#include "kube/curl_transport.h"
#include "kube/resource.h"
#include "render/labels.h"
#include "render/log_archive_path.h"
#include "storage/object_client.h"
#include "storage/storage_config.h"
#include "storage/storage_error.h"

namespace seed::cli {

namespace {

using nlohmann::json;

kube::GroupVersionResource RunsResource() {
  return {"seed.dev", "v1alpha1", "pipelineruns", true, "PipelineRun"};
}
kube::GroupVersionResource PipelinesResource() {
  return {"seed.dev", "v1alpha1", "pipelines", true, "Pipeline"};
}

// (task, item, attempt) of one log, ordered for printing.
using LogKey = std::tuple<std::string, int64_t, int64_t>;

std::string Header(const LogKey& key, const std::string& where) {
  const auto& [task, item, attempt] = key;
  return "==> " + task + (item >= 0 ? " item " + std::to_string(item) : "") + " attempt " +
         std::to_string(attempt) + " (" + where + ") <==\n";
}

std::string TaskList(const std::map<LogKey, std::string>& logs) {
  std::string names;
  std::string last;
  for (const auto& [key, where] : logs) {
    if (std::get<0>(key) == last) continue;
    last = std::get<0>(key);
    names += (names.empty() ? "" : ", ") + last;
  }
  return names;
}

std::optional<api::S3ArtifactRepository> RepositoryOf(const json& pipeline_spec, const std::string& where) {
  if (!pipeline_spec.is_object() || !pipeline_spec.contains("artifactRepository")) return std::nullopt;
  api::ValidationErrors errors;
  api::ArtifactRepository repository =
      api::ParseArtifactRepository(pipeline_spec["artifactRepository"], where, &errors);
  if (!errors.empty() || !repository.s3) {
    std::cerr << "seed logs: " << (errors.empty() ? where : api::FormatError(errors.front())) << "\n";
    return std::nullopt;
  }
  return repository.s3;
}

// Prints every archived log of the run (of TASK only when given). Returns the exit code.
int PrintArchive(const LogsFlags& flags, const api::S3ArtifactRepository& repository) {
  storage::StorageConfig config;
  try {
    config = storage::ConfigFromEnvironment();
    if (!flags.s3_credentials.empty()) storage::ReadCredentialsDir(flags.s3_credentials, config);
  } catch (const storage::StorageError& error) {
    std::cerr << "seed logs: " << error.what() << "\n";
    return 2;
  }
  config.endpoint = repository.endpoint;
  if (!repository.region.empty()) config.region = repository.region;
  config.insecure = repository.insecure;
  config.virtual_host = false;
  const std::string run_dir = api::ArtifactRoot(repository) + "/" + flags.run + "/";
  const std::string bucket_prefix = "s3://" + repository.bucket + "/";
  std::map<LogKey, std::string> logs;  // -> URL
  try {
    storage::ObjectClient objects(config);
    for (const auto& object : objects.List(run_dir)) {
      // <prefix>/<run>/<task>/[<item>/]<attempt>/log.txt
      const std::string url = bucket_prefix + object.key;
      if (url.size() <= run_dir.size() || !url.ends_with(std::string("/") + render::kArchivedLogFile))
        continue;
      std::vector<std::string> parts;
      std::stringstream rest(url.substr(run_dir.size()));
      for (std::string part; std::getline(rest, part, '/');) parts.push_back(part);
      if (parts.size() != 3 && parts.size() != 4) continue;
      try {
        const int64_t attempt = std::stoll(parts[parts.size() - 2]);
        const int64_t item = parts.size() == 4 ? std::stoll(parts[1]) : -1;
        logs[{parts[0], item, attempt}] = url;
      } catch (const std::exception&) {
        continue;  // an artifact that happens to be named log.txt
      }
    }
    if (logs.empty()) {
      std::cerr << "seed logs: run " << flags.run << ": no PipelineRun in namespace " << flags.namespace_
                << " and no archived logs under " << run_dir
                << " (check the run's name and the repository)\n";
      return 2;
    }
    std::map<LogKey, std::string> chosen;
    for (const auto& [key, url] : logs)
      if (flags.task.empty() || std::get<0>(key) == flags.task) chosen[key] = url;
    if (chosen.empty()) {
      std::cerr << "seed logs: run " << flags.run << " has no task " << flags.task
                << " in its archived logs; its tasks: " << TaskList(logs) << "\n";
      return 2;
    }
    io::TempFile file("seed-logs");
    for (const auto& [key, url] : chosen) {
      objects.Get(url, file.path());
      std::ifstream in(file.path(), std::ios::binary);
      std::cout << Header(key, url) << in.rdbuf();
      std::cout.flush();
    }
  } catch (const storage::StorageError& error) {
    std::cerr << "seed logs: " << error.what() << "\n";
    return error.bad_input() ? 2 : 1;
  }
  return 0;
}

}  // namespace

int LogsCommand(const LogsFlags& flags) {
  std::optional<api::S3ArtifactRepository> repository;
  if (!flags.repository_file.empty()) {
    std::ifstream in(flags.repository_file);
    std::stringstream text;
    text << in.rdbuf();
    std::vector<api::YamlDocument> documents;
    try {
      documents = api::ParseYamlDocuments(text.str());
    } catch (const std::exception& error) {
      std::cerr << flags.repository_file << ": " << error.what() << "\n";
      return 2;
    }
    if (!in || documents.size() != 1) {
      std::cerr << "--repository " << flags.repository_file << ": expected one document {s3: {...}}\n";
      return 2;
    }
    repository = RepositoryOf(json{{"artifactRepository", documents[0].value}}, flags.repository_file);
    if (!repository) return 2;
  }

  kube::InitCurlGlobal();
  auto config = kube::LoadConfig(flags.kubeconfig, flags.context, [](const std::string& name) {
    const char* value = std::getenv(name.c_str());
    return std::string(value ? value : "");
  });
  if (!config.ok()) {
    if (repository) return PrintArchive(flags, *repository);
    std::cerr << "seed logs: no cluster configuration (" << config.error().message
              << "); give --kubeconfig, or --repository FILE to read the archive alone\n";
    return 2;
  }
  auto client = kube::Client::FromConfig(*config);
  auto run = client->Get(RunsResource(), flags.namespace_, flags.run);
  if (!run.ok() && !kube::IsNotFound(run.error())) {
    std::cerr << "seed logs: reading PipelineRun " << flags.namespace_ << "/" << flags.run << ": "
              << run.error().ToString() << "\n";
    return 1;
  }
  if (run.ok()) {
    // The live pods, while they exist.
    kube::ListOptions options;
    options.label_selector = std::string(render::kPipelineRunLabel) + "=" + flags.run;
    auto pods = client->List(kube::PodsResource(), flags.namespace_, options);
    std::map<LogKey, std::string> live;  // -> pod name
    if (pods.ok()) {
      for (const auto& pod : pods->value("items", json::array())) {
        const json labels = pod["metadata"].value("labels", json::object());
        try {
          live[{labels.value(render::kTaskLabel, ""),
                labels.contains(render::kItemLabel) ? std::stoll(labels.value(render::kItemLabel, "-1")) : -1,
                std::stoll(labels.value(render::kAttemptLabel, "1"))}] = pod["metadata"].value("name", "");
        } catch (const std::exception&) {
        }
      }
    }
    const json spec = run->value("/status/pipelineSpec/pipeline"_json_pointer, json());
    if (!repository) repository = RepositoryOf(spec, "the run's artifactRepository");
    std::map<LogKey, std::string> chosen;
    for (const auto& [key, pod] : live)
      if (flags.task.empty() || std::get<0>(key) == flags.task) chosen[key] = pod;
    if (!chosen.empty()) {
      for (const auto& [key, pod] : chosen) {
        auto log = client->GetText(kube::Client::Path(kube::PodsResource(), flags.namespace_, pod, "log") +
                                   "?container=main");
        std::cout << Header(key, "pod " + pod)
                  << (log.ok() ? *log : "(no log: " + log.error().message + ")\n");
      }
      return 0;
    }
    if (!live.empty() && !flags.task.empty()) {
      std::string tasks;
      for (const auto& task : spec.value("tasks", json::array()))
        tasks += (tasks.empty() ? "" : ", ") + task.value("name", "");
      std::cerr << "seed logs: run " << flags.run << " has no pod of task " << flags.task
                << "; its tasks: " << tasks << "\n";
      return 2;
    }
  } else if (!repository && !flags.pipeline.empty()) {
    auto pipeline = client->Get(PipelinesResource(), flags.namespace_, flags.pipeline);
    if (!pipeline.ok()) {
      std::cerr << "seed logs: reading Pipeline " << flags.namespace_ << "/" << flags.pipeline << ": "
                << pipeline.error().ToString() << "\n";
      return 2;
    }
    repository = RepositoryOf(pipeline->value("spec", json::object()), "Pipeline " + flags.pipeline);
    if (!repository) {
      std::cerr << "seed logs: Pipeline " << flags.pipeline
                << " has no artifactRepository; give the operator's with --repository FILE\n";
      return 2;
    }
  }
  if (!repository) {
    std::cerr << "seed logs: run " << flags.run << ": "
              << (run.ok() ? "its pods are gone and it has no artifact repository, so no log was archived"
                           : "no PipelineRun in namespace " + flags.namespace_ +
                                 "; to read its archived logs give --pipeline NAME (the Pipeline's "
                                 "artifactRepository) or --repository FILE (the operator's default)")
              << "\n";
    return 2;
  }
  return PrintArchive(flags, *repository);
}

}  // namespace seed::cli
