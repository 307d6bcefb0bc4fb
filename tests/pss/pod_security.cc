#include "pss/pod_security.h"

#include <algorithm>
#include <array>
#include <string_view>

namespace seed::pss {
namespace {

using nlohmann::json;

// Values each control allows, from the standard's tables.
constexpr std::array<std::string_view, 10> kSafeSysctls = {
    "kernel.shm_rmid_forced",       "net.ipv4.ip_local_port_range", "net.ipv4.ip_unprivileged_port_start",
    "net.ipv4.tcp_syncookies",      "net.ipv4.ping_group_range",    "net.ipv4.ip_local_reserved_ports",
    "net.ipv4.tcp_keepalive_time",  "net.ipv4.tcp_fin_timeout",     "net.ipv4.tcp_keepalive_intvl",
    "net.ipv4.tcp_keepalive_probes"};
constexpr std::array<std::string_view, 4> kSeLinuxTypes = {"container_t", "container_init_t",
                                                           "container_kvm_t", "container_engine_t"};
constexpr std::array<std::string_view, 8> kRestrictedVolumeSources = {
    "configMap", "csi",   "downwardAPI", "emptyDir", "ephemeral", "persistentVolumeClaim",
    "projected", "secret"};
constexpr std::string_view kAppArmorAnnotationPrefix = "container.apparmor.security.beta.kubernetes.io/";

template <size_t N>
bool OneOf(const std::array<std::string_view, N>& allowed, std::string_view value) {
  return std::find(allowed.begin(), allowed.end(), value) != allowed.end();
}

// The member at `key` of an object, or null when absent or when `object` is not an object.
const json& Member(const json& object, std::string_view key) {
  static const json kNull;
  if (!object.is_object()) return kNull;
  auto it = object.find(key);
  return it == object.end() ? kNull : *it;
}

bool IsTrue(const json& value) { return value.is_boolean() && value.get<bool>(); }
std::string AsString(const json& value) { return value.is_string() ? value.get<std::string>() : ""; }

class Checker {
 public:
  Checker(const json& metadata, const json& spec) : metadata_(metadata), spec_(spec) {}

  std::vector<Violation> Run() {
    const json& pod_context = Member(spec_, "securityContext");
    CheckHostNamespaces();
    CheckVolumes();
    CheckAppArmorAnnotations();
    CheckSysctls(pod_context);
    CheckRunAsNonRoot(pod_context);
    CheckContextCommon(pod_context, "spec.securityContext");
    CheckSeccomp(pod_context);
    for (const char* list : {"containers", "initContainers", "ephemeralContainers"}) {
      const json& containers = Member(spec_, list);
      if (!containers.is_array()) continue;
      for (size_t i = 0; i < containers.size(); ++i) {
        CheckContainer(containers[i], "spec." + std::string(list) + "[" + std::to_string(i) + "]");
      }
    }
    return std::move(violations_);
  }

 private:
  void Add(std::string control, std::string field, std::string message) {
    violations_.push_back({std::move(control), std::move(field), std::move(message)});
  }

  void CheckHostNamespaces() {
    for (const char* field : {"hostNetwork", "hostPID", "hostIPC"}) {
      if (IsTrue(Member(spec_, field))) {
        Add("Host Namespaces", std::string("spec.") + field, "must be unset or false");
      }
    }
  }

  void CheckVolumes() {
    const json& volumes = Member(spec_, "volumes");
    if (!volumes.is_array()) return;
    for (size_t i = 0; i < volumes.size(); ++i) {
      if (!volumes[i].is_object()) continue;
      for (const auto& [key, value] : volumes[i].items()) {
        if (key == "name" || value.is_null()) continue;
        std::string field = "spec.volumes[" + std::to_string(i) + "]." + key;
        if (key == "hostPath") {
          Add("HostPath Volumes", field, "hostPath volumes are forbidden");
        } else if (!OneOf(kRestrictedVolumeSources, key)) {
          Add("Volume Types", field,
              "only configMap, csi, downwardAPI, emptyDir, ephemeral, persistentVolumeClaim, projected and "
              "secret "
              "volumes are allowed");
        }
      }
    }
  }

  void CheckAppArmorAnnotations() {
    const json& annotations = Member(metadata_, "annotations");
    if (!annotations.is_object()) return;
    for (const auto& [key, value] : annotations.items()) {
      if (key.rfind(kAppArmorAnnotationPrefix, 0) != 0) continue;
      std::string profile = AsString(value);
      if (profile != "runtime/default" && profile.rfind("localhost/", 0) != 0) {
        Add("AppArmor", "metadata.annotations[" + key + "]",
            "must be runtime/default or localhost/<profile>, not '" + profile + "'");
      }
    }
  }

  void CheckSysctls(const json& pod_context) {
    const json& sysctls = Member(pod_context, "sysctls");
    if (!sysctls.is_array()) return;
    for (size_t i = 0; i < sysctls.size(); ++i) {
      std::string name = AsString(Member(sysctls[i], "name"));
      if (!OneOf(kSafeSysctls, name)) {
        Add("Sysctls", "spec.securityContext.sysctls[" + std::to_string(i) + "].name",
            "'" + name + "' is not in the safe sysctl set");
      }
    }
  }

  // runAsNonRoot: true at the pod level, or on every container.
  void CheckRunAsNonRoot(const json& pod_context) {
    const json& pod_value = Member(pod_context, "runAsNonRoot");
    if (pod_value.is_boolean() && !pod_value.get<bool>()) {
      Add("Running as Non-root", "spec.securityContext.runAsNonRoot", "must be true or unset, not false");
    }
    pod_run_as_non_root_ = IsTrue(pod_value);
    pod_seccomp_set_ = IsRestrictedSeccomp(Member(Member(pod_context, "seccompProfile"), "type"));
  }

  static bool IsRestrictedSeccomp(const json& type) {
    std::string value = AsString(type);
    return value == "RuntimeDefault" || value == "Localhost";
  }

  void CheckSeccomp(const json& pod_context) {
    const json& type = Member(Member(pod_context, "seccompProfile"), "type");
    if (!type.is_null() && !IsRestrictedSeccomp(type)) {
      Add("Seccomp", "spec.securityContext.seccompProfile.type",
          "must be RuntimeDefault or Localhost, not '" + AsString(type) + "'");
    }
  }

  // Checks shared by the pod's and each container's securityContext.
  void CheckContextCommon(const json& context, const std::string& where) {
    const json& user = Member(context, "runAsUser");
    if (user.is_number_integer() && user.get<long long>() == 0) {
      Add("Running as Non-root user", where + ".runAsUser", "must not be 0 (root)");
    }
    const json& selinux = Member(context, "seLinuxOptions");
    if (selinux.is_object()) {
      std::string type = AsString(Member(selinux, "type"));
      if (!type.empty() && !OneOf(kSeLinuxTypes, type)) {
        Add("SELinux", where + ".seLinuxOptions.type",
            "must be unset, container_t, container_init_t, container_kvm_t or container_engine_t, not '" +
                type + "'");
      }
      for (const char* field : {"user", "role"}) {
        if (!AsString(Member(selinux, field)).empty()) {
          Add("SELinux", where + ".seLinuxOptions." + field, "must be unset");
        }
      }
    }
    const json& apparmor = Member(Member(context, "appArmorProfile"), "type");
    if (!apparmor.is_null() && AsString(apparmor) != "RuntimeDefault" && AsString(apparmor) != "Localhost") {
      Add("AppArmor", where + ".appArmorProfile.type",
          "must be unset, RuntimeDefault or Localhost, not '" + AsString(apparmor) + "'");
    }
    if (IsTrue(Member(Member(context, "windowsOptions"), "hostProcess"))) {
      Add("HostProcess", where + ".windowsOptions.hostProcess", "must be unset or false");
    }
  }

  void CheckContainer(const json& container, const std::string& where) {
    const json& context = Member(container, "securityContext");
    const std::string ctx = where + ".securityContext";
    CheckContextCommon(context, ctx);
    if (IsTrue(Member(context, "privileged")))
      Add("Privileged Containers", ctx + ".privileged", "must be false or unset");
    const json& escalation = Member(context, "allowPrivilegeEscalation");
    if (!(escalation.is_boolean() && !escalation.get<bool>())) {
      Add("Privilege Escalation", ctx + ".allowPrivilegeEscalation", "must be set to false");
    }
    const json& non_root = Member(context, "runAsNonRoot");
    if (non_root.is_boolean() && !non_root.get<bool>()) {
      Add("Running as Non-root", ctx + ".runAsNonRoot", "must be true or unset, not false");
    } else if (non_root.is_null() && !pod_run_as_non_root_) {
      Add("Running as Non-root", ctx + ".runAsNonRoot",
          "must be true here or in spec.securityContext.runAsNonRoot");
    }
    const json& seccomp = Member(Member(context, "seccompProfile"), "type");
    if (!seccomp.is_null() && !IsRestrictedSeccomp(seccomp)) {
      Add("Seccomp", ctx + ".seccompProfile.type",
          "must be RuntimeDefault or Localhost, not '" + AsString(seccomp) + "'");
    } else if (seccomp.is_null() && !pod_seccomp_set_) {
      Add("Seccomp", ctx + ".seccompProfile.type",
          "must be RuntimeDefault or Localhost here or in spec.securityContext.seccompProfile");
    }
    CheckCapabilities(Member(context, "capabilities"), ctx + ".capabilities");
    const std::string proc_mount = AsString(Member(context, "procMount"));
    if (!proc_mount.empty() && proc_mount != "Default") {
      Add("/proc Mount Type", ctx + ".procMount", "must be unset or Default, not '" + proc_mount + "'");
    }
    const json& ports = Member(container, "ports");
    if (ports.is_array()) {
      for (size_t i = 0; i < ports.size(); ++i) {
        const json& host_port = Member(ports[i], "hostPort");
        if (host_port.is_number_integer() && host_port.get<long long>() != 0) {
          Add("Host Ports", where + ".ports[" + std::to_string(i) + "].hostPort", "must be unset or 0");
        }
      }
    }
  }

  void CheckCapabilities(const json& capabilities, const std::string& where) {
    const json& drop = Member(capabilities, "drop");
    bool drops_all =
        drop.is_array() && std::any_of(drop.begin(), drop.end(), [](const json& c) { return c == "ALL"; });
    if (!drops_all) Add("Capabilities", where + ".drop", "must include ALL");
    const json& add = Member(capabilities, "add");
    if (!add.is_array()) return;
    for (size_t i = 0; i < add.size(); ++i) {
      if (AsString(add[i]) != "NET_BIND_SERVICE") {
        Add("Capabilities", where + ".add[" + std::to_string(i) + "]",
            "only NET_BIND_SERVICE may be added, not '" + AsString(add[i]) + "'");
      }
    }
  }

  const json& metadata_;
  const json& spec_;
  bool pod_run_as_non_root_ = false;
  bool pod_seccomp_set_ = false;
  std::vector<Violation> violations_;
};

}  // namespace

std::vector<Violation> CheckRestricted(const nlohmann::json& pod_metadata, const nlohmann::json& pod_spec) {
  return Checker(pod_metadata, pod_spec).Run();
}

std::string Describe(const std::vector<Violation>& violations) {
  std::string text;
  for (const auto& v : violations) text += v.control + ": " + v.field + ": " + v.message + "\n";
  return text;
}

}  // namespace seed::pss
