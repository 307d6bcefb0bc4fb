// The restricted Pod Security Standard checker: a compliant pod passes, and each control catches
// its violation (exactly one, with the standard's control name and the field path).
#include "pss/pod_security.h"

#include <gtest/gtest.h>

namespace seed::pss {
namespace {

using nlohmann::json;

json CompliantSpec() {
  return json::parse(R"({
    "securityContext": {"runAsNonRoot": true, "runAsUser": 65532, "seccompProfile": {"type": "RuntimeDefault"}},
    "containers": [{
      "name": "main",
      "image": "seed-job:0.1.0",
      "ports": [{"containerPort": 8080}],
      "securityContext": {"allowPrivilegeEscalation": false, "readOnlyRootFilesystem": true,
                          "capabilities": {"drop": ["ALL"]}}
    }],
    "volumes": [{"name": "workspace", "persistentVolumeClaim": {"claimName": "data"}},
                {"name": "tmp", "emptyDir": {}},
                {"name": "token", "projected": {"sources": []}}]
  })");
}

// Checks `spec` and expects exactly one violation of `control` at `field`.
void ExpectOnly(const json& spec, const std::string& control, const std::string& field,
                const json& metadata = {}) {
  auto violations = CheckRestricted(metadata, spec);
  ASSERT_EQ(violations.size(), 1u) << Describe(violations);
  EXPECT_EQ(violations[0].control, control);
  EXPECT_EQ(violations[0].field, field);
}

TEST(PodSecurityTest, CompliantPodPasses) {
  auto violations = CheckRestricted(json::object(), CompliantSpec());
  EXPECT_TRUE(violations.empty()) << Describe(violations);
}

TEST(PodSecurityTest, ContainerLevelSettingsAloneAlsoComply) {
  json spec = CompliantSpec();
  spec.erase("securityContext");
  spec["containers"][0]["securityContext"]["runAsNonRoot"] = true;
  spec["containers"][0]["securityContext"]["seccompProfile"] = {{"type", "Localhost"},
                                                                {"localhostProfile", "p.json"}};
  auto violations = CheckRestricted(json::object(), spec);
  EXPECT_TRUE(violations.empty()) << Describe(violations);
}

TEST(PodSecurityTest, Privileged) {
  json spec = CompliantSpec();
  spec["containers"][0]["securityContext"]["privileged"] = true;
  ExpectOnly(spec, "Privileged Containers", "spec.containers[0].securityContext.privileged");
}

TEST(PodSecurityTest, CapabilitiesMustDropAll) {
  json spec = CompliantSpec();
  spec["containers"][0]["securityContext"]["capabilities"]["drop"] = {"NET_RAW"};
  ExpectOnly(spec, "Capabilities", "spec.containers[0].securityContext.capabilities.drop");
}

TEST(PodSecurityTest, CapabilitiesMayAddOnlyNetBindService) {
  json spec = CompliantSpec();
  spec["containers"][0]["securityContext"]["capabilities"]["add"] = {"NET_BIND_SERVICE"};
  EXPECT_TRUE(CheckRestricted(json::object(), spec).empty());
  spec["containers"][0]["securityContext"]["capabilities"]["add"] = {"NET_BIND_SERVICE", "SYS_ADMIN"};
  ExpectOnly(spec, "Capabilities", "spec.containers[0].securityContext.capabilities.add[1]");
}

TEST(PodSecurityTest, PrivilegeEscalationMustBeFalse) {
  json spec = CompliantSpec();
  spec["containers"][0]["securityContext"].erase("allowPrivilegeEscalation");
  ExpectOnly(spec, "Privilege Escalation", "spec.containers[0].securityContext.allowPrivilegeEscalation");
  spec["containers"][0]["securityContext"]["allowPrivilegeEscalation"] = true;
  ExpectOnly(spec, "Privilege Escalation", "spec.containers[0].securityContext.allowPrivilegeEscalation");
}

TEST(PodSecurityTest, RunAsNonRootRequired) {
  json spec = CompliantSpec();
  spec["securityContext"].erase("runAsNonRoot");
  ExpectOnly(spec, "Running as Non-root", "spec.containers[0].securityContext.runAsNonRoot");
  spec["securityContext"]["runAsNonRoot"] = true;
  spec["containers"][0]["securityContext"]["runAsNonRoot"] = false;
  ExpectOnly(spec, "Running as Non-root", "spec.containers[0].securityContext.runAsNonRoot");
}

TEST(PodSecurityTest, RunAsUserZeroForbidden) {
  json spec = CompliantSpec();
  spec["securityContext"]["runAsUser"] = 0;
  ExpectOnly(spec, "Running as Non-root user", "spec.securityContext.runAsUser");
  spec["securityContext"]["runAsUser"] = 1000;
  spec["containers"][0]["securityContext"]["runAsUser"] = 0;
  ExpectOnly(spec, "Running as Non-root user", "spec.containers[0].securityContext.runAsUser");
}

TEST(PodSecurityTest, SeccompRuntimeDefaultOrLocalhost) {
  json spec = CompliantSpec();
  spec["securityContext"]["seccompProfile"]["type"] = "Unconfined";
  auto violations = CheckRestricted(json::object(), spec);
  // The pod's own value is wrong, and so the container inherits no allowed profile.
  ASSERT_EQ(violations.size(), 2u) << Describe(violations);
  EXPECT_EQ(violations[0].field, "spec.securityContext.seccompProfile.type");
  EXPECT_EQ(violations[1].field, "spec.containers[0].securityContext.seccompProfile.type");
  spec["securityContext"].erase("seccompProfile");
  ExpectOnly(spec, "Seccomp", "spec.containers[0].securityContext.seccompProfile.type");
  spec["securityContext"]["seccompProfile"]["type"] = "RuntimeDefault";
  spec["containers"][0]["securityContext"]["seccompProfile"]["type"] = "Unconfined";
  ExpectOnly(spec, "Seccomp", "spec.containers[0].securityContext.seccompProfile.type");
}

TEST(PodSecurityTest, VolumeTypes) {
  json spec = CompliantSpec();
  spec["volumes"].push_back({{"name", "share"}, {"nfs", {{"server", "nas"}, {"path", "/x"}}}});
  ExpectOnly(spec, "Volume Types", "spec.volumes[3].nfs");
  for (const char* allowed : {"configMap", "csi", "downwardAPI", "ephemeral", "secret"}) {
    json ok = CompliantSpec();
    ok["volumes"].push_back({{"name", "v"}, {allowed, json::object()}});
    EXPECT_TRUE(CheckRestricted(json::object(), ok).empty()) << allowed;
  }
}

TEST(PodSecurityTest, HostPathVolume) {
  json spec = CompliantSpec();
  spec["volumes"].push_back({{"name", "host"}, {"hostPath", {{"path", "/var/run"}}}});
  ExpectOnly(spec, "HostPath Volumes", "spec.volumes[3].hostPath");
}

TEST(PodSecurityTest, HostNamespaces) {
  for (const char* field : {"hostNetwork", "hostPID", "hostIPC"}) {
    json spec = CompliantSpec();
    spec[field] = false;
    EXPECT_TRUE(CheckRestricted(json::object(), spec).empty()) << field;
    spec[field] = true;
    ExpectOnly(spec, "Host Namespaces", std::string("spec.") + field);
  }
}

TEST(PodSecurityTest, HostPorts) {
  json spec = CompliantSpec();
  spec["containers"][0]["ports"][0]["hostPort"] = 0;
  EXPECT_TRUE(CheckRestricted(json::object(), spec).empty());
  spec["containers"][0]["ports"][0]["hostPort"] = 8080;
  ExpectOnly(spec, "Host Ports", "spec.containers[0].ports[0].hostPort");
}

TEST(PodSecurityTest, ProcMount) {
  json spec = CompliantSpec();
  spec["containers"][0]["securityContext"]["procMount"] = "Default";
  EXPECT_TRUE(CheckRestricted(json::object(), spec).empty());
  spec["containers"][0]["securityContext"]["procMount"] = "Unmasked";
  ExpectOnly(spec, "/proc Mount Type", "spec.containers[0].securityContext.procMount");
}

TEST(PodSecurityTest, Sysctls) {
  json spec = CompliantSpec();
  spec["securityContext"]["sysctls"] = {{{"name", "net.ipv4.ip_local_port_range"}, {"value", "1024 65535"}}};
  EXPECT_TRUE(CheckRestricted(json::object(), spec).empty());
  spec["securityContext"]["sysctls"].push_back({{"name", "kernel.msgmax"}, {"value", "65536"}});
  ExpectOnly(spec, "Sysctls", "spec.securityContext.sysctls[1].name");
}

TEST(PodSecurityTest, AppArmorFieldAndAnnotation) {
  json spec = CompliantSpec();
  spec["containers"][0]["securityContext"]["appArmorProfile"] = {{"type", "RuntimeDefault"}};
  EXPECT_TRUE(CheckRestricted(json::object(), spec).empty());
  spec["containers"][0]["securityContext"]["appArmorProfile"] = {{"type", "Unconfined"}};
  ExpectOnly(spec, "AppArmor", "spec.containers[0].securityContext.appArmorProfile.type");

  json metadata = {
      {"annotations", {{"container.apparmor.security.beta.kubernetes.io/main", "localhost/seed"}}}};
  EXPECT_TRUE(CheckRestricted(metadata, CompliantSpec()).empty());
  metadata["annotations"]["container.apparmor.security.beta.kubernetes.io/main"] = "unconfined";
  ExpectOnly(CompliantSpec(), "AppArmor",
             "metadata.annotations[container.apparmor.security.beta.kubernetes.io/main]", metadata);
}

TEST(PodSecurityTest, SeLinux) {
  json spec = CompliantSpec();
  spec["securityContext"]["seLinuxOptions"] = {{"type", "container_t"}, {"level", "s0:c123,c456"}};
  EXPECT_TRUE(CheckRestricted(json::object(), spec).empty());
  spec["securityContext"]["seLinuxOptions"]["type"] = "spc_t";
  ExpectOnly(spec, "SELinux", "spec.securityContext.seLinuxOptions.type");
  spec = CompliantSpec();
  spec["containers"][0]["securityContext"]["seLinuxOptions"] = {{"user", "system_u"}};
  ExpectOnly(spec, "SELinux", "spec.containers[0].securityContext.seLinuxOptions.user");
}

TEST(PodSecurityTest, HostProcess) {
  json spec = CompliantSpec();
  spec["securityContext"]["windowsOptions"] = {{"hostProcess", true}};
  ExpectOnly(spec, "HostProcess", "spec.securityContext.windowsOptions.hostProcess");
}

TEST(PodSecurityTest, InitAndEphemeralContainersAreChecked) {
  json spec = CompliantSpec();
  json bad = spec["containers"][0];
  bad["securityContext"]["privileged"] = true;
  spec["initContainers"] = {bad};
  spec["ephemeralContainers"] = {bad};
  auto violations = CheckRestricted(json::object(), spec);
  ASSERT_EQ(violations.size(), 2u) << Describe(violations);
  EXPECT_EQ(violations[0].field, "spec.initContainers[0].securityContext.privileged");
  EXPECT_EQ(violations[1].field, "spec.ephemeralContainers[0].securityContext.privileged");
}

}  // namespace
}  // namespace seed::pss
