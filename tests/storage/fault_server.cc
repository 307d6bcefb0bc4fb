#include "fault_server.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <stdexcept>

namespace seed::storage_test {
namespace {

void SendAll(int fd, const std::string& data) {
  size_t done = 0;
  while (done < data.size()) {
    const ssize_t n = ::send(fd, data.data() + done, data.size() - done, MSG_NOSIGNAL);
    if (n <= 0) return;
    done += static_cast<size_t>(n);
  }
}

}  // namespace

FaultServer::FaultServer(Behaviour behaviour) : behaviour_(std::move(behaviour)) {
  listener_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address.sin_port = 0;
  socklen_t length = sizeof address;
  if (listener_ < 0 || ::bind(listener_, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 ||
      ::listen(listener_, 16) != 0 ||
      ::getsockname(listener_, reinterpret_cast<sockaddr*>(&address), &length) != 0)
    throw std::runtime_error("fault server: cannot listen on 127.0.0.1");
  port_ = ntohs(address.sin_port);
  thread_ = std::thread([this] { Serve(); });
}

FaultServer::~FaultServer() {
  stop_ = true;
  thread_.join();
  ::close(listener_);
}

void FaultServer::Serve() {
  while (!stop_) {
    pollfd p{listener_, POLLIN, 0};
    if (::poll(&p, 1, 50) <= 0) continue;  // wakes to notice stop_
    const int client = ::accept4(listener_, nullptr, nullptr, SOCK_CLOEXEC);
    if (client < 0) continue;
    std::string request;
    char buffer[4096];
    while (request.find("\r\n\r\n") == std::string::npos) {
      pollfd c{client, POLLIN, 0};
      if (::poll(&c, 1, 2000) <= 0) break;
      const ssize_t n = ::recv(client, buffer, sizeof buffer, 0);
      if (n <= 0) break;
      request.append(buffer, static_cast<size_t>(n));
    }
    // Read the body too (PUT), so closing the connection never resets it under the client.
    const size_t header_end = request.find("\r\n\r\n");
    std::string lower = request.substr(0, header_end);
    std::transform(lower.begin(), lower.end(), lower.begin(),
                   [](unsigned char c) { return std::tolower(c); });
    if (const size_t at = lower.find("\r\ncontent-length:");
        at != std::string::npos && header_end != std::string::npos) {
      const size_t length = std::strtoull(lower.c_str() + at + 17, nullptr, 10);
      while (request.size() < header_end + 4 + length) {
        pollfd c{client, POLLIN, 0};
        if (::poll(&c, 1, 2000) <= 0) break;
        const ssize_t n = ::recv(client, buffer, sizeof buffer, 0);
        if (n <= 0) break;
        request.append(buffer, static_cast<size_t>(n));
      }
    }
    const int index = requests_++;
    const bool head = request.rfind("HEAD ", 0) == 0;
    std::string answer;
    const size_t path_start = request.find(' ') + 1;
    const std::string path = request.substr(path_start, request.find(' ', path_start) - path_start);
    if (!behaviour_.redirect_to.empty() && path != behaviour_.redirect_to) {
      answer = "HTTP/1.1 302 Found\r\nLocation: " + behaviour_.redirect_to +
               "\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";
    } else if (index < behaviour_.failures) {
      const std::string body =
          "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>SlowDown</Code><Message>Please reduce "
          "your "
          "request rate.</Message></Error>";
      answer = "HTTP/1.1 " + std::to_string(behaviour_.failure_status) +
               " Service Unavailable\r\nContent-Type: application/xml\r\nContent-Length: " +
               std::to_string(body.size()) + "\r\nConnection: close\r\n\r\n" + body;
    } else {
      const std::string& body = behaviour_.body;
      answer = "HTTP/1.1 200 OK\r\nContent-Type: text/csv\r\nContent-Length: " + std::to_string(body.size()) +
               "\r\nConnection: close\r\n\r\n";
      if (!head) answer += behaviour_.truncate ? body.substr(0, body.size() / 2) : body;
    }
    {
      const std::lock_guard lock(mutex_);
      last_request_ = request.substr(0, header_end);
    }
    SendAll(client, answer);
    ::shutdown(client, SHUT_RDWR);
    ::close(client);
  }
}

}  // namespace seed::storage_test
