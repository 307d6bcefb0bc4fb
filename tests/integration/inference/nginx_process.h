#pragma once
// nginx from Debian as a test's proxy on loopback: an unprivileged child process (dropped to
// nobody when the test runs as root) with a config generated from testdata/nginx.conf.in in a
// directory of the test's, every path it writes inside that directory, listening on a free
// 127.0.0.1 port that is verified (a port taken in the meantime is retried with another).
// Reload() is `nginx -s reload`: the master starts workers with the new config and the previous
// workers finish the requests they hold, then exit.
#include <sys/types.h>

#include <chrono>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace seed::stream_test {
class ChildProcess;
}

namespace seed::inference_testing {

// The blocks that differ between configs: upstream blocks (inside http) and the locations of the
// one server.
struct NginxSite {
  std::string upstreams;
  std::string locations;
};

// One backend of a weighted upstream: a server on 127.0.0.1 and its share.
struct NginxBackend {
  int port = 0;
  int weight = 0;  // 0: left out of the upstream (nginx has no weight 0)
};

// The HTTPRoute's stand-in: upstream `name` with the backends that have a weight, keep-alive
// connections to them (idle ones dropped before the model server's own idle timeout would close
// them), and every path proxied to it over HTTP/1.1. nginx's defaults stay: a POST is passed to
// another backend only when it could not be sent (a refused connect), never after it was sent.
NginxSite WeightedProxySite(const std::string& name, const std::vector<NginxBackend>& backends);

class NginxProcess {
 public:
  // dir: an empty directory of the test's (made traversable and given to the nginx user; its
  // parents must be traversable by that user).
  explicit NginxProcess(std::string dir, int workers = 1);
  ~NginxProcess();  // stops nginx (SIGQUIT, then SIGKILL after a bound)
  NginxProcess(const NginxProcess&) = delete;
  NginxProcess& operator=(const NginxProcess&) = delete;

  // Writes the config and starts nginx; returns once it answers on its port. Throws with the
  // error log when it does not start.
  void Start(const NginxSite& site);
  // Writes the new config and signals a reload (SIGHUP, what `nginx -s reload` sends); returns
  // once a new connection is answered by the new config. Throws when nginx refuses the config
  // (it keeps serving the old one) or does not take it within the bound.
  void Reload(const NginxSite& site);
  // True once only the current workers are left: the previous configs' workers have finished
  // their requests and exited, so nothing routes by an older config any more.
  bool WaitPreviousWorkersGone(std::chrono::milliseconds timeout) const;
  // Graceful stop (SIGQUIT); the exit status, or -1 when it had to be killed.
  int Stop();

  int port() const { return port_; }
  pid_t pid() const;
  int generation() const { return generation_; }
  std::string ErrorLog() const;

 private:
  void WriteConfig(const NginxSite& site) const;
  int AnsweredGeneration() const;  // -1 when nothing answers
  std::vector<pid_t> Workers() const;

  std::string dir_;
  int workers_;
  int port_ = 0;
  int generation_ = 0;
  std::unique_ptr<stream_test::ChildProcess> process_;
};

}  // namespace seed::inference_testing
