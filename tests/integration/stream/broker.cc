#include "broker.h"

#include <signal.h>

#include <filesystem>
#include <fstream>
#include <stdexcept>

namespace seed::stream_test {

Broker::Broker(std::string dir) : dir_(std::move(dir)) {
  const std::string log = dir_ + "/setup.log";
  const std::vector<std::vector<std::string>> steps = {
      {"/usr/bin/openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
       "-nodes", "-keyout", dir_ + "/ca.key", "-out", dir_ + "/ca.crt", "-days", "2", "-subj",
       "/CN=seed-test-ca"},
      {"/usr/bin/openssl", "req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
       "-keyout", dir_ + "/server.key", "-out", dir_ + "/server.csr", "-subj", "/CN=localhost"},
      {"/usr/bin/openssl", "x509", "-req", "-in", dir_ + "/server.csr", "-CA", dir_ + "/ca.crt", "-CAkey",
       dir_ + "/ca.key", "-CAcreateserial", "-out", dir_ + "/server.crt", "-days", "2", "-extfile",
       dir_ + "/san.cnf"},
      {SEED_MOSQUITTO_PASSWD, "-c", "-b", dir_ + "/passwd", kUser, kPassword},
  };
  std::ofstream(dir_ + "/san.cnf") << "subjectAltName=DNS:localhost,IP:127.0.0.1\n";
  for (const auto& step : steps) {
    if (!RunCommand(step, log))
      throw std::runtime_error("broker setup failed: " + step[0] + " (see " + log + ")");
  }
  std::filesystem::create_directories(dir_ + "/db");
  port_ = FreePort();
  tls_port_ = FreePort();
  std::ofstream(dir_ + "/mosquitto.conf")
      << "user root\n"  // only read when run as root: stay root, so the test's files stay readable
      << "per_listener_settings true\n"
      << "persistence true\npersistence_location " << dir_ << "/db/\n"
      << "max_queued_messages 0\n"
      << "listener " << port_ << " 127.0.0.1\nallow_anonymous true\n"
      << "listener " << tls_port_ << " 127.0.0.1\nallow_anonymous false\npassword_file " << dir_
      << "/passwd\n"
      << "cafile " << ca_file() << "\ncertfile " << dir_ << "/server.crt\nkeyfile " << dir_
      << "/server.key\n";
  Start();
}

Broker::~Broker() { Stop(); }

void Broker::Start() {
  process_ = std::make_unique<ChildProcess>(
      std::vector<std::string>{SEED_MOSQUITTO, "-c", dir_ + "/mosquitto.conf"}, dir_ + "/mosquitto.log");
  if (!WaitForPort(port_, std::chrono::seconds(10)) || !WaitForPort(tls_port_, std::chrono::seconds(10))) {
    throw std::runtime_error("mosquitto did not listen within 10 s: " + process_->Log());
  }
}

void Broker::Stop() {
  if (!process_) return;
  process_->Signal(SIGTERM);
  process_->Wait(std::chrono::seconds(10));
  process_.reset();
}

}  // namespace seed::stream_test
