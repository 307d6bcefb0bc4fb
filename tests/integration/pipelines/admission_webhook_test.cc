// The validating admission webhook as a user meets it: seed-operator serving it over TLS, the API
// (the test emulator, which calls validating webhooks as an API server does) calling it, and the real
// kubectl applying each malformed example: refused at `kubectl apply` with seed validate's words.
// With the operator down, failurePolicy Ignore lets valid writes through.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <fstream>
#include <sstream>

#include "malformed_examples.h"
#include "pipeline_testing/bounded_command.h"
#include "pipeline_testing/operator_process.h"
#include "pipeline_testing/seed_cluster.h"

namespace seed::pipeline_testing {
namespace {

using nlohmann::json;

// A port free at the time of asking (the operator binds it a moment later).
int FreeLoopbackPort() {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t length = sizeof address;
  if (bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 ||
      getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) != 0) {
    close(fd);
    return -1;
  }
  close(fd);
  return ntohs(address.sin_port);
}

bool Accepts(int port) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(static_cast<uint16_t>(port));
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bool ok = connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0;
  close(fd);
  return ok;
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

class AdmissionWebhookTest : public ::testing::Test {
 protected:
  void SetUp() override {
    cluster_ = std::make_unique<SeedCluster>();
    dir_ = cluster_->Dir();
    MakeCertificates();
    port_ = FreeLoopbackPort();
    ASSERT_GT(port_, 0);
    StartOperator();
    // The configuration the Helm chart installs, pointed at the test's operator.
    json configuration = {
        {"apiVersion", "admissionregistration.k8s.io/v1"},
        {"kind", "ValidatingWebhookConfiguration"},
        {"metadata", {{"name", "seed-validation"}}},
        {"webhooks",
         {{{"name", "validate.seed.dev"},
           {"admissionReviewVersions", {"v1"}},
           {"sideEffects", "None"},
           {"failurePolicy", "Ignore"},
           {"timeoutSeconds", 5},
           {"clientConfig",
            {{"url", "https://127.0.0.1:" + std::to_string(port_) + "/validate"}, {"caBundle", ca_bundle_}}},
           {"rules",
            {{{"apiGroups", {"seed.dev"}},
              {"apiVersions", {"v1alpha1"}},
              {"operations", {"CREATE", "UPDATE"}},
              {"resources", {"jobtemplates", "pipelines", "pipelineruns", "inferenceservices"}}}}}}}}};
    cluster_->emulator().Request(
        "POST", "/apis/admissionregistration.k8s.io/v1/validatingwebhookconfigurations", configuration);
  }

  void MakeCertificates() {
    std::filesystem::create_directories(dir_ + "/certs");
    std::ofstream(dir_ + "/san.cnf") << "subjectAltName=IP:127.0.0.1\n";
    const std::string log = dir_ + "/openssl.log";
    for (std::vector<std::string> command :
         {std::vector<std::string>{"/usr/bin/openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes",
                                   "-keyout", dir_ + "/ca.key", "-out", dir_ + "/ca.crt", "-days", "1",
                                   "-subj", "/CN=seed-test-ca"},
          {"/usr/bin/openssl", "req", "-newkey", "rsa:2048", "-nodes", "-keyout", dir_ + "/certs/tls.key",
           "-out", dir_ + "/tls.csr", "-subj", "/CN=127.0.0.1"},
          {"/usr/bin/openssl", "x509", "-req", "-in", dir_ + "/tls.csr", "-CA", dir_ + "/ca.crt", "-CAkey",
           dir_ + "/ca.key", "-CAcreateserial", "-out", dir_ + "/certs/tls.crt", "-days", "1", "-extfile",
           dir_ + "/san.cnf"}}) {
      auto outcome = RunBounded(command, log, std::chrono::seconds(60));
      ASSERT_EQ(outcome.exit_code, 0) << outcome.output;
    }
    auto encoded = RunBounded({"/usr/bin/openssl", "base64", "-A", "-in", dir_ + "/ca.crt"}, log,
                              std::chrono::seconds(60));
    ASSERT_EQ(encoded.exit_code, 0) << encoded.output;
    ca_bundle_ = encoded.output;
  }

  void StartOperator() {
    OperatorOptions options;
    options.kubeconfig = cluster_->operator_kubeconfig();
    options.log_path = dir_ + "/operator.log";
    options.extra_args = {"--webhook-addr", "127.0.0.1:" + std::to_string(port_), "--webhook-cert-dir",
                          dir_ + "/certs"};
    operator_ = std::make_unique<OperatorProcess>(options);
    ASSERT_TRUE(WaitUntil([&] { return Accepts(port_); }, std::chrono::seconds(30)))
        << ReadFile(dir_ + "/operator.log");
  }

  CommandOutcome Kubectl(std::vector<std::string> args) {
    args.insert(args.begin(), {"/usr/bin/kubectl", "--kubeconfig", cluster_->admin_kubeconfig()});
    return RunBounded(args, dir_ + "/kubectl.log", std::chrono::seconds(60));
  }

  std::unique_ptr<SeedCluster> cluster_;
  std::unique_ptr<OperatorProcess> operator_;
  std::string dir_, ca_bundle_;
  int port_ = 0;
};

TEST_F(AdmissionWebhookTest, KubectlApplyOfEachMalformedExampleIsRefusedWithSeedValidatesMessage) {
  int denied_by_webhook = 0, index = 0;
  for (const auto& example : testing::MalformedExamples(SourceDir() + "/tests/unit/api/malformed")) {
    // Accepted by design: the Pipeline's Valid condition reports it. YAML-level problems are seed
    // validate's alone: kubectl parses the text its own way before anything reaches a server.
    if (example.NeedsAMissingObject() || example.YamlLevel()) continue;
    // Each file in a namespace of its own, so one file's objects never meet another's.
    const std::string ns = "malformed-" + std::to_string(index++);
    cluster_->emulator().Request(
        "POST", "/api/v1/namespaces",
        json{{"apiVersion", "v1"}, {"kind", "Namespace"}, {"metadata", {{"name", ns}}}});
    auto applied = Kubectl({"apply", "-n", ns, "-f", example.path});
    EXPECT_NE(applied.exit_code, 0) << example.file << " was accepted:\n" << applied.output;
    if (example.RefusedBeforeAdmission()) continue;  // kubectl or the API refuses it in their own words
    if (applied.output.find("denied the request") == std::string::npos) {
      ADD_FAILURE() << example.file << " was not refused by the webhook:\n" << applied.output;
      continue;
    }
    EXPECT_NE(applied.output.find(example.ExpectedWithoutLocation()), std::string::npos)
        << example.file << ": expected\n  " << example.ExpectedWithoutLocation() << "\ngot:\n"
        << applied.output;
    ++denied_by_webhook;
  }
  EXPECT_GE(denied_by_webhook, 55);
}

TEST_F(AdmissionWebhookTest, ValidWritesPassWithTheOperatorDown) {
  auto denied = Kubectl({"apply", "-f", SourceDir() + "/tests/unit/api/malformed/pipeline-cycle.yaml"});
  ASSERT_NE(denied.exit_code, 0) << denied.output;
  ASSERT_NE(denied.output.find("denied the request"), std::string::npos) << denied.output;
  operator_->Stop();
  // failurePolicy Ignore: with no webhook answering, the API server admits (the status conditions
  // report an invalid object later); a down operator never blocks a write.
  auto applied = Kubectl({"apply", "-f", SourceDir() + "/examples/wind/"});
  EXPECT_EQ(applied.exit_code, 0) << applied.output;
}

}  // namespace
}  // namespace seed::pipeline_testing
