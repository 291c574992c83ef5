// One connection: a coroutine on the connection's strand reading requests, dispatching them
// through the RouteTable and writing the responses, with every limit and timeout enforced.
#include "http/session.h"

#include <unistd.h>

#include <algorithm>
#include <limits>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "http/errors.h"
#include "http/file_range.h"
#include "http/header_safety.h"
#include "http/input_check.h"
#include "http/session_parts.h"

namespace pasaprod::http::detail {

namespace {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace bhttp = beast::http;
using tcp = net::ip::tcp;
using Clock = std::chrono::steady_clock;
using HeaderParser = bhttp::request_parser<bhttp::empty_body>;

constexpr std::size_t kFirstRead = 4096;            // first read of a request
constexpr std::size_t kKeepCapacity = 16 * 1024;    // shrink the buffer beyond this when idle
constexpr std::size_t kBodyReadReserve = 64 * 1024; // socket reads during bodies (see NOTES)
constexpr std::size_t kFileChunk = 256 * 1024;      // file responses are sent in these
constexpr auto kLingerTime = std::chrono::seconds(1);
constexpr std::uint64_t kLingerBytes = 4 << 20;

auto ec_token(beast::error_code& ec) { return net::redirect_error(net::use_awaitable, ec); }

std::string_view sv(beast::string_view s) { return {s.data(), s.size()}; }

// A body the client sent but that cannot be parsed (bad chunk framing): answered 400.
bool is_malformed_body(const beast::error_code& ec) {
  return ec == bhttp::error::bad_chunk || ec == bhttp::error::bad_chunk_extension ||
         ec == bhttp::error::bad_transfer_encoding;
}

// Language of a (possibly partially parsed) request, for the server's own errors.
Lang lang_of(const bhttp::request<bhttp::empty_body>& h) {
  auto it = h.find(bhttp::field::accept_language);
  return it == h.end() ? Lang::es : parse_accept_language(sv(it->value()));
}

class Session final : public SessionHandle, public std::enable_shared_from_this<Session> {
 public:
  Session(ServerCore& core, tcp::socket socket, std::string address)
      : core_(core), cfg_(core.config), stream_(std::move(socket)), executor_(stream_.get_executor()),
        client_(std::move(address)) {
    beast::error_code ec;
    stream_.socket().set_option(tcp::no_delay(true), ec);
  }

  ~Session() override {
    std::lock_guard lock(core_.mu);
    core_.sessions.erase(this);
    if (auto it = core_.per_address.find(client_); it != core_.per_address.end() && --it->second == 0) {
      core_.per_address.erase(it);
    }
    core_.sessions_changed.notify_all();
  }

  static net::awaitable<void> run(std::shared_ptr<Session> self) {
    try {
      co_await self->loop();
    } catch (const std::exception& e) {
      self->core_.log->error("http: session {} ended by exception: {}", self->client_, e.what());
    }
    self->close();
  }

  void close_if_idle() override {
    net::post(executor_, [w = weak_from_this()] {
      if (auto s = w.lock(); s && s->idle_) s->close();
    });
  }

  const net::any_io_executor& executor() const { return executor_; }

  void force_close() override {
    net::post(executor_, [w = weak_from_this()] {
      if (auto s = w.lock()) s->close();
    });
  }

 private:
  void close() {
    beast::error_code ec;
    stream_.socket().shutdown(tcp::socket::shutdown_both, ec);
    stream_.close();
  }

  net::awaitable<void> loop() {
    bool first = true;
    for (;;) {
      idle_ = true;
      if (core_.stopping) co_return;
      beast::error_code ec;
      if (buffer_.size() == 0) {  // wait for the next request
        stream_.expires_after(first ? cfg_.header_timeout : cfg_.idle_timeout);
        std::size_t n = co_await stream_.async_read_some(buffer_.prepare(kFirstRead), ec_token(ec));
        if (ec) co_return;
        buffer_.commit(n);
      }
      first = false;
      HeaderParser hp;
      hp.header_limit(static_cast<std::uint32_t>(cfg_.max_header_bytes));
      // No body limit here: the route's limit is applied once it is known, so a web upload over
      // the limit gets the route's own refusal (an HTML page), not a generic problem+json.
      // (Not boost::none: Beast 1.74 compares the length with the optional, and anything > none.)
      hp.body_limit(std::numeric_limits<std::uint64_t>::max());
      stream_.expires_after(cfg_.header_timeout);
      co_await bhttp::async_read_header(stream_, buffer_, hp, ec_token(ec));
      idle_ = false;
      if (ec) {
        std::optional<Error> err;
        int status = 0;
        if (ec == bhttp::error::header_limit) {
          err = err_header_too_large(cfg_.max_header_bytes);
          status = 431;
        } else if (ec == bhttp::error::body_limit) {
          err = err_body_too_large(std::max(cfg_.max_upload_bytes, cfg_.max_json_bytes));
        } else if (ec != beast::error::timeout && ec != net::error::eof &&
                   ec != bhttp::error::end_of_stream && ec != net::error::operation_aborted &&
                   ec != net::error::connection_reset && ec != bhttp::error::partial_message) {
          err = err_malformed_request(ec.message());
        }
        if (err) {
          Exchange ex;
          ex.log.method = std::string(hp.get().method_string());
          ex.log.path = "-";
          ex.resp = Response::problem(*err, lang_of(hp.get()), status);
          co_await write_response(ex, false);
          log(ex, Clock::now());
          co_await linger_close();
        }
        co_return;
      }
      bool keep = co_await serve_one(hp);
      if (!keep) co_return;
      if (buffer_.capacity() > kKeepCapacity && buffer_.size() < kKeepCapacity) buffer_.shrink_to_fit();
    }
  }

  // Serves the request whose headers `hp` holds. Returns whether to keep the connection.
  net::awaitable<bool> serve_one(HeaderParser& hp) {
    Clock::time_point t0 = Clock::now();
    InFlight counted(core_.in_flight);
    Exchange ex;
    const auto& h = hp.get();
    fill_request(ex.req, h, core_.proxies, client_);
    ex.version = h.version();
    ex.keep_alive = hp.keep_alive();
    ex.head = h.method() == bhttp::verb::head;
    ex.has_body = !hp.is_done();
    auto expect = ex.req.header("expect");
    ex.expect_continue = ex.version >= 11 && expect && iequals(*expect, "100-continue");
    ex.log.method = ex.req.method();
    ex.log.path = ex.req.path();
    ex.log.client = ex.req.client_address();

    RouteMatch m = core_.routes.match(parse_method(ex.req.method()), ex.req.path());
    if (m.kind == RouteMatch::Kind::found) {
      co_await dispatch(hp, ex, *m.route, std::move(m.params));
    } else {
      ex.resp = answer_unmatched(m, ex.req);
    }
    if (!ex.has_body) ex.body_consumed = true;
    if (ex.abandon || !ex.resp) {
      log(ex, t0);
      co_return false;
    }
    bool keep = ex.keep_alive && ex.body_consumed && !core_.stopping;
    keep = co_await write_response(ex, keep);
    log(ex, t0);
    if (!ex.body_consumed) co_await linger_close();
    co_return keep;
  }

  net::awaitable<void> dispatch(HeaderParser& hp, Exchange& ex, const Route& route, Params params) {
    ex.req.set_route(&route, &core_.routes);
    ex.log.route = route.pattern;
    if (route.secret_path) ex.log.path = route.pattern;
    ex.req.set_path_params(std::move(params));
    const Lang lang = ex.req.lang();
    if (auto bad = check_url_inputs(ex.req)) {
      ex.resp = Response::problem(*bad, lang);
      co_return;
    }
    if (const Authenticator& auth = core_.routes.authenticator()) {
      std::optional<Status> s = co_await call_app(ex, [&] { return auth(ex.req, route); });
      if (!s) co_return;
      if (!s->ok()) {
        ex.resp = Response::problem(s->error(), lang);
        co_return;
      }
    }
    if (route.body == BodyKind::stream) {
      co_await stream_body(hp, ex, route);
      co_return;
    }
    co_await read_small_body(hp, ex);
    if (ex.resp || ex.abandon) co_return;
    if (auto bad = check_small_body(ex.req, route)) {
      if (route.body == BodyKind::form && route.form_refusal) {
        std::optional<Response> r = co_await call_app(ex, [&] { return route.form_refusal(ex.req, *bad); });
        if (r) ex.resp = std::move(*r);
      } else {
        ex.resp = Response::problem(*bad, lang);
      }
      co_return;
    }
    std::optional<Response> r = co_await call_app(ex, [&] { return route.handler(ex.req); });
    if (r) ex.resp = std::move(*r);
  }

  // Calls application code on the handler pool (core_.handlers) and resumes this session on its
  // strand with the result; an exception becomes a 500 problem in ex.resp (and nullopt). `f`
  // and `ex` live in the suspended coroutine's frame until the result is back.
  template <class F>
  net::awaitable<std::optional<std::invoke_result_t<F&>>> call_app(Exchange& ex, F f) {
    using R = std::optional<std::invoke_result_t<F&>>;
    auto run = [this, &ex, &f]() -> R {
      try {
        return f();
      } catch (const std::exception& e) {
        core_.log->error("http: handler for {} {} threw: {}", ex.req.method(), ex.req.path(), e.what());
      } catch (...) {
        core_.log->error("http: handler for {} {} threw a non-exception", ex.req.method(), ex.req.path());
      }
      ex.resp = Response::problem(err_internal(), ex.req.lang());
      ex.log.note = "handler threw";
      return std::nullopt;
    };
    co_return co_await net::async_initiate<const net::use_awaitable_t<>&, void(R)>(
        [this, &run](auto handler) {
          net::post(*core_.handlers, [&run, handler = std::move(handler)]() mutable {
            R result = run();
            auto strand = net::get_associated_executor(handler);
            net::dispatch(strand, [handler = std::move(handler), result = std::move(result)]() mutable {
              std::move(handler)(std::move(result));
            });
          });
        },
        net::use_awaitable);
  }

  // The answer to a body the server refuses (over the limit, malformed) on a stream route: the
  // route's own refusal page if it has one, else problem+json.
  net::awaitable<std::optional<Response>> refuse_body(Exchange& ex, const Route& route, const Error& why) {
    if (!route.stream_refusal) co_return Response::problem(why, ex.req.lang());
    co_return co_await call_app(ex, [&] { return route.stream_refusal(ex.req, why); });
  }

  net::awaitable<bool> send_continue(unsigned version) {
    bhttp::response<bhttp::empty_body> cont{bhttp::status::continue_, version};
    beast::error_code ec;
    stream_.expires_after(cfg_.write_timeout);
    co_await bhttp::async_write(stream_, cont, ec_token(ec));
    co_return !ec;
  }

  // Reads the body of a none/json/form route into the Request (JSON limit).
  net::awaitable<void> read_small_body(HeaderParser& hp, Exchange& ex) {
    if (hp.is_done()) co_return;
    const std::uint64_t limit = cfg_.max_json_bytes;
    if (auto cl = hp.content_length(); cl && *cl > limit) {
      ex.resp = Response::problem(err_body_too_large(limit), ex.req.lang());
      co_return;
    }
    if (ex.expect_continue && !co_await send_continue(ex.version)) {
      ex.abandon = true;
      co_return;
    }
    bhttp::request_parser<bhttp::string_body> sp(std::move(hp));
    sp.body_limit(limit);
    beast::error_code ec;
    stream_.expires_after(cfg_.body_timeout);
    co_await bhttp::async_read(stream_, buffer_, sp, ec_token(ec));
    if (ec == bhttp::error::body_limit) {
      ex.resp = Response::problem(err_body_too_large(limit), ex.req.lang());
      co_return;
    }
    if (is_malformed_body(ec)) {
      ex.resp = Response::problem(err_malformed_request(ec.message()), ex.req.lang());
      co_return;
    }
    if (ec) {
      ex.abandon = true;
      ex.log.note = "body: " + ec.message();
      co_return;
    }
    ex.body_consumed = true;
    ex.log.bytes_in = sp.get().body().size();
    ex.req.set_body(std::move(sp.get().body()));
  }

  // Streams the body of a stream route to the sink its handler returns (upload limit).
  net::awaitable<void> stream_body(HeaderParser& hp, Exchange& ex, const Route& route) {
    const Lang lang = ex.req.lang();
    const std::uint64_t limit = cfg_.max_upload_bytes;
    if (auto cl = hp.content_length(); cl && *cl > limit) {
      if (auto r = co_await refuse_body(ex, route, err_body_too_large(limit))) ex.resp = std::move(*r);
      co_return;
    }
    std::optional<Result<std::unique_ptr<BodySink>>> opened =
        co_await call_app(ex, [&] { return route.stream_handler(ex.req); });
    if (!opened) co_return;
    if (!*opened) {
      ex.resp = Response::problem(opened->error(), lang);
      co_return;
    }
    if (!opened->value()) {
      ex.resp = Response::problem(err_internal(), lang);
      co_return;
    }
    SinkGuard sink(std::move(opened->value()), *core_.log);
    if (!hp.is_done()) {
      if (ex.expect_continue && !co_await send_continue(ex.version)) {
        sink.abort(err_body_incomplete());
        ex.abandon = true;
        co_return;
      }
      bhttp::request_parser<bhttp::buffer_body> bp(std::move(hp));
      bp.body_limit(limit);
      const std::size_t chunk_size = std::max<std::size_t>(cfg_.upload_chunk_bytes, 4096);
      auto chunk = std::make_unique_for_overwrite<char[]>(chunk_size);
      buffer_.reserve(buffer_.size() + kBodyReadReserve);
      while (!bp.is_done()) {
        bp.get().body().data = chunk.get();
        bp.get().body().size = chunk_size;
        beast::error_code ec;
        stream_.expires_after(cfg_.body_timeout);
        co_await bhttp::async_read_some(stream_, buffer_, bp, ec_token(ec));
        if (ec == bhttp::error::need_buffer) ec = {};
        std::size_t got = chunk_size - bp.get().body().size;
        if (got > 0) {
          ex.log.bytes_in += got;
          std::optional<Status> s = co_await call_app(ex, [&] { return (*sink).write(chunk.get(), got); });
          if (!s) {
            sink.abort(err_internal());
            co_return;
          }
          if (!s->ok()) {
            sink.abort(s->error());
            ex.resp = Response::problem(s->error(), lang);
            co_return;
          }
        }
        if (ec == bhttp::error::body_limit) {
          Error e = err_body_too_large(limit);
          sink.abort(e);
          if (auto r = co_await refuse_body(ex, route, e)) ex.resp = std::move(*r);
          co_return;
        }
        if (is_malformed_body(ec)) {
          Error e = err_malformed_request(ec.message());
          sink.abort(e);
          if (auto r = co_await refuse_body(ex, route, e)) ex.resp = std::move(*r);
          co_return;
        }
        if (ec) {
          Error e = core_.stopping                  ? err_server_stopping()
                    : ec == beast::error::timeout ? err_body_timeout(cfg_.body_timeout)
                                                  : err_body_incomplete();
          sink.abort(e);
          ex.abandon = true;
          ex.log.note = "upload aborted: " + ec.message();
          co_return;
        }
      }
    }
    ex.body_consumed = true;
    std::optional<Response> r = co_await call_app(ex, [&] { return (*sink).finish(); });
    if (r) {
      sink.mark_finished();
      ex.resp = std::move(*r);
    } else {
      sink.abort(err_internal());
    }
  }

  // Writes ex.resp. Returns `keep`, or false when writing failed.
  net::awaitable<bool> write_response(Exchange& ex, bool keep) {
    if (auto bad = unsafe_header(*ex.resp)) {  // no handler can inject a header or a cookie
      core_.log->error("http: response to {} {} had an unsafe {} header; answered 500 instead", ex.req.method(),
                       ex.req.path(), *bad);
      ex.resp = Response::problem(err_unsafe_header(*bad), ex.req.lang());
      ex.log.note = "unsafe header";
    }
    add_default_headers(*ex.resp);
    Response& r = *ex.resp;
    if (r.is_file()) co_return co_await write_file(ex, keep);
    if (r.is_stream()) co_return co_await write_stream(ex, keep);
    bhttp::response<bhttp::string_body> res{static_cast<bhttp::status>(r.status()), ex.version};
    res.set(bhttp::field::server, "pasaprod");
    res.set(bhttp::field::date, date_.now());
    for (const auto& [name, value] : r.headers()) res.insert(name, value);
    const int st = r.status();
    const bool bodiless = st < 200 || st == 204 || st == 304;
    if (!bodiless) res.content_length(r.body().size());
    ex.log.status = st;
    if (!ex.head && !bodiless) {
      ex.log.bytes_out = r.body().size();
      res.body() = std::move(r.mutable_body());
    }
    res.keep_alive(keep);
    beast::error_code ec;
    stream_.expires_after(cfg_.write_timeout);
    co_await bhttp::async_write(stream_, res, ec_token(ec));
    if (ec) {
      ex.log.note = "write: " + ec.message();
      co_return false;
    }
    co_return keep;
  }

  net::awaitable<bool> write_file(Exchange& ex, bool keep) {
    Response& r = *ex.resp;
    FileSource& file = *r.file();
    const bool conditional = r.status() == 200 && (ex.req.method() == "GET" || ex.head);
    FilePlan plan;
    plan.status = r.status();
    plan.length = file.size();
    if (conditional) {
      plan = plan_file_response(file.size(), r.etag(), ex.req.header("range"),
                                ex.req.header("if-none-match"), ex.req.header("if-range"));
    }
    bhttp::response<bhttp::empty_body> res{static_cast<bhttp::status>(plan.status), ex.version};
    res.set(bhttp::field::server, "pasaprod");
    res.set(bhttp::field::date, date_.now());
    for (const auto& [name, value] : r.headers()) res.insert(name, value);
    if (!r.etag().empty()) res.set(bhttp::field::etag, r.etag());
    res.set(bhttp::field::accept_ranges, "bytes");
    if (plan.status != 304) res.content_length(plan.length);
    if (!plan.content_range.empty()) res.set(bhttp::field::content_range, plan.content_range);
    res.keep_alive(keep);
    ex.log.status = plan.status;
    beast::error_code ec;
    stream_.expires_after(cfg_.write_timeout);
    co_await bhttp::async_write(stream_, res, ec_token(ec));
    if (ec) co_return false;
    if (ex.head || plan.length == 0) co_return keep;
    auto buf = std::make_unique_for_overwrite<char[]>(kFileChunk);
    std::uint64_t offset = plan.offset;
    std::uint64_t left = plan.length;
    while (left > 0) {
      std::size_t want = static_cast<std::size_t>(std::min<std::uint64_t>(left, kFileChunk));
      ssize_t n = ::pread(file.fd(), buf.get(), want, static_cast<off_t>(offset));
      if (n <= 0) {  // truncated or unreadable: the promised length cannot be honoured
        core_.log->error("http: reading file for {} failed at offset {}", ex.req.path(), offset);
        ex.log.note = "file read failed";
        co_return false;
      }
      stream_.expires_after(cfg_.write_timeout);
      co_await net::async_write(stream_, net::buffer(buf.get(), static_cast<std::size_t>(n)),
                                ec_token(ec));
      if (ec) {
        ex.log.note = "write: " + ec.message();
        co_return false;
      }
      ex.log.bytes_out += static_cast<std::uint64_t>(n);
      offset += static_cast<std::uint64_t>(n);
      left -= static_cast<std::uint64_t>(n);
    }
    co_return keep;
  }

  // A generated body (BodySource): headers with its exact length, then chunks as produced.
  net::awaitable<bool> write_stream(Exchange& ex, bool keep) {
    Response& r = *ex.resp;
    BodySource& source = *r.stream_source();
    const std::uint64_t total = source.size();
    FilePlan plan;
    plan.status = r.status();
    plan.length = total;
    if (plan.status == 200 && (ex.req.method() == "GET" || ex.head)) {
      if (source.seekable()) {
        plan = plan_file_response(total, r.etag(), ex.req.header("range"), ex.req.header("if-none-match"),
                                  ex.req.header("if-range"));
      } else if (auto inm = ex.req.header("if-none-match");
                 inm && !r.etag().empty() && (*inm == r.etag() || *inm == "*")) {
        plan.status = 304;
      }
    }
    const int status = plan.status;
    bhttp::response<bhttp::empty_body> res{static_cast<bhttp::status>(status), ex.version};
    res.set(bhttp::field::server, "pasaprod");
    res.set(bhttp::field::date, date_.now());
    for (const auto& [name, value] : r.headers()) res.insert(name, value);
    if (!r.etag().empty()) res.set(bhttp::field::etag, r.etag());
    res.set(bhttp::field::accept_ranges, source.seekable() ? "bytes" : "none");
    if (status != 304) res.content_length(plan.length);
    if (!plan.content_range.empty()) res.set(bhttp::field::content_range, plan.content_range);
    res.keep_alive(keep);
    ex.log.status = status;
    beast::error_code ec;
    stream_.expires_after(cfg_.write_timeout);
    co_await bhttp::async_write(stream_, res, ec_token(ec));
    if (ec) co_return false;
    if (ex.head || plan.length == 0) co_return keep;
    if (plan.offset > 0) {
      if (Status st = source.seek(plan.offset); !st) {
        core_.log->error("http: starting the body of {} at {} failed: {}", ex.req.path(), plan.offset, st.error().en);
        ex.log.note = "stream seek failed";
        co_return false;
      }
    }
    auto buf = std::make_unique_for_overwrite<char[]>(kFileChunk);
    std::uint64_t left = plan.length;
    while (left > 0) {
      const std::size_t want = static_cast<std::size_t>(std::min<std::uint64_t>(left, kFileChunk));
      std::size_t n = 0;
      std::string why;
      try {
        Result<std::size_t> got = source.read(buf.get(), want);
        if (got) n = *got;
        else why = got.error().en;
      } catch (const std::exception& e) {
        why = e.what();
      }
      if (n == 0 || n > want) {  // cannot honour the promised length: cut the connection
        core_.log->error("http: generating the body of {} failed with {} bytes left: {}", ex.req.path(), left,
                         why.empty() ? "short body" : why);
        ex.log.note = "stream body failed";
        co_return false;
      }
      stream_.expires_after(cfg_.write_timeout);
      co_await net::async_write(stream_, net::buffer(buf.get(), n), ec_token(ec));
      if (ec) {
        ex.log.note = "write: " + ec.message();
        co_return false;
      }
      ex.log.bytes_out += n;
      left -= n;
    }
    co_return keep;
  }

  // After answering without reading the request body: stop sending, then read and discard
  // for a moment so the client sees the response rather than a reset.
  net::awaitable<void> linger_close() {
    beast::error_code ec;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ec);
    std::uint64_t drained = 0;
    Clock::time_point until = Clock::now() + kLingerTime;
    char sink[16 * 1024];
    while (drained < kLingerBytes && Clock::now() < until) {
      stream_.expires_at(until);
      std::size_t n = co_await stream_.async_read_some(net::buffer(sink), ec_token(ec));
      if (ec) break;
      drained += n;
    }
    close();
  }

  void log(Exchange& ex, Clock::time_point t0) {
    ex.log.ms = std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
    ex.log.user = ex.req.user();
    if (ex.log.client.empty()) ex.log.client = client_;
    try {
      core_.request_logger(ex.log);
    } catch (...) {  // a failing logger must not take the connection down
    }
  }

  ServerCore& core_;
  const ServerConfig& cfg_;
  beast::tcp_stream stream_;
  net::any_io_executor executor_;  // the strand; copied at construction, read-only after
  beast::flat_buffer buffer_;
  std::string client_;
  bool idle_ = true;  // waiting for a request or its headers; strand-only
  HttpDate date_;     // strand-only
};

// The 503 for a connection over a limit: written at once (the request is not read, so the
// answer is in Spanish and English), then a short linger so the client reads it.
net::awaitable<void> refuse(ServerCore& core, tcp::socket socket, Error why) {
  beast::tcp_stream stream(std::move(socket));
  try {
    nlohmann::json body = problem_json(why, Lang::es, 503);
    body["detail_en"] = why.en;
    bhttp::response<bhttp::string_body> res{bhttp::status::service_unavailable, 11};
    res.set(bhttp::field::server, "pasaprod");
    res.set(bhttp::field::content_type, "application/problem+json");
    res.set(bhttp::field::retry_after, "5");
    res.set("X-Content-Type-Options", "nosniff");
    res.body() = body.dump();
    res.prepare_payload();
    res.keep_alive(false);
    beast::error_code ec;
    stream.expires_after(std::chrono::seconds(2));
    co_await bhttp::async_write(stream, res, ec_token(ec));
    if (!ec) {
      stream.socket().shutdown(tcp::socket::shutdown_send, ec);
      char sink[4096];
      for (int i = 0; i < 16 && !ec; ++i) {
        stream.expires_after(std::chrono::milliseconds(500));
        (void)co_await stream.async_read_some(net::buffer(sink), ec_token(ec));
      }
    }
  } catch (const std::exception& e) {
    core.log->warn("http: 503 answer failed: {}", e.what());
  }
  beast::error_code ignored;
  stream.socket().close(ignored);
  std::lock_guard lock(core.mu);
  --core.refusing;
}

}  // namespace

void spawn_refusal(ServerCore& core, tcp::socket socket, Error why) {
  net::any_io_executor ex = socket.get_executor();
  net::co_spawn(ex, refuse(core, std::move(socket), std::move(why)), net::detached);
}

void spawn_session(ServerCore& core, tcp::socket socket, std::string address) {
  auto session = std::make_shared<Session>(core, std::move(socket), std::move(address));
  {
    std::lock_guard lock(core.mu);
    core.sessions.emplace(session.get(), session);
  }
  net::any_io_executor ex = session->executor();
  net::co_spawn(ex, Session::run(std::move(session)), net::detached);
}

}  // namespace pasaprod::http::detail
