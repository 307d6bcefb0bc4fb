#include "runner/local_pod_runner.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "kube/config.h"
#include "kube/resource.h"

namespace seed::e2e {

using nlohmann::json;

namespace {

constexpr char kWorkspace[] = "/seed/workspace";
constexpr size_t kMaxTerminationMessage = 4096;

std::string NowText() {
  auto now = std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now());
  std::time_t t = std::chrono::system_clock::to_time_t(now);
  char text[32];
  std::strftime(text, sizeof(text), "%Y-%m-%dT%H:%M:%SZ", std::gmtime(&t));
  return text;
}

std::string ReadLimited(const std::string& path, size_t limit) {
  std::ifstream in(path);
  if (!in) return "";
  std::string text(limit, '\0');
  in.read(text.data(), static_cast<std::streamsize>(limit));
  text.resize(static_cast<size_t>(in.gcount()));
  return text;
}

}  // namespace

LocalPodRunner::LocalPodRunner(LocalPodRunnerOptions options) : options_(std::move(options)) {
  std::filesystem::create_directories(options_.workspace_dir);
  std::filesystem::create_directories(options_.scratch_dir);
  auto config = kube::LoadKubeconfig({options_.kubeconfig});
  if (!config.ok()) throw std::runtime_error("local pod runner: " + config.error().ToString());
  config->qps = 1000;
  config->burst = 1000;
  config->user_agent = "local-pod-runner";
  client_ = kube::Client::FromConfig(*config);
  kube::InformerOptions informer_options;
  informer_options.gvr = kube::PodsResource();
  informer_ = std::make_unique<kube::Informer>(client_, informer_options);
  auto on_pod = [this](const kube::ObjectPtr& pod) {
    if (pod && pod->value("status", json::object()).value("phase", "Pending") == "Pending") Launch(*pod);
  };
  informer_->AddEventHandler({on_pod, [on_pod](const kube::ObjectPtr&, const kube::ObjectPtr& n) { on_pod(n); },
                              [this](const kube::ObjectPtr& pod) {
                                std::lock_guard lock(mu_);
                                auto it = running_.find((*pod)["metadata"].value("name", ""));
                                if (it != running_.end()) kill(-it->second, SIGTERM);
                              }});
  informer_->Start();
  if (!informer_->WaitForSync(std::chrono::seconds(10))) throw std::runtime_error("local pod runner: no sync");
}

LocalPodRunner::~LocalPodRunner() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
    for (const auto& [name, pgid] : running_) kill(-pgid, SIGKILL);
  }
  informer_->Stop();
  for (auto& thread : threads_) thread.join();
}

std::vector<std::string> LocalPodRunner::Started() const {
  std::lock_guard lock(mu_);
  return started_;
}

std::string LocalPodRunner::LogOf(const std::string& pod) const {
  return ReadLimited(options_.scratch_dir + "/" + pod + ".log", 1 << 20);
}

std::string LocalPodRunner::MapPath(const std::string& text) const {
  std::string out = text;
  for (size_t at = out.find(kWorkspace); at != std::string::npos;
       at = out.find(kWorkspace, at + options_.workspace_dir.size())) {
    out.replace(at, sizeof(kWorkspace) - 1, options_.workspace_dir);
  }
  return out;
}

std::map<std::string, std::string> LocalPodRunner::MountSecrets(const json& pod, std::string* error) {
  std::map<std::string, std::string> mounts;
  const std::string name = pod["metadata"].value("name", "");
  const std::string ns = pod["metadata"].value("namespace", "");
  const json& container = pod["spec"]["containers"][0];
  for (const auto& volume : pod["spec"].value("volumes", json::array())) {
    if (!volume.contains("secret")) continue;
    const json& source = volume["secret"];
    kube::GroupVersionResource secrets{"", "v1", "secrets", true, "Secret"};
    auto secret = client_->Get(secrets, ns, source.value("secretName", ""));
    if (!secret.ok()) {
      *error = "secret " + source.value("secretName", "") + ": " + secret.error().ToString();
      return mounts;
    }
    const std::string dir = options_.scratch_dir + "/" + name + ".volumes/" + volume.value("name", "");
    std::filesystem::create_directories(dir);
    const json data = secret->value("data", json::object());
    std::vector<std::pair<std::string, std::string>> items;  // key -> path
    if (source.contains("items")) {
      for (const auto& item : source["items"])
        items.emplace_back(item.value("key", ""), item.value("path", ""));
    } else {
      for (const auto& [key, value] : data.items()) items.emplace_back(key, key);
    }
    for (const auto& [key, path] : items) {
      auto decoded = data.contains(key) ? kube::DecodeBase64(data[key].get<std::string>()) : std::nullopt;
      if (!decoded) {
        *error = "secret " + source.value("secretName", "") + " has no key " + key;
        return mounts;
      }
      std::ofstream(dir + "/" + path, std::ios::binary) << *decoded;
    }
    for (const auto& mount : container.value("volumeMounts", json::array())) {
      if (mount.value("name", "") == volume.value("name", "")) mounts[mount.value("mountPath", "")] = dir;
    }
  }
  return mounts;
}

bool LocalPodRunner::PatchStatus(const std::string& ns, const std::string& name, const json& status) {
  kube::PatchOptions options;
  options.subresource = "status";
  return client_->Patch(kube::PodsResource(), ns, name, kube::PatchType::kMerge, json{{"status", status}}, options)
      .ok();
}

void LocalPodRunner::Launch(const json& pod) {
  if (pod["metadata"].contains("deletionTimestamp")) return;
  std::lock_guard lock(mu_);
  if (stopping_ || !seen_.insert(pod["metadata"].value("uid", "")).second) return;
  started_.push_back(pod["metadata"].value("name", ""));
  threads_.emplace_back([this, pod] { RunPod(pod); });
}

void LocalPodRunner::RunPod(json pod) {
  const std::string name = pod["metadata"].value("name", "");
  const std::string ns = pod["metadata"].value("namespace", "");
  const json& container = pod["spec"]["containers"][0];
  std::vector<std::string> argv;
  for (const auto& word : container.value("command", json::array())) argv.push_back(MapPath(word.get<std::string>()));
  for (const auto& word : container.value("args", json::array())) argv.push_back(MapPath(word.get<std::string>()));
  if (argv.empty()) argv.push_back("/bin/false");
  auto program = options_.programs.find(argv[0]);
  if (program != options_.programs.end()) argv[0] = program->second;
  const std::string results = options_.scratch_dir + "/" + name + ".results.json";
  std::string mount_error;
  const std::map<std::string, std::string> secret_mounts = MountSecrets(pod, &mount_error);
  auto map_mounts = [&](std::string text) {
    for (const auto& [mount_path, dir] : secret_mounts) {
      if (text.rfind(mount_path, 0) == 0) return dir + text.substr(mount_path.size());
    }
    return text;
  };
  for (auto& word : argv) word = map_mounts(word);
  std::vector<std::string> env = {"PATH=/usr/bin:/bin", "HOME=" + options_.scratch_dir};
  for (const auto& item : container.value("env", json::array())) {
    std::string key = item.value("name", "");
    if (!item.contains("value")) {
      // A Secret's key, read as the kubelet reads it (other valueFrom kinds need a real kubelet).
      const json ref = item.value("/valueFrom/secretKeyRef"_json_pointer, json());
      if (!ref.is_object()) continue;
      kube::GroupVersionResource secrets{"", "v1", "secrets", true, "Secret"};
      auto secret = client_->Get(secrets, ns, ref.value("name", ""));
      if (!secret.ok()) continue;
      const json encoded = secret->value("data", json::object()).value(ref.value("key", ""), json());
      if (!encoded.is_string()) continue;
      if (auto value = kube::DecodeBase64(encoded.get<std::string>())) env.push_back(key + "=" + *value);
      continue;
    }
    std::string value = key == "SEED_RESULTS_FILE" ? results : map_mounts(MapPath(item.value("value", "")));
    env.push_back(key + "=" + value);
  }
  if (!mount_error.empty()) {  // the container cannot start: fail the pod with the reason
    argv = {"/bin/sh", "-c", "echo \"$0\" >&2; exit 1", "volume: " + mount_error};
  }
  const std::string start = NowText();
  PatchStatus(ns, name,
              {{"phase", "Running"},
               {"startTime", start},
               {"containerStatuses",
                {{{"name", "main"}, {"ready", true}, {"restartCount", 0}, {"state", {{"running", {{"startedAt", start}}}}}}}}});
  std::vector<char*> c_argv, c_env;
  for (auto& word : argv) c_argv.push_back(word.data());
  c_argv.push_back(nullptr);
  for (auto& word : env) c_env.push_back(word.data());
  c_env.push_back(nullptr);
  const std::string log = options_.scratch_dir + "/" + name + ".log";
  pid_t pid = fork();
  if (pid == 0) {
    setpgid(0, 0);
    int fd = open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd >= 0) {
      dup2(fd, 1);
      dup2(fd, 2);
    }
    if (chdir(options_.scratch_dir.c_str()) != 0) _exit(126);
    // A command named without a path (sh, as the example's publish step uses) is found on PATH, as
    // a container runtime finds it in the image.
    execvpe(c_argv[0], c_argv.data(), c_env.data());
    _exit(127);
  }
  {
    std::lock_guard lock(mu_);
    running_[name] = pid;
  }
  int status = 0;
  waitpid(pid, &status, 0);
  {
    std::lock_guard lock(mu_);
    running_.erase(name);
    if (stopping_) return;
  }
  int exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + (WIFSIGNALED(status) ? WTERMSIG(status) : 0);
  json terminated = {{"exitCode", exit_code},
                     {"reason", exit_code == 0 ? "Completed" : "Error"},
                     {"startedAt", start},
                     {"finishedAt", NowText()}};
  std::string message = ReadLimited(results, kMaxTerminationMessage);
  if (!message.empty()) terminated["message"] = message;
  PatchStatus(ns, name,
              {{"phase", exit_code == 0 ? "Succeeded" : "Failed"},
               {"containerStatuses",
                {{{"name", "main"}, {"ready", false}, {"restartCount", 0}, {"state", {{"terminated", terminated}}}}}}});
}

}  // namespace seed::e2e
