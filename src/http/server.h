// The HTTP/1.1 server (Boost.Beast/Asio underneath, hidden from users of this header).
//
//   RouteTable routes;  ... routes.add(...) ...
//   ServerConfig config;
//   config.host = "0.0.0.0";
//   config.port = 8080;
//   config.stop_on_signals = true;         // SIGTERM/SIGINT → graceful stop
//   HttpServer server(config, std::move(routes));
//   if (Status s = server.start(); !s) return fail(s.error());
//   server.wait();                          // returns after a graceful stop
//
// Each connection is an asynchronous session (a coroutine on its own strand); handlers run on
// the server's `threads` worker threads. Idle or slow connections cost a socket and a few KiB,
// never a thread. Keep-alive, header/body/upload limits and timeouts are enforced here; errors
// produced by the server itself are problem+json in the caller's language.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/status.h"
#include "http/request_log.h"
#include "http/route.h"

namespace spdlog {
class logger;
}

namespace pasaprod::http {

struct ServerConfig {
  std::string host = "127.0.0.1";  // address to bind (IPv4 or IPv6 literal)
  std::uint16_t port = 8080;       // 0 = an ephemeral port (see HttpServer::port())
  // I/O threads (>= 1) run the connections: reading, parsing, writing, never application code.
  int threads = 2;
  // Handler threads (>= 1) run the authenticator, the handlers and the body sinks, so a slow
  // handler (a PDF, a deploy's re-hash, argon2, a slow disk) never stalls other connections.
  // Handlers block on the disk, so more than the cores pay; 4 suits a 2-core machine.
  int handler_threads = 4;
  // Connections served at once, in all and from one client address. A connection beyond either
  // limit is answered 503 (problem+json, Connection: close) while fewer than
  // `connection_reserve` such answers are under way; beyond that it is closed on accept.
  std::size_t max_connections = 10000;
  std::size_t max_connections_per_address = 256;
  std::size_t connection_reserve = 64;
  // Reverse proxies (addresses or CIDR ranges) whose X-Forwarded-For names the client: see
  // trusted_proxy.h. Empty = the peer's address is the client. Checked by start().
  std::vector<std::string> trusted_proxies;

  std::size_t max_header_bytes = 16 * 1024;            // request line + headers → 431
  std::uint64_t max_json_bytes = 1024 * 1024;          // none/json/form bodies → 413
  std::uint64_t max_upload_bytes = 4ull << 30;         // stream bodies → 413
  std::size_t upload_chunk_bytes = 256 * 1024;         // BodySink::write() size at most

  std::chrono::milliseconds header_timeout{10'000};  // first byte → complete headers
  std::chrono::milliseconds idle_timeout{30'000};    // keep-alive wait for the next request
  std::chrono::milliseconds body_timeout{30'000};    // no body byte for this long → close
  std::chrono::milliseconds write_timeout{30'000};   // no response byte accepted for this long
  std::chrono::milliseconds shutdown_grace{10'000};  // stop(): in-flight requests get this long

  bool stop_on_signals = false;    // SIGTERM/SIGINT request a graceful stop (see wait())
  RequestLogger request_logger;    // null = spdlog_request_logger(logger)
  std::shared_ptr<spdlog::logger> logger;  // server diagnostics; null = spdlog default logger
};

class HttpServer {
 public:
  HttpServer(ServerConfig config, RouteTable routes);
  // Stops (gracefully) if running.
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // Binds, listens and starts the worker threads. Errors: invalid_argument for a bad host or
  // config, internal when the address cannot be bound (in use, no permission). Call once.
  Status start();

  // The bound port (the ephemeral one when config.port was 0). REQUIRES: start() succeeded.
  std::uint16_t port() const;

  // Asks for a graceful stop and returns at once; safe from any thread, handlers and signal
  // handling included. The stop itself is carried out by wait().
  void request_stop();

  // Blocks until a stop is requested (request_stop(), a signal, stop()), then stops gracefully:
  // stops accepting, closes idle connections, lets in-flight requests finish and answers them
  // with "Connection: close" (bounded by shutdown_grace; afterwards connections are closed and
  // unfinished uploads aborted), then joins the threads. Returns at once if never started.
  // REQUIRES: not called from a handler (it would wait for itself).
  void wait();

  // request_stop() + wait(). Idempotent. REQUIRES: not called from a handler.
  void stop();

  // Requests whose headers are in and whose answer is not yet sent (for metrics). Thread-safe.
  std::int64_t requests_in_flight() const;

  // Connections currently open (for tests and metrics).
  std::size_t TEST_connection_count() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// Parses "HOST:PORT" ("127.0.0.1:8080", "0.0.0.0:80", "[::1]:8080", ":8080" = all IPv4
// interfaces, "localhost:8080"). Error: invalid_argument "http.bad_listen".
Result<std::pair<std::string, std::uint16_t>> parse_listen(std::string_view text);

}  // namespace pasaprod::http
