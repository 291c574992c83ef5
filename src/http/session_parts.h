// Internal to session.cc: the pieces of a connection session that need no Beast. The fuzz
// target of the request path (tests/fuzz/fuzz_http_request.cc) uses them too, so it checks what
// the server runs.
#pragma once

#include <atomic>
#include <cstdint>
#include <ctime>
#include <exception>
#include <memory>
#include <optional>
#include <string>

#include <spdlog/spdlog.h>

#include "http/body_sink.h"
#include "http/errors.h"
#include "http/input_check.h"
#include "http/request.h"
#include "http/request_log.h"
#include "http/response.h"
#include "http/route.h"
#include "http/trusted_proxy.h"

namespace pasaprod::http::detail {

// The Date header value, recomputed at most once a second. One per session (not shared).
class HttpDate {
 public:
  const std::string& now() {
    std::time_t t = std::time(nullptr);
    if (t != last_) {
      last_ = t;
      std::tm tm{};
      gmtime_r(&t, &tm);
      char buf[64];
      std::size_t n = std::strftime(buf, sizeof buf, "%a, %d %b %Y %H:%M:%S GMT", &tm);
      text_.assign(buf, n);
    }
    return text_;
  }

 private:
  std::time_t last_ = 0;
  std::string text_;
};

// Keeps the sink's contract: exactly one of finish()/abort(), even when the coroutine is
// destroyed mid-upload (forced stop). Exceptions from abort() are logged, never propagated.
class SinkGuard {
 public:
  SinkGuard(std::unique_ptr<BodySink> sink, spdlog::logger& log) : sink_(std::move(sink)), log_(log) {}
  SinkGuard(const SinkGuard&) = delete;
  SinkGuard& operator=(const SinkGuard&) = delete;
  ~SinkGuard() {
    if (!done_) abort(err_server_stopping());
  }
  BodySink& operator*() { return *sink_; }
  // Calls sink->abort(why) unless finish()/abort() already happened.
  void abort(const Error& why) {
    if (done_) return;
    done_ = true;
    try {
      sink_->abort(why);
    } catch (const std::exception& e) {
      log_.error("http: BodySink::abort threw: {}", e.what());
    } catch (...) {
      log_.error("http: BodySink::abort threw");
    }
  }
  // finish() returned: nothing more is owed to the sink.
  void mark_finished() { done_ = true; }

 private:
  std::unique_ptr<BodySink> sink_;
  spdlog::logger& log_;
  bool done_ = false;
};

// Fills `req` from the parsed header of a request: method, raw target, every header in order,
// and the client address (`peer`, or the one X-Forwarded-For names when `peer` is a trusted
// proxy). `Header` is Beast's request header (any type with method_string(), target() and
// fields with name_string() and value()).
template <class Header>
void fill_request(Request& req, const Header& h, const TrustedProxies& proxies, const std::string& peer) {
  req.set_method(std::string(h.method_string()));
  req.set_target(std::string(h.target()));
  for (const auto& f : h) req.add_header(std::string(f.name_string()), std::string(f.value()));
  req.set_client_address(proxies.client(peer, req.header("x-forwarded-for")));
}

// The answer to a request whose path matched no route (404), no route for its method (405,
// with Allow) or a route with a malformed capture (400). REQUIRES: m.kind != found.
inline Response answer_unmatched(const RouteMatch& m, const Request& req) {
  const Lang lang = req.lang();
  switch (m.kind) {
    case RouteMatch::Kind::method_not_allowed: {
      std::string allow;
      for (Method a : m.allowed) allow += (allow.empty() ? "" : ", ") + std::string(method_name(a));
      Response r = Response::problem(err_method_not_allowed(req.method(), allow), lang, 405);
      r.set_header("Allow", allow);
      return r;
    }
    case RouteMatch::Kind::bad_param:
      return Response::problem(*m.error, lang);
    case RouteMatch::Kind::not_found:
    case RouteMatch::Kind::found:
      break;
  }
  return Response::problem(err_not_found(req.path()), lang);
}

// The checks of a none/json/form request once its body is in, before the handler runs: a json
// body is parsed and checked against the route's schema (Request::parse_json), then every text
// of the body is checked (check_body_inputs). REQUIRES: req.route() == &route. The error to
// answer (400), or nullopt when the handler may run.
inline std::optional<Error> check_small_body(Request& req, const Route& route) {
  if (route.body == BodyKind::json) {
    if (Status s = req.parse_json(); !s) return s.error();
  }
  return check_body_inputs(req, route.body == BodyKind::json, route.body == BodyKind::form);
}

// Counts one request in flight for as long as it lives.
class InFlight {
 public:
  explicit InFlight(std::atomic<std::int64_t>& n) : n_(n) { ++n_; }
  ~InFlight() { --n_; }
  InFlight(const InFlight&) = delete;
  InFlight& operator=(const InFlight&) = delete;

 private:
  std::atomic<std::int64_t>& n_;
};

// One request/response exchange.
struct Exchange {
  Request req;
  std::optional<Response> resp;  // what to answer; nullopt with abandon
  unsigned version = 11;
  bool keep_alive = false;       // as the client asked
  bool head = false;
  bool has_body = false;         // the request declares a body
  bool body_consumed = false;    // ... and it was read to the end
  bool expect_continue = false;
  bool abandon = false;          // no response can be sent: close at once
  RequestLogEntry log;
};

}  // namespace pasaprod::http::detail
