// `seed-job fetch --url` against an HTTP(S) server of the test on loopback.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <httplib.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <fstream>
#include <thread>

#include "fetch_fixture.h"

namespace seed::fetch_test {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

const std::string kCsv =
    "time,power_mw\n2024-04-01T00:00:00+08:00,1.5\n2024-04-01T00:15:00+08:00,\n2024-04-01T00:30:00+08:00,1."
    "25\n";
// sha256sum of kCsv.
const std::string kCsvSha256 = "bcc76a0c7f0f13219f7acd03b6d4158c3f87c701509f49407704143a6e105d91";

// Serves /power.csv, /flaky.csv (500 the first time, then the CSV), /down.csv (always 503),
// /secret.csv (404), /not-csv (text that is no CSV), counting requests per path.
class TestServer {
 public:
  explicit TestServer(httplib::Server* server) : server_(server) {
    for (const char* path : {"power", "flaky", "down"}) hits_[path] = 0;  // no insertion once serving
    server_->Get("/power.csv", [this](const httplib::Request&, httplib::Response& res) {
      ++hits_["power"];
      res.set_content(kCsv, "text/csv");
    });
    server_->Get("/flaky.csv", [this](const httplib::Request&, httplib::Response& res) {
      if (hits_["flaky"]++ == 0) {
        res.status = 500;
        res.set_content("busy", "text/plain");
      } else {
        res.set_content(kCsv, "text/csv");
      }
    });
    server_->Get("/down.csv", [this](const httplib::Request&, httplib::Response& res) {
      ++hits_["down"];
      res.status = 503;
    });
    server_->Get("/not-csv", [](const httplib::Request&, httplib::Response& res) {
      res.set_content("<html>login page</html>\n", "text/html");
    });
    port_ = server_->bind_to_any_port("127.0.0.1");  // listening from here on
    thread_ = std::thread([this] { server_->listen_after_bind(); });
  }
  ~TestServer() {
    server_->stop();
    thread_.join();
  }
  int port() const { return port_; }
  int hits(const std::string& path) { return hits_[path].load(); }

 private:
  httplib::Server* server_;
  std::map<std::string, std::atomic<int>> hits_;  // written by the server's threads, read by the test
  int port_ = 0;
  std::thread thread_;
};

class FetchUrlTest : public FetchTest {
 protected:
  void SetUp() override {
    FetchTest::SetUp();
    server_ = std::make_unique<TestServer>(&http_);
  }
  void TearDown() override {
    server_.reset();
    FetchTest::TearDown();
  }
  std::string Url(const std::string& path, const std::string& userinfo = "") const {
    return "http://" + userinfo + "127.0.0.1:" + std::to_string(server_->port()) + path;
  }

  httplib::Server http_;
  std::unique_ptr<TestServer> server_;
};

TEST_F(FetchUrlTest, AMatchingChecksumWritesTheFile) {
  const auto r = Fetch({"--url", Url("/power.csv"), "--sha256", kCsvSha256, "--out", Path("power.csv")});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(ReadText(Path("power.csv")), kCsv);
  EXPECT_THAT(r.out, HasSubstr("3 rows"));
  EXPECT_THAT(Leftovers({"power.csv"}), ::testing::IsEmpty());
}

TEST_F(FetchUrlTest, AChecksumMismatchWritesNothingAndKeepsTheOldFile) {
  std::ofstream(Path("power.csv")) << "old\n";
  const std::string wrong(64, 'a');
  const auto r = Fetch({"--url", Url("/power.csv"), "--sha256", wrong, "--out", Path("power.csv")});
  EXPECT_EQ(r.code, 2) << r.err;
  EXPECT_THAT(r.err, HasSubstr("SHA-256 mismatch"));
  EXPECT_THAT(r.err, HasSubstr(kCsvSha256));
  EXPECT_THAT(r.err, HasSubstr("nothing was written"));
  EXPECT_EQ(ReadText(Path("power.csv")), "old\n");
  EXPECT_THAT(Leftovers({"power.csv"}), ::testing::IsEmpty());
  EXPECT_EQ(server_->hits("power"), 1);  // a mismatch is not retried
}

TEST_F(FetchUrlTest, A500ThenA200IsRetried) {
  // Credentials too: the retry's message and the summary line redact them.
  const auto r = Fetch({"--url", Url("/flaky.csv?token=abc123", "reader:hunter2@"), "--sha256", kCsvSha256,
                        "--out", Path("power.csv"), "--retry-backoff", "0.05"});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(server_->hits("flaky"), 2);
  EXPECT_THAT(r.err, HasSubstr("http://127.0.0.1:"));  // the user info removed whole
  EXPECT_THAT(r.err, HasSubstr("/flaky.csv?token=REDACTED"));
  EXPECT_THAT(r.err, HasSubstr("HTTP 500; retrying in"));
  EXPECT_THAT(r.err + r.out, Not(HasSubstr("hunter2")));
  EXPECT_THAT(r.err + r.out, Not(HasSubstr("abc123")));
  EXPECT_EQ(ReadText(Path("power.csv")), kCsv);
}

TEST_F(FetchUrlTest, AServerThatStaysDownIsExit1AfterTheRetries) {
  const auto r = Fetch(
      {"--url", Url("/down.csv"), "--out", Path("power.csv"), "--retries", "2", "--retry-backoff", "0.05"});
  EXPECT_EQ(r.code, 1) << r.err;
  EXPECT_EQ(server_->hits("down"), 3);
  EXPECT_THAT(r.err, HasSubstr("HTTP 503"));
  EXPECT_THAT(r.err, HasSubstr("after 3 attempts"));
  EXPECT_THAT(Leftovers({}), ::testing::IsEmpty());
}

TEST_F(FetchUrlTest, CredentialsInTheUrlAreRedactedInEveryMessage) {
  const auto r =
      Fetch({"--url", Url("/secret.csv?token=abc123", "reader:hunter2@"), "--out", Path("power.csv")});
  EXPECT_EQ(r.code, 2) << r.err;
  EXPECT_THAT(r.err, HasSubstr("HTTP 404"));
  EXPECT_THAT(r.err, HasSubstr("/secret.csv?token=REDACTED"));
  EXPECT_THAT(r.err + r.out, Not(HasSubstr("hunter2")));
  EXPECT_THAT(r.err + r.out, Not(HasSubstr("abc123")));
}

TEST_F(FetchUrlTest, ContentThatIsNoCsvIsRefused) {
  const auto r = Fetch({"--url", Url("/not-csv"), "--out", Path("power.csv")});
  EXPECT_EQ(r.code, 2) << r.err;
  EXPECT_THAT(r.err, HasSubstr("/not-csv"));
  EXPECT_THAT(Leftovers({}), ::testing::IsEmpty());
}

// A server that promises 1000 bytes, sends a few and closes the connection, `times` times.
class TruncatingServer {
 public:
  explicit TruncatingServer(int times) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t length = sizeof addr;
    if (::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 || ::listen(fd_, 8) != 0 ||
        ::getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &length) != 0) {
      throw std::runtime_error("cannot listen");
    }
    port_ = ntohs(addr.sin_port);
    thread_ = std::thread([this, times] {
      for (int i = 0; i < times; ++i) {
        const int client = ::accept(fd_, nullptr, nullptr);
        if (client < 0) return;
        char request[4096];
        (void)::recv(client, request, sizeof request, 0);
        const std::string answer =
            "HTTP/1.1 200 OK\r\nContent-Type: text/csv\r\nContent-Length: 1000\r\n\r\ntime,power_mw\n2024-";
        (void)::send(client, answer.data(), answer.size(), MSG_NOSIGNAL);
        ::close(client);
        ++served_;
      }
    });
  }
  ~TruncatingServer() {
    ::shutdown(fd_, SHUT_RDWR);
    thread_.join();
    ::close(fd_);
  }
  int port() const { return port_; }
  int served() const { return served_.load(); }

 private:
  int fd_ = -1;
  int port_ = 0;
  std::atomic<int> served_{0};
  std::thread thread_;
};

TEST_F(FetchUrlTest, ATruncatedDownloadIsRetriedThenExit1AndNothingIsLeft) {
  std::ofstream(Path("power.csv")) << "old\n";
  TruncatingServer truncating(2);
  const auto r = Fetch({"--url", "http://127.0.0.1:" + std::to_string(truncating.port()) + "/power.csv",
                        "--out", Path("power.csv"), "--retries", "1", "--retry-backoff", "0.05"});
  EXPECT_EQ(r.code, 1) << r.err;
  EXPECT_EQ(truncating.served(), 2);
  EXPECT_THAT(r.err, HasSubstr("retrying"));
  EXPECT_THAT(r.err, HasSubstr("bytes remaining to read after 2 attempts"));
  EXPECT_EQ(ReadText(Path("power.csv")), "old\n");
  EXPECT_THAT(Leftovers({"power.csv"}), ::testing::IsEmpty());
}

// https with the test's own CA: trusted through --ca-file, refused without it.
TEST_F(FetchUrlTest, HttpsWithAGivenCa) {
  const Output made = RunProcess({"openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout",
                                  Path("key.pem"), "-out", Path("cert.pem"), "-days", "1", "-subj",
                                  "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1"});
  ASSERT_EQ(made.code, 0) << made.err;
  httplib::SSLServer https(Path("cert.pem").c_str(), Path("key.pem").c_str());
  ASSERT_TRUE(https.is_valid());
  https.Get("/power.csv",
            [](const httplib::Request&, httplib::Response& res) { res.set_content(kCsv, "text/csv"); });
  const int port = https.bind_to_any_port("127.0.0.1");
  std::thread thread([&] { https.listen_after_bind(); });
  const std::string url = "https://127.0.0.1:" + std::to_string(port) + "/power.csv";
  const auto trusted = Fetch(
      {"--url", url, "--ca-file", Path("cert.pem"), "--sha256", kCsvSha256, "--out", Path("power.csv")});
  const auto untrusted = Fetch({"--url", url, "--out", Path("other.csv")});
  https.stop();
  thread.join();
  ASSERT_EQ(trusted.code, 0) << trusted.err;
  EXPECT_EQ(ReadText(Path("power.csv")), kCsv);
  EXPECT_EQ(untrusted.code, 2) << untrusted.err;
  EXPECT_THAT(untrusted.err, HasSubstr("certificate"));
  EXPECT_FALSE(std::filesystem::exists(Path("other.csv")));
}

}  // namespace
}  // namespace seed::fetch_test
