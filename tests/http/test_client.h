// A minimal HTTP/1.1 client over raw POSIX sockets, for testing the real server: full control
// over what is sent and when (slow headers, partial bodies, abrupt disconnects), and no Beast
// in the tests (fast to compile).
#pragma once

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "http/server.h"

namespace pasaprod::http::testing {

using Headers = std::vector<std::pair<std::string, std::string>>;

struct ClientResponse {
  int status = 0;
  Headers headers;
  std::string body;
  // First header named `name` (case-insensitive), nullopt when absent.
  std::optional<std::string> header(std::string_view name) const;
  // The body parsed as JSON (null when it is not JSON).
  nlohmann::json json() const;
};

class TestConnection {
 public:
  // Connects to 127.0.0.1:port. connected() tells whether it worked.
  explicit TestConnection(std::uint16_t port);
  ~TestConnection();
  TestConnection(const TestConnection&) = delete;
  TestConnection& operator=(const TestConnection&) = delete;

  bool connected() const { return fd_ >= 0; }
  // Sends everything; false when the connection failed.
  bool send(std::string_view data);
  // Reads one response (skipping 100 Continue unless `stop_at_continue`). `head`: a HEAD
  // response (no body whatever Content-Length says). nullopt when the connection closed or
  // nothing complete arrived within `timeout`.
  std::optional<ClientResponse> read_response(bool head = false,
                                              std::chrono::milliseconds timeout = std::chrono::seconds(10),
                                              bool stop_at_continue = false);
  // True when the server closes the connection within `timeout` (buffered data is discarded).
  bool wait_closed(std::chrono::milliseconds timeout);
  // Closes abruptly (RST when unread data is pending is fine).
  void close();

 private:
  // Reads until buf_ holds at least `n` bytes; false on close/timeout.
  bool fill(std::size_t n, std::chrono::steady_clock::time_point deadline);
  int fd_ = -1;
  std::string buf_;
};

// "METHOD target HTTP/1.1" with Host, the given headers, Content-Length when body is not
// empty, and the body.
std::string make_request(std::string_view method, std::string_view target,
                         const Headers& headers = {}, std::string_view body = {});

// Opens a connection, sends one request, reads its response.
std::optional<ClientResponse> fetch(std::uint16_t port, std::string_view method,
                                    std::string_view target, const Headers& headers = {},
                                    std::string_view body = {});

// Server config for tests: 127.0.0.1, ephemeral port, 2 threads, short timeouts, logs captured
// by `log` when given (else discarded).
class LogCapture;
ServerConfig test_config(LogCapture* log = nullptr);

// Thread-safe collector of request log entries.
class LogCapture {
 public:
  void add(const RequestLogEntry& e);
  std::vector<RequestLogEntry> entries() const;
  // Waits until an entry for `path` is there; returns it.
  std::optional<RequestLogEntry> wait_for(std::string_view path,
                                          std::chrono::milliseconds timeout = std::chrono::seconds(5)) const;
  // Waits until an entry satisfies `pred`; returns it.
  std::optional<RequestLogEntry> wait_until(const std::function<bool(const RequestLogEntry&)>& pred,
                                            std::chrono::milliseconds timeout = std::chrono::seconds(5)) const;

 private:
  mutable std::mutex mu_;
  mutable std::condition_variable cv_;
  std::vector<RequestLogEntry> entries_;  // GUARDED_BY(mu_)
};

}  // namespace pasaprod::http::testing
