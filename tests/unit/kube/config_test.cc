#include "kube/config.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <map>

#include "kube/credentials.h"

namespace kube {
namespace {

namespace fs = std::filesystem;

const char kCaPem[] = "-----BEGIN CERTIFICATE-----\nMIIBtest\n-----END CERTIFICATE-----\n";
const char kKeyPem[] = "-----BEGIN PRIVATE KEY-----\nMIIEtest\n-----END PRIVATE KEY-----\n";

std::string Base64(const std::string& in) {
  static const char* kChars = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  size_t i = 0;
  for (; i + 2 < in.size(); i += 3) {
    uint32_t n = (uint8_t(in[i]) << 16) | (uint8_t(in[i + 1]) << 8) | uint8_t(in[i + 2]);
    for (int s = 18; s >= 0; s -= 6) out += kChars[(n >> s) & 63];
  }
  if (i + 1 == in.size()) {
    uint32_t n = uint8_t(in[i]) << 16;
    out += kChars[(n >> 18) & 63];
    out += kChars[(n >> 12) & 63];
    out += "==";
  } else if (i + 2 == in.size()) {
    uint32_t n = (uint8_t(in[i]) << 16) | (uint8_t(in[i + 1]) << 8);
    out += kChars[(n >> 18) & 63];
    out += kChars[(n >> 12) & 63];
    out += kChars[(n >> 6) & 63];
    out += "=";
  }
  return out;
}

class ConfigTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("kubeconfig-test-" + std::to_string(getpid()) + "-" +
                                        ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  std::string Write(const std::string& name, const std::string& text) {
    auto path = (dir_ / name).string();
    fs::create_directories(fs::path(path).parent_path());
    std::ofstream(path) << text;
    return path;
  }

  // A minimal one-context kubeconfig around the given cluster and user bodies.
  std::string Config(const std::string& cluster, const std::string& user) {
    return "apiVersion: v1\nkind: Config\ncurrent-context: main\n"
           "contexts:\n- name: main\n  context: {cluster: c1, user: u1, namespace: team-a}\n"
           "clusters:\n- name: c1\n  cluster:\n" +
           cluster + "users:\n- name: u1\n  user:\n" + user;
  }

  std::string ErrorOf(const std::string& text) {
    auto r = LoadKubeconfig({Write("config", text)});
    EXPECT_FALSE(r.ok());
    return r.ok() ? "" : r.error().message;
  }

  fs::path dir_;
};

TEST_F(ConfigTest, Base64DecodingIsStrict) {
  EXPECT_EQ(DecodeBase64("aGVsbG8="), "hello");
  EXPECT_EQ(DecodeBase64("aGVs\nbG8h"), "hello!");
  EXPECT_EQ(DecodeBase64(""), "");
  EXPECT_EQ(DecodeBase64("aGVsbG8"), std::nullopt);   // missing padding
  EXPECT_EQ(DecodeBase64("aGV$bG8="), std::nullopt);  // bad character
  EXPECT_EQ(DecodeBase64("a==="), std::nullopt);
  EXPECT_EQ(DecodeBase64("aG=sbG8="), std::nullopt);  // padding in the middle
}

TEST_F(ConfigTest, TokenUserWithCaFileRelativeToTheKubeconfig) {
  Write("certs/ca.crt", kCaPem);
  auto path =
      Write("config", Config("    server: https://10.0.0.1:6443/\n    certificate-authority: certs/ca.crt\n",
                             "    token: abc.def\n"));
  auto r = LoadKubeconfig({path});
  ASSERT_TRUE(r.ok()) << r.error().ToString();
  EXPECT_EQ(r->server, "https://10.0.0.1:6443");
  EXPECT_EQ(r->tls.ca_file, (dir_ / "certs/ca.crt").string());
  EXPECT_FALSE(r->tls.insecure_skip_verify);
  EXPECT_EQ(r->bearer_token, "abc.def");
  EXPECT_EQ(r->namespace_, "team-a");
  EXPECT_EQ(r->context, "main");
}

TEST_F(ConfigTest, CaDataAndClientCertificateData) {
  auto r = LoadKubeconfig({Write(
      "config", Config("    server: https://h:1\n    certificate-authority-data: " + Base64(kCaPem) + "\n",
                       "    client-certificate-data: " + Base64(kCaPem) +
                           "\n    client-key-data: " + Base64(kKeyPem) + "\n"))});
  ASSERT_TRUE(r.ok()) << r.error().ToString();
  EXPECT_EQ(r->tls.ca_pem, kCaPem);
  EXPECT_EQ(r->tls.client_cert_pem, kCaPem);
  EXPECT_EQ(r->tls.client_key_pem, kKeyPem);
  EXPECT_TRUE(r->bearer_token.empty());
}

TEST_F(ConfigTest, ClientCertificateFiles) {
  Write("tls/client.crt", kCaPem);
  Write("tls/client.key", kKeyPem);
  auto r = LoadKubeconfig({Write("config", Config("    server: https://h:1\n",
                                                  "    client-certificate: tls/client.crt\n"
                                                  "    client-key: tls/client.key\n"))});
  ASSERT_TRUE(r.ok()) << r.error().ToString();
  EXPECT_EQ(r->tls.client_cert_file, (dir_ / "tls/client.crt").string());
  EXPECT_EQ(r->tls.client_key_file, (dir_ / "tls/client.key").string());
}

TEST_F(ConfigTest, TokenFile) {
  Write("token", "file-token\n");
  auto r = LoadKubeconfig({Write("config", Config("    server: https://h:1\n", "    tokenFile: token\n"))});
  ASSERT_TRUE(r.ok()) << r.error().ToString();
  EXPECT_EQ(r->bearer_token_file, (dir_ / "token").string());
}

TEST_F(ConfigTest, InsecureSkipVerifyOnlyWhenSet) {
  auto r = LoadKubeconfig({Write(
      "config", Config("    server: https://h:1\n    insecure-skip-tls-verify: true\n", "    token: t\n"))});
  ASSERT_TRUE(r.ok()) << r.error().ToString();
  EXPECT_TRUE(r->tls.insecure_skip_verify);
  auto s = LoadKubeconfig(
      {Write("config2",
             Config("    server: https://h:1\n    insecure-skip-tls-verify: false\n", "    token: t\n"))});
  ASSERT_TRUE(s.ok());
  EXPECT_FALSE(s->tls.insecure_skip_verify);
}

TEST_F(ConfigTest, ExecPluginV1) {
  auto r = LoadKubeconfig({Write("config", Config("    server: https://h:1\n",
                                                  "    exec:\n"
                                                  "      apiVersion: client.authentication.k8s.io/v1\n"
                                                  "      command: ./bin/get-token\n"
                                                  "      args: [--cluster, prod]\n"
                                                  "      env: [{name: REGION, value: eu}]\n"
                                                  "      interactiveMode: Never\n"
                                                  "      provideClusterInfo: true\n"))});
  ASSERT_TRUE(r.ok()) << r.error().ToString();
  ASSERT_TRUE(r->exec.has_value());
  EXPECT_EQ(r->exec->command, "./bin/get-token");
  EXPECT_EQ(r->exec->args, (std::vector<std::string>{"--cluster", "prod"}));
  ASSERT_EQ(r->exec->env.size(), 1u);
  EXPECT_EQ(r->exec->env[0], (std::pair<std::string, std::string>{"REGION", "eu"}));
  EXPECT_EQ(r->exec->interactive_mode, "Never");
  EXPECT_TRUE(r->exec->provide_cluster_info);
  EXPECT_EQ(r->exec->base_dir, dir_.string());
}

TEST_F(ConfigTest, ExecPluginRunsAndItsTokenIsCachedUntilExpiry) {
  std::string script =
      Write("plugin.sh",
            "#!/bin/sh\n"
            "echo run >> \"$(dirname \"$0\")/runs\"\n"
            "case \"$KUBERNETES_EXEC_INFO\" in *'\"interactive\":false'*) ;; *) exit 3;; esac\n"
            "echo '{\"apiVersion\":\"client.authentication.k8s.io/v1\",\"kind\":\"ExecCredential\","
            "\"status\":{\"token\":\"tok-'$REGION'\",\"expirationTimestamp\":\"2026-01-01T00:10:00Z\"}}'\n");
  fs::permissions(script, fs::perms::owner_all);
  ExecConfig exec;
  exec.api_version = "client.authentication.k8s.io/v1";
  exec.command = script;
  exec.env = {{"REGION", "eu"}};
  exec.interactive_mode = "Never";
  FakeClock clock;  // wall time 2026-01-01T00:00:00Z
  ExecCredentialSource source(exec, "https://h:1", clock);
  auto first = source.Get();
  ASSERT_TRUE(first.ok()) << first.error().ToString();
  EXPECT_EQ(first->bearer_token, "tok-eu");
  ASSERT_TRUE(source.Get().ok());
  clock.Advance(std::chrono::minutes(9));
  ASSERT_TRUE(source.Get().ok());
  std::ifstream runs_before(dir_ / "runs");
  std::string all((std::istreambuf_iterator<char>(runs_before)), {});
  EXPECT_EQ(all, "run\n") << "cached until shortly before expiry";
  clock.Advance(std::chrono::seconds(55));  // within 10 s of expiry: refresh
  ASSERT_TRUE(source.Get().ok());
  std::ifstream runs_after(dir_ / "runs");
  std::string all2((std::istreambuf_iterator<char>(runs_after)), {});
  EXPECT_EQ(all2, "run\nrun\n");
}

TEST_F(ConfigTest, ExecPluginFailureNamesThePluginAndHint) {
  std::string script = Write("fail.sh", "#!/bin/sh\necho 'no credentials for prod' >&2\nexit 1\n");
  fs::permissions(script, fs::perms::owner_all);
  ExecConfig exec{"client.authentication.k8s.io/v1", script, {}, {}, "Never", false, "install get-token", ""};
  FakeClock clock;
  ExecCredentialSource source(exec, "https://h:1", clock);
  auto r = source.Get();
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("exited with code 1: no credentials for prod (install get-token)"),
            std::string::npos)
      << r.error().message;
}

TEST_F(ConfigTest, ExecPluginOutputOfTheWrongShapeIsAClearErrorNotAnException) {
  FakeClock clock;
  const std::vector<std::pair<std::string, std::string>> outputs = {
      {R"({"apiVersion":"client.authentication.k8s.io/v1","kind":7,"status":{"token":"t"}})",
       "did not print an ExecCredential"},
      {R"({"apiVersion":["v1"],"kind":"ExecCredential","status":{"token":"t"}})",
       "apiVersion of another type"},
      {R"({"apiVersion":"client.authentication.k8s.io/v1","kind":"ExecCredential","status":{"token":42}})",
       "has a field that is not a string"},
      {R"({"apiVersion":"client.authentication.k8s.io/v1","kind":"ExecCredential",)"
       R"("status":{"token":"t","expirationTimestamp":{}}})",
       "has a field that is not a string"}};
  int n = 0;
  for (const auto& [output, message] : outputs) {
    std::string script = Write("odd" + std::to_string(n++) + ".sh", "#!/bin/sh\necho '" + output + "'\n");
    fs::permissions(script, fs::perms::owner_all);
    ExecConfig exec{"client.authentication.k8s.io/v1", script, {}, {}, "Never", false, "", ""};
    ExecCredentialSource source(exec, "https://h:1", clock);
    auto r = source.Get();
    ASSERT_FALSE(r.ok()) << output;
    EXPECT_NE(r.error().message.find(message), std::string::npos) << r.error().message;
  }
}

TEST_F(ConfigTest, FileTokenIsReReadAboutEveryMinute) {
  auto path = Write("sa-token", "first\n");
  FakeClock clock;
  FileTokenSource source(path, clock);
  EXPECT_EQ(source.Get()->bearer_token, "first");
  Write("sa-token", "second\n");
  clock.Advance(std::chrono::seconds(59));
  EXPECT_EQ(source.Get()->bearer_token, "first");
  clock.Advance(std::chrono::seconds(1));
  EXPECT_EQ(source.Get()->bearer_token, "second");
  fs::remove(path);
  clock.Advance(std::chrono::minutes(2));
  EXPECT_EQ(source.Get()->bearer_token, "second") << "a failed re-read keeps the last good token";
}

TEST_F(ConfigTest, ContextFlagOverridesCurrentContext) {
  auto path = Write("config",
                    "current-context: a\n"
                    "contexts:\n- name: a\n  context: {cluster: ca, user: u}\n"
                    "- name: b\n  context: {cluster: cb, user: u, namespace: nb}\n"
                    "clusters:\n- name: ca\n  cluster: {server: 'https://a:1'}\n"
                    "- name: cb\n  cluster: {server: 'https://b:1'}\n"
                    "users:\n- name: u\n  user: {token: t}\n");
  EXPECT_EQ(LoadKubeconfig({path})->server, "https://a:1");
  auto b = LoadKubeconfig({path}, "b");
  ASSERT_TRUE(b.ok());
  EXPECT_EQ(b->server, "https://b:1");
  EXPECT_EQ(b->namespace_, "nb");
  auto missing = LoadKubeconfig({path}, "zz");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().message, "kubeconfig: context \"zz\" not found (contexts: a, b)");
}

TEST_F(ConfigTest, SeveralFilesMergeFirstWins) {
  auto first = Write("one",
                     "current-context: prod\n"
                     "clusters:\n- name: shared\n  cluster: {server: 'https://first:1'}\n"
                     "users:\n- name: me\n  user: {token: first-token}\n");
  auto second = Write("two",
                      "current-context: dev\n"
                      "contexts:\n- name: prod\n  context: {cluster: shared, user: me}\n"
                      "- name: dev\n  context: {cluster: shared, user: me}\n"
                      "clusters:\n- name: shared\n  cluster: {server: 'https://second:1'}\n"
                      "users:\n- name: me\n  user: {token: second-token}\n");
  auto r = LoadKubeconfig(SplitKubeconfigPaths(first + "::" + second));
  ASSERT_TRUE(r.ok()) << r.error().ToString();
  EXPECT_EQ(r->context, "prod") << "current-context from the first file that sets it";
  EXPECT_EQ(r->server, "https://first:1");
  EXPECT_EQ(r->bearer_token, "first-token");
}

TEST_F(ConfigTest, InClusterConfig) {
  Write("sa/token", "sa-token\n");
  Write("sa/ca.crt", kCaPem);
  Write("sa/namespace", "seed-system\n");
  std::map<std::string, std::string> env = {{"KUBERNETES_SERVICE_HOST", "10.96.0.1"},
                                            {"KUBERNETES_SERVICE_PORT", "443"}};
  auto getenv = [&](const std::string& k) { return env.count(k) ? env[k] : std::string(); };
  auto r = InClusterConfig(getenv, (dir_ / "sa").string());
  ASSERT_TRUE(r.ok()) << r.error().ToString();
  EXPECT_EQ(r->server, "https://10.96.0.1:443");
  EXPECT_EQ(r->bearer_token_file, (dir_ / "sa/token").string());
  EXPECT_EQ(r->tls.ca_file, (dir_ / "sa/ca.crt").string());
  EXPECT_EQ(r->namespace_, "seed-system");
  env["KUBERNETES_SERVICE_HOST"] = "fd00::1";
  EXPECT_EQ(InClusterConfig(getenv, (dir_ / "sa").string())->server, "https://[fd00::1]:443");
  env.clear();
  EXPECT_FALSE(InClusterConfig(getenv, (dir_ / "sa").string()).ok());
}

TEST_F(ConfigTest, LoadConfigPrefersFlagThenKubeconfigEnv) {
  auto a = Write("a", Config("    server: https://flag:1\n", "    token: t\n"));
  auto b = Write("b", Config("    server: https://env:1\n", "    token: t\n"));
  std::map<std::string, std::string> env = {{"KUBECONFIG", b}, {"KUBERNETES_SERVICE_HOST", "x"}};
  auto getenv = [&](const std::string& k) { return env.count(k) ? env[k] : std::string(); };
  EXPECT_EQ(LoadConfig(a, "", getenv)->server, "https://flag:1");
  EXPECT_EQ(LoadConfig("", "", getenv)->server, "https://env:1");
}

// Malformed files: every error names the field (and the file).
TEST_F(ConfigTest, BadBase64NamesTheField) {
  EXPECT_EQ(
      ErrorOf(Config("    server: https://h:1\n",
                     "    client-certificate-data: '%%%'\n    client-key-data: " + Base64(kKeyPem) + "\n")),
      "kubeconfig users[0].user.client-certificate-data: not valid base64 (in " + (dir_ / "config").string() +
          ")");
  EXPECT_NE(
      ErrorOf(Config("    server: https://h:1\n    certificate-authority-data: abc\n", "    token: t\n"))
          .find("kubeconfig clusters[0].cluster.certificate-authority-data: not valid base64"),
      std::string::npos);
}

TEST_F(ConfigTest, MalformedFilesGiveFieldErrors) {
  struct Case {
    std::string text;
    std::string expected;  // prefix of the message
  };
  std::vector<Case> cases = {
      {Config("    insecure-skip-tls-verify: true\n", "    token: t\n"),
       "kubeconfig clusters[0].cluster.server: required"},
      {Config("    server: ftp://h\n", "    token: t\n"),
       "kubeconfig clusters[0].cluster.server: \"ftp://h\" is not an http(s) URL"},
      {Config("    server: https://h:1\n    insecure-skip-tls-verify: maybe\n", "    token: t\n"),
       "kubeconfig clusters[0].cluster.insecure-skip-tls-verify: must be true or false"},
      {Config(
           "    server: https://h:1\n    insecure-skip-tls-verify: true\n    certificate-authority-data: " +
               Base64(kCaPem) + "\n",
           "    token: t\n"),
       "kubeconfig clusters[0].cluster: insecure-skip-tls-verify cannot be combined with a certificate "
       "authority"},
      {Config("    server: https://h:1\n    certificate-authority: missing.crt\n", "    token: t\n"),
       "kubeconfig clusters[0].cluster.certificate-authority: cannot read file"},
      {Config("    server: https://h:1\n    certificate-authority-data: " + Base64("not pem") + "\n",
              "    token: t\n"),
       "kubeconfig clusters[0].cluster.certificate-authority-data: not a PEM certificate"},
      {Config("    server: https://h:1\n", "    client-certificate-data: " + Base64(kCaPem) + "\n"),
       "kubeconfig users[0].user: client-certificate given without client-key"},
      {Config("    server: https://h:1\n", "    tokenFile: nope\n"),
       "kubeconfig users[0].user.tokenFile: cannot read file"},
      {Config("    server: https://h:1\n",
              "    exec:\n      apiVersion: client.authentication.k8s.io/v1alpha1\n"
              "      command: x\n"),
       "kubeconfig users[0].user.exec.apiVersion: \"client.authentication.k8s.io/v1alpha1\" is not "
       "supported"},
      {Config("    server: https://h:1\n",
              "    exec:\n      apiVersion: client.authentication.k8s.io/v1\n"
              "      command: x\n"),
       "kubeconfig users[0].user.exec.interactiveMode: required"},
      {Config("    server: https://h:1\n",
              "    exec:\n      apiVersion: client.authentication.k8s.io/v1\n"
              "      interactiveMode: Never\n"),
       "kubeconfig users[0].user.exec.command: required"},
      {Config("    server: https://h:1\n",
              "    exec:\n      apiVersion: client.authentication.k8s.io/v1\n"
              "      command: x\n      interactiveMode: Never\n      args: x\n"),
       "kubeconfig users[0].user.exec.args: must be a list of strings"},
      {Config("    server: https://h:1\n", "    auth-provider: {name: gcp}\n"),
       "kubeconfig users[0].user.auth-provider: auth-provider plugins are not supported"},
      {"clusters: {}\n", "kubeconfig clusters: must be a list"},
      {"users:\n- user: {token: t}\n", "kubeconfig users[0].name: required"},
      {"contexts:\n- name: x\n  context: {cluster: nope}\ncurrent-context: x\n",
       "kubeconfig contexts[0].context.cluster: cluster \"nope\" not found"},
      {"clusters:\n- name: c\n  cluster: {server: 'https://h'}\n", "kubeconfig current-context: not set"},
      {"- just\n- a list\n", "kubeconfig (top level): must be a mapping"},
  };
  for (const auto& c : cases) {
    std::string got = ErrorOf(c.text);
    EXPECT_EQ(got.substr(0, c.expected.size()), c.expected) << "input:\n" << c.text;
  }
}

TEST_F(ConfigTest, InvalidYamlReportsLineAndColumn) {
  std::string got = ErrorOf("clusters:\n  - name: [unclosed\n");
  EXPECT_NE(got.find("invalid YAML at line"), std::string::npos) << got;
}

TEST_F(ConfigTest, Rfc3339) {
  auto t = ParseRfc3339("2026-01-01T00:10:00Z");
  ASSERT_TRUE(t.has_value());
  EXPECT_EQ(FormatRfc3339(*t), "2026-01-01T00:10:00Z");
  EXPECT_EQ(FormatRfc3339(*ParseRfc3339("2026-01-01T02:10:00+02:00")), "2026-01-01T00:10:00Z");
  EXPECT_EQ(FormatRfc3339Micro(*ParseRfc3339("2026-01-01T00:10:00.123456Z")), "2026-01-01T00:10:00.123456Z");
  EXPECT_FALSE(ParseRfc3339("yesterday").has_value());
}

}  // namespace
}  // namespace kube
