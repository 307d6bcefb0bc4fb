// kube-emulator: the test API emulator. Test-only; see README.md.
#include <malloc.h>
#include <signal.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <thread>

#include "kube-emulator/server/emulator.h"
#include "kube-emulator/server/http_server.h"

namespace {

void WritePortFile(const std::string& path, int port) {
  std::string temp = path + ".tmp";
  {
    std::ofstream out(temp);
    out << port << "\n";
    if (!out) throw std::runtime_error("cannot write the port file " + temp);
  }
  std::filesystem::rename(temp, path);
}

}  // namespace

int main(int argc, char** argv) {
  // A burst of writes grows the heap by thousands of objects and their history at once; with glibc's
  // defaults the arenas grew (and trimmed back) a few pages at a time, an mprotect or brk per step:
  // ~5 % of the emulator's CPU in a burst of creates. Grow in large steps and never give memory back
  // (the emulator is short-lived and test-only).
  mallopt(M_TOP_PAD, 64 << 20);
  mallopt(M_TRIM_THRESHOLD, 1 << 30);
  CLI::App app{"The test API emulator: an in-memory API server for tests (never for production)."};
  std::string listen = "127.0.0.1:0";
  std::string port_file;
  std::vector<std::string> tokens;
  std::vector<std::string> groups;
  std::string authorization = "none";
  kubeemu::ServerOptions server_options;
  kubeemu::EmulatorConfig config;
  app.add_option("--listen", listen, "host:port to listen on (port 0: any free port)");
  app.add_option("--port-file", port_file, "write the bound port here (atomically) once listening");
  app.add_option("--tls-cert", server_options.tls_cert, "server certificate (PEM); serves HTTPS")->check(CLI::ExistingFile);
  app.add_option("--tls-key", server_options.tls_key, "server private key (PEM)")->check(CLI::ExistingFile);
  app.add_option("--client-ca", server_options.client_ca, "CA (PEM) for client certificates; a verified certificate's CN is the user")
      ->check(CLI::ExistingFile);
  app.add_option("--token", tokens, "TOKEN=USER: an accepted bearer token and its user (repeatable)");
  app.add_option("--groups", groups,
                 "USER=GROUP[,GROUP...]: the groups of a user (repeatable), e.g. system:masters");
  app.add_option("--authorization", authorization,
                 "none: allow every authenticated request; rbac: check each "
                 "against the stored Roles, ClusterRoles and their bindings")
      ->check(CLI::IsMember({"none", "rbac"}))
      ->capture_default_str();
  app.add_flag("--gateway-api", config.gateway_api, "serve gateway.networking.k8s.io/v1 HTTPRoutes");
  app.add_option("--pod-log-dir", config.pod_log_dir,
                 "pods/NAME/log serves DIR/NAME.log (a test's pod runner writes them); default: empty logs");
  app.add_option("--history", config.history, "watch history window (events kept)")->check(CLI::Range(1, 10000000));
  app.add_option("--bookmark-interval-ms", server_options.bookmark_interval_ms, "interval between watch BOOKMARK events")
      ->check(CLI::Range(10, 3600000));
  app.add_option("--threads", server_options.threads, "server threads (each open watch holds one)")->check(CLI::Range(4, 4096));
  kubeemu::LatencySettings latency;
  app.add_option("--write-latency-ms", latency.write_ms,
                 "latency model: median delay of each write, as a real server's etcd round trip (0: none)");
  app.add_option("--read-latency-ms", latency.read_ms,
                 "latency model: median delay of each get and list (0: none)");
  app.add_option("--latency-jitter", latency.jitter,
                 "latency model: sigma of the log-normal delay (0.5: p99 = 3.2 x median)");
  app.add_option("--writes-per-second", latency.writes_per_second,
                 "latency model: the server's write ceiling; a burst queues for 1/N s slots (0: none)");
  app.add_flag("-v,--verbose", server_options.verbose, "log every API request to stderr");
  CLI11_PARSE(app, argc, argv);

  auto colon = listen.rfind(':');
  try {
    if (colon == std::string::npos) throw std::invalid_argument("no port");
    server_options.host = listen.substr(0, colon);
    server_options.port = std::stoi(listen.substr(colon + 1));
  } catch (const std::exception&) {
    std::cerr << "kube-emulator: --listen \"" << listen << "\" must be HOST:PORT, e.g. 127.0.0.1:0\n";
    return 2;
  }
  if (server_options.tls_cert.empty() != server_options.tls_key.empty()) {
    std::cerr << "kube-emulator: --tls-cert and --tls-key go together\n";
    return 2;
  }
  if (!server_options.client_ca.empty() && server_options.tls_cert.empty()) {
    std::cerr << "kube-emulator: --client-ca needs HTTPS (--tls-cert and --tls-key)\n";
    return 2;
  }
  for (const auto& token : tokens) {
    auto eq = token.find('=');
    if (eq == std::string::npos || eq == 0 || eq + 1 == token.size()) {
      std::cerr << "kube-emulator: --token \"" << token << "\" must be TOKEN=USER\n";
      return 2;
    }
    server_options.tokens[token.substr(0, eq)] = token.substr(eq + 1);
  }
  for (const auto& entry : groups) {
    auto eq = entry.find('=');
    if (eq == std::string::npos || eq == 0 || eq + 1 == entry.size()) {
      std::cerr << "kube-emulator: --groups \"" << entry << "\" must be USER=GROUP[,GROUP...]\n";
      return 2;
    }
    auto& user_groups = server_options.groups[entry.substr(0, eq)];
    std::string rest = entry.substr(eq + 1);
    for (size_t start = 0; start <= rest.size();) {
      size_t comma = std::min(rest.find(',', start), rest.size());
      if (comma > start) user_groups.push_back(rest.substr(start, comma - start));
      start = comma + 1;
    }
  }
  config.rbac = authorization == "rbac";

  // Signals go to one thread that shuts the server down; every other thread has them blocked.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  try {
    kubeemu::Emulator emulator(config);
    try {
      emulator.latency().Configure(latency);
    } catch (const std::invalid_argument& error) {
      std::cerr << "kube-emulator: latency model: " << error.what() << "\n";
      return 2;
    }
    kubeemu::HttpServer server(emulator, server_options);
    int port = server.Bind();
    if (!port_file.empty()) WritePortFile(port_file, port);
    std::cout << "listening on " << server.Url() << std::endl;
    std::thread signal_thread([&] {
      int signal_number = 0;
      sigwait(&signals, &signal_number);
      server.Shutdown();
    });
    server.Run();
    // Run only returns after Shutdown, or on a fatal error; make sure the signal thread can finish.
    pthread_kill(signal_thread.native_handle(), SIGTERM);
    signal_thread.join();
  } catch (const std::exception& error) {
    std::cerr << "kube-emulator: " << error.what() << "\n";
    return 1;
  }
  return 0;
}
