// Internal to session.cc: the pieces of a connection session that need no Beast.
#pragma once

#include <ctime>
#include <exception>
#include <memory>
#include <optional>
#include <string>

#include <spdlog/spdlog.h>

#include "http/body_sink.h"
#include "http/errors.h"
#include "http/request.h"
#include "http/request_log.h"
#include "http/response.h"

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
