// Internal to the server (server.cc, session.cc): state shared between HttpServer and its
// connection sessions. Not part of the public API.
#pragma once

#include <utility>  // before Asio: g++ 12 + Boost 1.74 awaitable needs std::exchange

#include <atomic>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/thread_pool.hpp>

#include "http/server.h"
#include "http/trusted_proxy.h"

namespace pasaprod::http::detail {

// What the server may ask of a live session. Both calls return at once and may be made from
// any thread: the work is posted to the session's strand.
class SessionHandle {
 public:
  virtual ~SessionHandle() = default;
  // Closes the connection if it is waiting for (or still reading the headers of) a request.
  virtual void close_if_idle() = 0;
  // Closes the connection whatever it is doing; an upload in progress is aborted.
  virtual void force_close() = 0;
};

// Shared by the server and every session. Lives until every session is destroyed.
struct ServerCore {
  ServerConfig config;
  RouteTable routes;
  RequestLogger request_logger;          // never null
  std::shared_ptr<spdlog::logger> log;   // never null
  std::atomic<bool> stopping{false};     // set once, when the graceful stop begins
  TrustedProxies proxies;                // from config.trusted_proxies; set before the first accept
  std::atomic<std::int64_t> in_flight{0};  // requests whose headers are in and not yet answered
  // Runs application code (authenticator, handlers, body sinks); set before the first accept,
  // joined after the last session ended and before the I/O threads stop.
  std::unique_ptr<boost::asio::thread_pool> handlers;

  std::mutex mu;
  std::condition_variable sessions_changed;  // notified when a session ends
  // Live sessions. GUARDED_BY(mu)
  std::unordered_map<SessionHandle*, std::weak_ptr<SessionHandle>> sessions;
  // Live sessions per client address (entries removed at 0). GUARDED_BY(mu)
  std::unordered_map<std::string, std::size_t> per_address;
  // 503 answers under way for connections over a limit. GUARDED_BY(mu)
  std::size_t refusing = 0;
};

// Serves `socket` (whose executor must be a strand) in a new session registered in `core`.
// The session unregisters itself (and notifies sessions_changed) when it ends.
// `address` is the peer's address, already counted in core.per_address by the caller.
void spawn_session(ServerCore& core, boost::asio::ip::tcp::socket socket, std::string address);

// Answers `socket` with 503 `why` (Connection: close) and closes it, within a few seconds.
// The caller counted it in core.refusing; this uncounts it when done.
void spawn_refusal(ServerCore& core, boost::asio::ip::tcp::socket socket, Error why);

}  // namespace pasaprod::http::detail
