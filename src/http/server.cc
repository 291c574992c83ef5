// Server lifecycle: bind, accept loop, worker threads, graceful stop.
#include "http/session.h"  // first: it includes <utility> before Asio

#include <charconv>
#include <csignal>
#include <optional>
#include <thread>
#include <vector>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "http/errors.h"

namespace pasaprod::http {

namespace net = boost::asio;
using tcp = net::ip::tcp;

struct HttpServer::Impl {
  // Declared first: destroyed last, after every session (they unregister from it).
  detail::ServerCore core;

  std::optional<net::io_context> ioc;
  std::optional<net::executor_work_guard<net::io_context::executor_type>> work;
  std::optional<net::strand<net::io_context::executor_type>> accept_strand;
  std::optional<tcp::acceptor> acceptor;  // used on accept_strand only
  std::optional<net::signal_set> signals;
  std::vector<std::thread> threads;
  std::uint16_t port = 0;

  std::mutex mu;
  std::condition_variable cv;
  bool started = false;           // GUARDED_BY(mu)
  bool stop_requested = false;    // GUARDED_BY(mu)
  bool shutdown_begun = false;    // GUARDED_BY(mu)
  bool stopped = false;           // GUARDED_BY(mu)

  net::awaitable<void> accept_loop();
  void shutdown();
  // Posts `what` to every live session.
  void for_each_session(void (detail::SessionHandle::*what)());
  // Waits until no session is left or `deadline`; true when none is left.
  bool wait_sessions(std::chrono::steady_clock::time_point deadline);
};

net::awaitable<void> HttpServer::Impl::accept_loop() {
  for (;;) {
    boost::system::error_code ec;
    tcp::socket socket = co_await acceptor->async_accept(
        net::make_strand(*ioc), net::redirect_error(net::use_awaitable, ec));
    if (ec == net::error::operation_aborted || core.stopping) co_return;
    if (ec) {  // EMFILE and the like: back off instead of spinning
      core.log->warn("http: accept failed: {}", ec.message());
      net::steady_timer timer(co_await net::this_coro::executor, std::chrono::milliseconds(50));
      co_await timer.async_wait(net::redirect_error(net::use_awaitable, ec));
      continue;
    }
    std::string address;
    if (auto peer = socket.remote_endpoint(ec); !ec) address = peer.address().to_string();
    enum class Fate { serve, refuse, drop } fate = Fate::serve;
    std::size_t live = 0;
    bool per_address = false;
    {
      std::lock_guard lock(core.mu);
      live = core.sessions.size();
      auto it = core.per_address.find(address);
      const std::size_t mine = it == core.per_address.end() ? 0 : it->second;
      per_address = mine >= core.config.max_connections_per_address;
      if (live < core.config.max_connections && !per_address) {
        ++core.per_address[address];
      } else if (core.refusing < core.config.connection_reserve) {
        ++core.refusing;
        fate = Fate::refuse;
      } else {
        fate = Fate::drop;
      }
    }
    if (fate != Fate::serve) {
      core.log->warn("http: {} connections open ({} limit), {} one from {}", live, per_address ? "per-address" : "server",
                     fate == Fate::refuse ? "answering 503 to" : "dropping", address);
      if (fate == Fate::drop) {
        socket.close(ec);
      } else {
        detail::spawn_refusal(core, std::move(socket),
                              http::err_too_many_connections(per_address ? core.config.max_connections_per_address
                                                                         : core.config.max_connections,
                                                             per_address));
      }
      continue;
    }
    detail::spawn_session(core, std::move(socket), std::move(address));
  }
}

void HttpServer::Impl::for_each_session(void (detail::SessionHandle::*what)()) {
  std::vector<std::shared_ptr<detail::SessionHandle>> live;
  {
    std::lock_guard lock(core.mu);
    for (auto& [ptr, weak] : core.sessions) {
      if (auto s = weak.lock()) live.push_back(std::move(s));
    }
  }
  for (auto& s : live) ((*s).*what)();
}

bool HttpServer::Impl::wait_sessions(std::chrono::steady_clock::time_point deadline) {
  std::unique_lock lock(core.mu);
  return core.sessions_changed.wait_until(lock, deadline, [&] { return core.sessions.empty(); });
}

void HttpServer::Impl::shutdown() {
  using Clock = std::chrono::steady_clock;
  core.stopping = true;
  net::post(*accept_strand, [this] {
    boost::system::error_code ec;
    acceptor->close(ec);
    if (signals) signals->cancel(ec);
  });
  for_each_session(&detail::SessionHandle::close_if_idle);
  if (!wait_sessions(Clock::now() + core.config.shutdown_grace)) {
    core.log->warn("http: grace period over; closing the remaining connections");
    for_each_session(&detail::SessionHandle::force_close);
    wait_sessions(Clock::now() + std::chrono::seconds(2));
  }
  // Handlers still running belong to sessions force-closed above; they finish (nothing cancels
  // application code) before the I/O threads that would resume their sessions stop.
  core.handlers->join();
  work.reset();
  ioc->stop();
  for (std::thread& t : threads) t.join();
  threads.clear();
  // Destroy in dependency order; destroying the io_context destroys any session still
  // suspended (aborting its upload, see SinkGuard).
  signals.reset();
  acceptor.reset();
  accept_strand.reset();
  ioc.reset();
}

HttpServer::HttpServer(ServerConfig config, RouteTable routes) : impl_(std::make_unique<Impl>()) {
  detail::ServerCore& core = impl_->core;
  core.config = std::move(config);
  core.routes = std::move(routes);
  core.log = core.config.logger ? core.config.logger : spdlog::default_logger();
  core.request_logger =
      core.config.request_logger ? core.config.request_logger : spdlog_request_logger(core.log);
}

HttpServer::~HttpServer() {
  bool running = false;
  {
    std::lock_guard lock(impl_->mu);
    running = impl_->started && !impl_->stopped;
  }
  if (running) stop();
}

Status HttpServer::start() {
  Impl& m = *impl_;
  const ServerConfig& cfg = m.core.config;
  {
    std::lock_guard lock(m.mu);
    if (m.started) {
      return make_error(Code::failed_precondition, "http.already_started",
                        "El servidor ya fue iniciado.", "The server was already started.");
    }
  }
  auto proxies = TrustedProxies::parse(cfg.trusted_proxies);
  if (!proxies) return proxies.error();
  m.core.proxies = std::move(*proxies);
  if (cfg.threads < 1 || cfg.handler_threads < 1) {
    return make_error(Code::invalid_argument, "http.bad_config",
                      "Se necesita al menos un hilo de red y un hilo para atender solicitudes.",
                      "At least one I/O thread and one handler thread are needed.");
  }
  boost::system::error_code ec;
  net::ip::address address = net::ip::make_address(cfg.host, ec);
  if (ec) {
    return make_error(Code::invalid_argument, "http.bad_listen",
                      fmt::format("«{}» no es una dirección IP válida.", cfg.host),
                      fmt::format("'{}' is not a valid IP address.", cfg.host))
        .with("host", cfg.host);
  }
  m.ioc.emplace(cfg.threads);
  m.accept_strand.emplace(net::make_strand(*m.ioc));
  m.acceptor.emplace(*m.accept_strand);
  tcp::endpoint endpoint(address, cfg.port);
  auto bind_error = [&](const char* step) -> Error {
    std::string what = ec.message();
    m.acceptor.reset();
    m.accept_strand.reset();
    m.ioc.reset();
    return make_error(Code::internal, "http.bind",
                      fmt::format("No se pudo escuchar en {}:{} ({}: {}).", cfg.host, cfg.port, step, what),
                      fmt::format("Could not listen on {}:{} ({}: {}).", cfg.host, cfg.port, step, what))
        .with("host", cfg.host)
        .with("port", std::to_string(cfg.port));
  };
  m.acceptor->open(endpoint.protocol(), ec);
  if (ec) return bind_error("open");
  m.acceptor->set_option(net::socket_base::reuse_address(true), ec);
  if (ec) return bind_error("reuse");
  m.acceptor->bind(endpoint, ec);
  if (ec) return bind_error("bind");
  m.acceptor->listen(net::socket_base::max_listen_connections, ec);
  if (ec) return bind_error("listen");
  m.port = m.acceptor->local_endpoint().port();

  if (cfg.stop_on_signals) {
    m.signals.emplace(*m.ioc, SIGINT, SIGTERM);
    m.signals->async_wait([this](const boost::system::error_code& e, int) {
      if (!e) request_stop();
    });
  }
  m.core.handlers = std::make_unique<net::thread_pool>(static_cast<std::size_t>(cfg.handler_threads));
  m.work.emplace(m.ioc->get_executor());
  net::co_spawn(*m.accept_strand, m.accept_loop(), net::detached);
  for (int i = 0; i < cfg.threads; ++i) {
    m.threads.emplace_back([&m] {
      for (;;) {
        try {
          m.ioc->run();
          return;
        } catch (const std::exception& e) {  // should not happen: sessions catch their own
          m.core.log->error("http: worker thread caught: {}", e.what());
        }
      }
    });
  }
  std::lock_guard lock(m.mu);
  m.started = true;
  return ok_status();
}

std::uint16_t HttpServer::port() const { return impl_->port; }

void HttpServer::request_stop() {
  std::lock_guard lock(impl_->mu);
  impl_->stop_requested = true;
  impl_->cv.notify_all();
}

void HttpServer::wait() {
  Impl& m = *impl_;
  std::unique_lock lock(m.mu);
  if (!m.started) return;
  m.cv.wait(lock, [&] { return m.stop_requested; });
  if (m.shutdown_begun) {
    m.cv.wait(lock, [&] { return m.stopped; });
    return;
  }
  m.shutdown_begun = true;
  lock.unlock();
  m.shutdown();
  lock.lock();
  m.stopped = true;
  m.cv.notify_all();
}

void HttpServer::stop() {
  request_stop();
  wait();
}

std::int64_t HttpServer::requests_in_flight() const { return impl_->core.in_flight.load(); }

std::size_t HttpServer::TEST_connection_count() const {
  std::lock_guard lock(impl_->core.mu);
  return impl_->core.sessions.size();
}

Result<std::pair<std::string, std::uint16_t>> parse_listen(std::string_view text) {
  auto bad = [&] {
    return make_error(Code::invalid_argument, "http.bad_listen",
                      fmt::format("«{}» no tiene la forma HOST:PUERTO (p. ej. 127.0.0.1:8080).", text),
                      fmt::format("'{}' is not of the form HOST:PORT (e.g. 127.0.0.1:8080).", text))
        .with("listen", std::string(text));
  };
  std::size_t colon = text.rfind(':');
  if (colon == std::string_view::npos) return bad();
  std::string_view host = text.substr(0, colon);
  std::string_view port_text = text.substr(colon + 1);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  } else if (host.find(':') != std::string_view::npos) {
    return bad();  // IPv6 must be bracketed
  }
  unsigned port = 0;
  auto [p, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
  if (port_text.empty() || ec != std::errc() || p != port_text.data() + port_text.size() ||
      port > 65535) {
    return bad();
  }
  std::string h = host.empty() ? "0.0.0.0" : host == "localhost" ? "127.0.0.1" : std::string(host);
  return std::pair<std::string, std::uint16_t>(std::move(h), static_cast<std::uint16_t>(port));
}

}  // namespace pasaprod::http
