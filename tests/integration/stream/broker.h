#pragma once
// A real Mosquitto broker for the tests, on loopback: a plain listener (anonymous) and a TLS
// listener (a CA and server certificate made with openssl for localhost/127.0.0.1, a password
// file made with mosquitto_passwd), persistence on (sessions and queued QoS 1 messages survive a
// restart), no per-client queue limit. Restart() stops it (SIGTERM, it saves its database) and
// starts it again on the same ports.
#include <memory>
#include <string>

#include "child_process.h"

namespace seed::stream_test {

class Broker {
 public:
  explicit Broker(std::string dir);  // dir: an empty directory of the test's
  ~Broker();

  void Start();
  void Stop();
  void Restart() {
    Stop();
    Start();
  }

  int port() const { return port_; }
  int tls_port() const { return tls_port_; }
  std::string ca_file() const { return dir_ + "/ca.crt"; }
  static constexpr char kUser[] = "seed";
  static constexpr char kPassword[] = "s3cret-pass";

 private:
  std::string dir_;
  int port_ = 0;
  int tls_port_ = 0;
  std::unique_ptr<ChildProcess> process_;
};

}  // namespace seed::stream_test
